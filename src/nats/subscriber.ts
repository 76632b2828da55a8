// Keeps one NATS connection with every configured subscription alive for as
// long as the store runs: connects in the background (the store serves HTTP
// meanwhile), reconnects forever with backoff, logs every change of state, and
// on stop drains the subscriptions and ingests what they still delivered.
// With JetStream subscriptions, start-up waits for the first connection
// attempt: connected, a stream or consumer the operator must fix fails it.

import type { Authenticator, NatsConnection, Status } from '@nats-io/nats-core';
import { Backoff } from './backoff.ts';
import { openConnection } from './connect.ts';
import type { IngestLimits } from '../ingest-report.ts';
import { CoreFeed, describeError as describe } from './core-feed.ts';
import type { Feed } from './feed.ts';
import { JetStreamFeed } from './jetstream-feed.ts';
import { type JetStreamEntry, JetStreamSetupError, checkAtStart } from './jetstream-setup.ts';
import { MessageIngest, type SubscriberTally } from './message-ingest.ts';
import type { NatsSubscription } from '../config/types.ts';
import type { ConnectionSettings } from './settings.ts';
import type { NatsCounters, NatsIngest, NatsLogger, NatsTuning, OpenIngestBatch } from './types.ts';
import { Pause } from './pause.ts';
import { tlsHint } from './tls.ts';

const DEFAULT_TUNING: Required<NatsTuning> = {
  reconnectInitialMs: 250,
  reconnectMaxMs: 5_000,
  maxQueuedBytes: 64 * 1024 * 1024,
  pingIntervalMs: 20_000,
  connectTimeoutMs: 2_000,
  drainTimeoutMs: 10_000,
  stopTimeoutMs: 60_000,
  jetstreamRetryMs: 10_000,
  jetstreamNakDelayMs: 5_000,
  catchUpLogIntervalMs: 10_000,
};

const AUTH_HINT = ' (check nats.username / nats.password, nats.token or nats.creds-file-path)';

/** While NATS stays unreachable, a reminder at most this often. */
const STILL_DOWN_LOG_INTERVAL_MS = 60_000;

/**
 * Bytes of queued messages ingested in one go at most: enough to share the
 * WAL writes among many messages, little enough (some 40,000 lines) that
 * HTTP requests do not wait long behind it.
 */
const MAX_BATCH_BYTES = 4 * 1024 * 1024;

export class NatsSubscriber implements NatsIngest {
  private readonly tuning: Required<NatsTuning>;
  private readonly backoff: Backoff;
  private readonly feeds: Feed[];
  private readonly tally: SubscriberTally;
  private connection: NatsConnection | null = null;
  private connected = false;
  private everConnected = false;
  private lastError: string | null = null;
  private authorizationFailed = false;
  private stopping = false;
  private readonly pause = new Pause();
  private lastStillDownLog = 0;
  private loop: Promise<void> | null = null;
  private readonly jetstreamEntries: Array<{ entry: JetStreamEntry; key: string }> = [];
  /** Set while startUp() waits for the first connection attempt. */
  private startUpWait: ((failure: JetStreamSetupError | null) => void) | null = null;

  constructor(
    private readonly connectionSettings: ConnectionSettings,
    subscriptions: readonly NatsSubscription[],
    private readonly authenticators: Authenticator[],
    openBatch: OpenIngestBatch,
    private readonly log: NatsLogger,
    tuning: NatsTuning = {},
    limits: IngestLimits = {},
  ) {
    this.tuning = { ...DEFAULT_TUNING, ...tuning };
    this.backoff = new Backoff(this.tuning.reconnectInitialMs, this.tuning.reconnectMaxMs);
    this.tally = {
      messages: 0,
      messagesDropped: 0,
      reconnects: 0,
      linesAccepted: 0,
      linesRejected: 0,
      rejectedByReason: {},
      linesSkipped: 0,
      badMessages: 0,
      ingestFailures: 0,
    };
    const messageIngest = new MessageIngest(openBatch, this.tally, log, limits);
    this.feeds = subscriptions.map((s, i): Feed => {
      if (!s.jetstream) return new CoreFeed(s, this.tuning.maxQueuedBytes, MAX_BATCH_BYTES, messageIngest, this.tally, log, (m) => {
          this.lastError = m;
        });
      const key = `metric-store.nats-subscriptions[${i}]`;
      const entry = { ...s, jetstream: s.jetstream };
      this.jetstreamEntries.push({ entry, key });
      return new JetStreamFeed(entry, messageIngest, this.tally, log, {
        key,
        maxBatchBytes: MAX_BATCH_BYTES,
        retryMs: this.tuning.jetstreamRetryMs,
        nakDelayMs: this.tuning.jetstreamNakDelayMs,
        progressIntervalMs: this.tuning.catchUpLogIntervalMs,
      });
    });
  }

  start(): void {
    this.loop ??= this.connectLoop();
  }

  /**
   * start(), and with JetStream subscriptions, waits for the first connection
   * attempt. Connected, every stream and consumer is set up once, and one the
   * operator must fix (a missing stream without create-stream, a consumer that
   * cannot serve the entry) stops NATS and rejects with what to do. NATS not
   * reachable: resolves, and connecting goes on in the background (a stream
   * found missing later is logged and tried again, as while running).
   */
  async startUp(): Promise<void> {
    if (this.jetstreamEntries.length === 0 || this.loop) {
      this.start();
      return;
    }
    const failure = new Promise<JetStreamSetupError | null>((resolve) => (this.startUpWait = resolve));
    this.start();
    const error = await failure;
    if (!error) return;
    await this.stop();
    throw error;
  }

  private settleStartUp(failure: JetStreamSetupError | null): void {
    const resolve = this.startUpWait;
    this.startUpWait = null;
    resolve?.(failure);
  }

  counters(): NatsCounters {
    return {
      connected: this.connected,
      server: this.connected && this.connection ? this.connection.getServer() : null,
      messages: this.tally.messages,
      linesAccepted: this.tally.linesAccepted,
      linesRejected: this.tally.linesRejected,
      rejectedByReason: { ...this.tally.rejectedByReason },
      linesSkipped: this.tally.linesSkipped,
      badMessages: this.tally.badMessages,
      messagesDropped: this.tally.messagesDropped,
      ingestFailures: this.tally.ingestFailures,
      reconnects: this.tally.reconnects,
      lastError: this.lastError,
      authorizationFailed: this.authorizationFailed,
      subscriptions: this.feeds.map((f) => f.counters()),
    };
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.pause.wake();
    // JetStream consumers stop pulling and acknowledge what they hold while the connection is still up.
    const acknowledged = await withTimeout(
      Promise.all(this.feeds.map((f) => f.beforeDrain())).then(() => {}),
      this.tuning.stopTimeoutMs,
    );
    if (!acknowledged) this.log.error('NATS: stopped consuming with JetStream messages not yet stored: they are delivered again at the next start');
    const connection = this.connection;
    if (connection && !connection.isClosed()) {
      if (this.connected) {
        // Drain: the server stops sending, every message already sent is delivered, then the connection closes.
        const drained = await withTimeout(connection.drain(), this.tuning.drainTimeoutMs).catch((err: unknown) => {
          this.log.warn(`NATS: draining the subscriptions failed: ${describe(err)}`);
          return false;
        });
        if (!drained) await connection.close().catch(() => {});
      } else {
        await connection.close().catch(() => {});
      }
    }
    this.connected = false;
    const ingested = await withTimeout(
      Promise.all(this.feeds.map((f) => f.idle())).then(() => {}),
      this.tuning.stopTimeoutMs,
    );
    if (!ingested) {
      const waiting = this.feeds.reduce((n, f) => n + f.queuedMessages, 0);
      this.log.error(`NATS: stopped with ${waiting} received messages not yet stored: the store did not take them in time`);
    }
    const t = this.tally;
    this.log.info(
      `NATS: stopped after ${t.messages} messages (${t.linesAccepted} lines stored, ${t.linesRejected} rejected, ${t.linesSkipped} skipped, ` +
        `${t.messagesDropped} messages dropped)`,
    );
  }

  private async connectLoop(): Promise<void> {
    const where = this.connectionSettings.servers.join(', ');
    this.log.info(`NATS: connecting to ${where}`);
    while (!this.stopping) {
      let connection: NatsConnection;
      try {
        connection = await openConnection({
          settings: this.connectionSettings,
          authenticators: this.authenticators,
          reconnectDelay: () => this.backoff.delay(),
          pingIntervalMs: this.tuning.pingIntervalMs,
          connectTimeoutMs: this.tuning.connectTimeoutMs,
          name: 'cc-metric-store-ts',
        });
      } catch (err) {
        if (this.stopping) break;
        this.connectFailed(err, where);
        if (this.startUpWait) {
          this.log.info('NATS: not reachable at start-up; the JetStream streams are looked for once connected');
          this.settleStartUp(null);
        }
        await this.sleep(this.backoff.delay());
        continue;
      }
      if (this.stopping) {
        await connection.close().catch(() => {});
        break;
      }
      this.connection = connection;
      this.backoff.succeeded();
      if (this.startUpWait) {
        const failure = await checkAtStart(connection, this.jetstreamEntries, this.log);
        this.settleStartUp(failure);
        // startUp() stops NATS, closing this connection.
        if (failure || this.stopping) break;
      }
      this.watchStatus(connection).catch((err: unknown) => this.log.debug(`NATS: status updates ended: ${describe(err)}`));
      this.subscribeAll(connection);
      try {
        await connection.flush();
        this.markConnected(this.everConnected);
        this.log.info(
          `NATS: connected to ${connection.getServer()}; subscribed to ` + this.feeds.map((f) => f.description()).join(', '),
        );
      } catch (err) {
        // Lost again before the subscriptions were confirmed; the client reconnects and resends them.
        this.log.debug(`NATS: flush after subscribing failed: ${describe(err)}`);
      }
      const closedWith = await connection.closed();
      this.connection = null;
      this.connected = false;
      if (this.stopping) break;
      // The client gave up on this connection (e.g. the server rejected the credentials twice): start afresh.
      this.connectFailed(closedWith ?? new Error('connection closed'), where);
      await this.sleep(this.backoff.delay());
    }
  }

  private subscribeAll(connection: NatsConnection): void {
    for (const feed of this.feeds) feed.attach(connection);
  }

  private async watchStatus(connection: NatsConnection): Promise<void> {
    for await (const status of connection.status()) {
      if (this.stopping) continue;
      this.onStatus(status);
    }
  }

  private onStatus(status: Status): void {
    switch (status.type) {
      // Over WebSocket the client announces disconnect (and later reconnect) again for every
      // failed attempt; only the change of state counts.
      case 'disconnect':
        if (!this.connected) break;
        this.connected = false;
        this.log.warn(`NATS: disconnected from ${status.server}; reconnecting`);
        break;
      case 'reconnecting':
        // Announced before every attempt; the attempts after the first wait longer and longer.
        if (this.backoff.failureCount > 0) this.stillDown(`attempt ${this.backoff.failureCount + 1}`);
        this.backoff.failed();
        break;
      case 'reconnect':
        if (this.connected) break;
        this.backoff.succeeded();
        this.markConnected(true);
        this.log.info(`NATS: reconnected to ${status.server}`);
        break;
      case 'error':
        this.noteError(status.error);
        this.log.error(
          this.authorizationFailed
            ? `NATS: ${this.lastError}${AUTH_HINT}`
            : `NATS: server reported an error: ${this.lastError}`,
        );
        break;
      case 'staleConnection':
        this.log.warn('NATS: the server stopped answering pings; reconnecting');
        break;
      case 'ldm':
        this.log.info(`NATS: ${status.server} is going down (lame duck mode); moving to another server`);
        break;
      default:
        break;
    }
  }

  private markConnected(isReconnect: boolean): void {
    if (isReconnect) this.tally.reconnects++;
    this.connected = true;
    this.everConnected = true;
    this.lastError = null;
    this.authorizationFailed = false;
    this.lastStillDownLog = 0;
  }

  private connectFailed(err: unknown, where: string): void {
    const previous = this.lastError;
    this.noteError(err);
    this.backoff.failed();
    const retry = `; retrying in ${(this.backoff.delay() / 1000).toFixed(1)} s`;
    if (this.lastError !== previous) {
      // An untrusted certificate, like rejected credentials, is the operator's to fix: an error saying which key.
      const tls = this.authorizationFailed ? { hint: '', operator: false } : tlsHint(this.lastError ?? '', this.connectionSettings);
      const hint = this.authorizationFailed ? AUTH_HINT : tls.hint;
      const message = `NATS: cannot connect to ${where}: ${this.lastError}${hint}${retry}`;
      if (this.authorizationFailed || tls.operator) this.log.error(message);
      else this.log.warn(message);
      this.lastStillDownLog = Date.now();
    } else {
      this.stillDown(`attempt ${this.backoff.failureCount}`);
      this.log.debug(`NATS: connecting to ${where} failed again: ${this.lastError}${retry}`);
    }
  }

  private stillDown(detail: string): void {
    const now = Date.now();
    if (now - this.lastStillDownLog < STILL_DOWN_LOG_INTERVAL_MS) return;
    if (this.lastStillDownLog !== 0) {
      this.log.warn(`NATS: still not connected (${detail}${this.lastError ? `; ${this.lastError}` : ''})`);
    }
    this.lastStillDownLog = now;
  }

  private noteError(err: unknown): void {
    this.authorizationFailed = isAuthorizationError(err);
    this.lastError = this.authorizationFailed ? `authorization failed: ${describe(err)}` : describe(err);
  }

  /** Waits between connection attempts; stop() cuts it short. */
  private sleep(ms: number): Promise<void> {
    return this.pause.wait(ms);
  }

}

function isAuthorizationError(err: unknown): boolean {
  const name = err instanceof Error ? err.name : '';
  return name === 'AuthorizationError' || name === 'UserAuthenticationExpiredError';
}

async function withTimeout(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
