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
        await this.stop().catch((stopError: Error) => this.log.error(stopError.message));
        throw new Error(`starting ${service.name}: ${(e as Error).message}`, { cause: e });
      }
      this.running.push(service);
    }
  }

  /**
   * Stops every running service, newest first. A failing stop does not keep
   * the others from stopping; it is what this rejects with afterwards (all of
   * them), so that a shutdown that lost data does not pass for a clean one.
   */
  async stop(): Promise<void> {
    const failures: string[] = [];
    for (let service = this.running.pop(); service; service = this.running.pop()) {
      this.log.info(`stopping ${service.name}`);
      try {
        await service.stop();
      } catch (e) {
        failures.push(`stopping ${service.name}: ${(e as Error).message}`);
      }
    }
    if (failures.length > 0) throw new Error(failures.join('; '));
  }
}
