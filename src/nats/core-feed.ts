// A core NATS subscription: every message on the subject while connected,
// queued in arrival order for the store (src/nats/ordered-queue.ts). Core NATS
// keeps nothing, so a queue past its byte bound drops messages (counted and
// logged), and what is published while the store is away is gone.

import type { Msg, NatsConnection } from '@nats-io/nats-core';
import type { NatsSubscription } from '../config/types.ts';
import { LogLimiter } from '../log-limiter.ts';
import { type Feed, feedCounters } from './feed.ts';
import type { MessageIngest, NatsMessage, SubscriberTally } from './message-ingest.ts';
import { OrderedQueue } from './ordered-queue.ts';
import type { NatsLogger, NatsSubscriptionCounters } from './types.ts';

export class CoreFeed implements Feed {
  private messages = 0;
  private readonly queue: OrderedQueue<NatsMessage>;
  private readonly dropLog = new LogLimiter(5, 10_000);

  constructor(
    readonly subscription: NatsSubscription,
    maxQueuedBytes: number,
    maxBatchBytes: number,
    messageIngest: MessageIngest,
    private readonly tally: SubscriberTally,
    private readonly log: NatsLogger,
    /** The subscriber's lastError, for the debug output. */
    private readonly noteError: (message: string) => void = () => {},
  ) {
    this.queue = new OrderedQueue<NatsMessage>(
      maxQueuedBytes,
      (m) => m.data.byteLength,
      async (batch) => {
        await messageIngest.handle(batch, subscription.clusterTag);
      },
      (err) => log.error(`NATS: unexpected failure ingesting from "${subscription.subscribeTo}": ${describeError(err)}`),
      maxBatchBytes,
    );
  }

  attach(connection: NatsConnection): void {
    const subject = this.subscription.subscribeTo;
    connection.subscribe(subject, {
      callback: (err, msg) => {
        if (err) {
          const message = `subscription to "${subject}": ${describeError(err)}`;
          this.noteError(message);
          this.log.error(`NATS: ${message}`);
          return;
        }
        this.receive(msg);
      },
    });
  }

  description(): string {
    return `"${this.subscription.subscribeTo}" (cluster-tag "${this.subscription.clusterTag}")`;
  }

  beforeDrain(): Promise<void> {
    return Promise.resolve();
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  get queuedMessages(): number {
    return this.queue.length;
  }

  counters(): NatsSubscriptionCounters {
    return feedCounters(this.subscription, this.messages, this.queue, null);
  }

  private receive(msg: Msg): void {
    this.tally.messages++;
    this.messages++;
    const data = msg.data;
    if (this.queue.push({ subject: msg.subject, data })) return;
    this.tally.messagesDropped++;
    this.dropLog.log(
      (m) => this.log.warn(m),
      `NATS: dropped a message of ${data.byteLength} bytes from "${msg.subject}" (cluster-tag ` +
        `"${this.subscription.clusterTag}"): ${this.queue.length} messages (${this.queue.bytes} bytes) ` +
        `are still waiting for the store`,
    );
  }
}

export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error && err.cause.message !== err.message ? ` (${err.cause.message})` : '';
  return `${err.message}${cause}`;
}
