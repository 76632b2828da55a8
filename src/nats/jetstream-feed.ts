// A JetStream subscription: a durable pull consumer on the entry's stream,
// filtered by its subject. Messages are pulled in bounded batches and the
// server delivers at most max-ack-pending of them unacknowledged, so a store
// slower than its publishers leaves the rest waiting in the stream, not in our
// memory: nothing is dropped. Each message is acknowledged only once it is
// stored and its WAL records are written (fsync'd with checkpoints.fsync);
// one the store or the WAL failed is handed back (nak) for a later delivery.
// A crash between store and ack delivers a message again, which writes the
// same values into the same slots. Malformed lines are logged and counted as
// for core NATS and their message is acknowledged: a poison message does not
// come back for ever.

import type { NatsConnection } from '@nats-io/nats-core';
import { jetstream, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { CatchUpProgress } from './catch-up.ts';
import { describeError } from './core-feed.ts';
import { type Feed, feedCounters } from './feed.ts';
import { ensureConsumer, type JetStreamEntry } from './jetstream-setup.ts';
import type { MessageIngest, NatsMessage, SubscriberTally } from './message-ingest.ts';
import { OrderedQueue } from './ordered-queue.ts';
import type { JetStreamCounters, NatsLogger, NatsSubscriptionCounters } from './types.ts';
import { Pause } from './pause.ts';

interface Delivered extends NatsMessage {
  msg: JsMsg;
}

export interface JetStreamFeedOptions {
  /** `metric-store.nats-subscriptions[i]`, for messages. */
  key: string;
  maxBatchBytes: number;
  retryMs: number;
  /** A failed message comes back after this, not at once: the WAL may need a moment (a full disk being cleared). */
  nakDelayMs: number;
  progressIntervalMs: number;
}

/**
 * Bytes the consumer has asked for and not yet received, at most (the client then pulls up
 * to 100 messages at a time). nats-server cuts a client off as a slow consumer once it holds
 * more than max_pending (64 MiB by default) for it: pulls of 1,000 messages of 96 kB did that
 * whenever the store was busy for a while, and what was lost with the connection came back
 * only after ack-wait (30 s) — bench/nats.bench.mjs's 1,000-line rows fell to 15-30 % of core NATS.
 */
const PULL_MAX_BYTES = 16 * 1024 * 1024;
/** Beyond the server's max_payload, for a message's subject, reply subject and headers. */
const PULL_HEADROOM_BYTES = 64 * 1024;
/** While a stream or consumer stays unusable, its error is logged again this often. */
const SETUP_REMINDER_MS = 60_000;

export class JetStreamFeed implements Feed {
  private readonly queue: OrderedQueue<Delivered>;
  private readonly progress: CatchUpProgress;
  private readonly label: string;
  private setupLogged = { error: '', at: 0 };
  private messages = 0;
  private c = { acks: 0, naks: 0, redeliveries: 0, lastAckAt: null as string | null, lastError: null as string | null };
  private consuming: ConsumerMessages | null = null;
  private connection: NatsConnection | null = null;
  private stopping = false;
  private readonly pause = new Pause();
  private ticker: ReturnType<typeof setInterval> | null = null;

  constructor(
    readonly subscription: JetStreamEntry,
    private readonly messageIngest: MessageIngest,
    private readonly tally: SubscriberTally,
    private readonly log: NatsLogger,
    private readonly options: JetStreamFeedOptions,
  ) {
    const { stream, durable, maxAckPending } = subscription.jetstream;
    this.label = `stream "${stream}" consumer "${durable}"`;
    this.progress = new CatchUpProgress(this.label, log, maxAckPending);
    // No byte bound: the server's max-ack-pending bounds what is delivered and not yet acknowledged.
    this.queue = new OrderedQueue<Delivered>(
      Infinity,
      (m) => m.data.byteLength,
      (batch) => this.work(batch),
      (err) => log.error(`NATS JetStream: ${this.label}: unexpected failure ingesting: ${describeError(err)}`),
      options.maxBatchBytes,
    );
  }

  attach(connection: NatsConnection): void {
    this.connection = connection;
    void this.consumeLoop(connection);
  }

  description(): string {
    const s = this.subscription;
    return `"${s.subscribeTo}" from ${this.label} (cluster-tag "${s.clusterTag}")`;
  }

  async beforeDrain(): Promise<void> {
    this.stopping = true;
    this.pause.wake();
    this.stopTicker();
    const consuming = this.consuming;
    this.consuming = null;
    if (consuming) await consuming.close().catch(() => {});
    // What was delivered is stored and acknowledged while the connection is still there.
    await this.queue.idle();
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  get queuedMessages(): number {
    return this.queue.length;
  }

  counters(): NatsSubscriptionCounters {
    const { stream, durable } = this.subscription.jetstream;
    const jetstream: JetStreamCounters = {
      stream,
      consumer: durable,
      consuming: this.consuming !== null,
      pending: this.progress.waiting,
      unacknowledged: this.queue.length,
      acks: this.c.acks,
      naks: this.c.naks,
      redeliveries: this.c.redeliveries,
      lastAckAt: this.c.lastAckAt,
      catchingUp: this.progress.catchingUp,
      lastError: this.c.lastError,
    };
    return feedCounters(this.subscription, this.messages, this.queue, jetstream);
  }

  /** Sets the consumer up and consumes until the connection closes or we stop; a setup failure is tried again. */
  private async consumeLoop(connection: NatsConnection): Promise<void> {
    while (this.isCurrent(connection)) {
      try {
        const info = await ensureConsumer(connection, this.subscription, this.options.key, this.log);
        if (!this.isCurrent(connection)) return;
        const consumer = jetstream(connection).consumers.getConsumerFromInfo(info);
        // A pull smaller than one message would stall: the server refuses to send it.
        const maxBytes = Math.max(PULL_MAX_BYTES, (connection.info?.max_payload ?? 0) + PULL_HEADROOM_BYTES);
        const consuming = await consumer.consume({ max_bytes: maxBytes, callback: (m) => this.receive(m) });
        this.consuming = consuming;
        this.c.lastError = null;
        this.setupLogged = { error: '', at: 0 };
        this.progress.started(info.num_pending + info.num_ack_pending, Date.now());
        this.startTicker();
        const lost = await this.watch(consuming);
        this.stopTicker();
        if (this.consuming === consuming) this.consuming = null;
        if (!lost) return;
      } catch (err) {
        if (!this.isCurrent(connection)) return;
        this.setupFailed(describeError(err));
      }
      await this.sleep(this.options.retryMs);
    }
  }

  /** Until consuming ends; true when the consumer or its stream went away on the server (set up again). */
  private async watch(consuming: ConsumerMessages): Promise<boolean> {
    for await (const n of consuming.status()) {
      switch (n.type) {
        case 'consumer_deleted':
        case 'consumer_not_found':
        case 'stream_not_found':
          this.c.lastError = `the server reports ${n.type.replace(/_/g, ' ')}`;
          this.log.error(`NATS JetStream: ${this.label}: ${this.c.lastError}; setting it up again`);
          consuming.stop();
          return true;
        case 'exceeded_limits':
          // A pull bounded in bytes ends so when its next message does not fit; the client pulls again.
          if (n.description.toLowerCase().includes('message size exceeds maxbytes')) break;
          this.log.warn(`NATS JetStream: ${this.label}: pull refused by the server: ${n.description}`);
          break;
        case 'heartbeats_missed':
          this.log.debug(`NATS JetStream: ${this.label}: ${n.count} heartbeats missed; pulling again`);
          break;
        default:
          break;
      }
    }
    return false;
  }

  private receive(msg: JsMsg): void {
    this.tally.messages++;
    this.messages++;
    if (msg.redelivered) this.c.redeliveries++;
    this.progress.delivered(msg.info.pending, Date.now());
    this.queue.push({ subject: msg.subject, data: msg.data, msg });
  }

  /** Acknowledges what is stored and in the WAL; hands back the rest. */
  private async work(batch: Delivered[]): Promise<void> {
    const outcome = await this.messageIngest.handle(batch, this.subscription.clusterTag);
    let acked = 0;
    batch.forEach((m, i) => {
      try {
        if (outcome.done[i]) {
          m.msg.ack();
          acked++;
        } else {
          m.msg.nak(this.options.nakDelayMs);
          this.c.naks++;
        }
      } catch (err) {
        // The connection is gone: the server delivers the message again after ack-wait.
        this.log.debug(`NATS JetStream: ${this.label}: acknowledging failed: ${describeError(err)}`);
      }
    });
    if (acked > 0) {
      this.c.acks += acked;
      this.c.lastAckAt = new Date().toISOString();
    }
    // The batch leaves the queue after this returns.
    this.progress.acked(acked, outcome.linesAccepted, this.queue.length - batch.length, Date.now());
  }

  /** Logged when it changes, and a reminder every minute while it lasts. */
  private setupFailed(error: string): void {
    this.c.lastError = error;
    const now = Date.now();
    if (error === this.setupLogged.error && now - this.setupLogged.at < SETUP_REMINDER_MS) return;
    this.setupLogged = { error, at: now };
    this.log.error(`NATS JetStream: ${this.options.key}: ${error}; trying again every ${Math.ceil(this.options.retryMs / 1000)} s`);
  }

  private isCurrent(connection: NatsConnection): boolean {
    return !this.stopping && this.connection === connection && !connection.isClosed();
  }

  private startTicker(): void {
    this.stopTicker();
    this.ticker = setInterval(() => this.progress.tick(Date.now()), this.options.progressIntervalMs);
  }

  private stopTicker(): void {
    if (this.ticker !== null) clearInterval(this.ticker);
    this.ticker = null;
  }

  private sleep(ms: number): Promise<void> {
    return this.pause.wait(ms);
  }
}
