// Services that run beside the HTTP API (persistence, NATS, ...) start in
// order and stop in reverse order, so what starts first (restoring
// checkpoints) stops last (writing the final checkpoint).

import type { Logger } from '../log.ts';

export interface Service {
  readonly name: string;
  start(): void | Promise<void>;
  stop(): void | Promise<void>;
}

export class Lifecycle {
  private readonly running: Service[] = [];

  constructor(private readonly log: Logger) {}

  /** Starts each service in turn; when one fails, stops the ones already started and rethrows. */
  async start(services: readonly Service[]): Promise<void> {
    for (const service of services) {
      this.log.info(`starting ${service.name}`);
      try {
        await service.start();
      } catch (e) {
        await this.stop();
        throw new Error(`starting ${service.name}: ${(e as Error).message}`, { cause: e });
      }
      this.running.push(service);
    }
  }

  /** Stops every running service, newest first; a failing stop is logged and the others still stop. */
  async stop(): Promise<void> {
    for (let service = this.running.pop(); service; service = this.running.pop()) {
      this.log.info(`stopping ${service.name}`);
      try {
        await service.stop();
      } catch (e) {
        this.log.error(`stopping ${service.name}: ${(e as Error).message}`);
      }
    }
  }
}
