// The face of NATS ingestion towards the service: what it is given (the
// validated config, the write path, a logger) and what it hands back (stop,
// counters).

import type { NatsConfig, NatsSubscription } from '../config/types.ts';
import type { IngestResult, RejectReason } from '../engine/types.ts';
import type { IngestLimits } from '../ingest-report.ts';

/**
 * The write path of POST /api/write, for several messages in a row: `ingest`
 * stores one body of line protocol at once (throws only when the store cannot
 * take it); `commit`, called in the same event-loop turn, appends the WAL
 * records of every body of the batch together and rejects only on I/O failure.
 */
export interface IngestBatch {
  ingest(body: Uint8Array, defaultCluster: string): IngestResult;
  commit(): Promise<void>;
}

export type OpenIngestBatch = () => IngestBatch;

/** The levels NATS ingestion logs at; any logger with these four methods fits. */
export interface NatsLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Knobs that are not in config.json: sensible defaults, smaller values in tests. */
export interface NatsTuning {
  /** First wait between connection attempts, in ms (doubled per failure). Default 250. */
  reconnectInitialMs?: number;
  /** Longest wait between connection attempts, in ms. Default 5000. */
  reconnectMaxMs?: number;
  /** Bytes a subscription may hold waiting for ingest before it drops messages. Default 64 MiB. */
  maxQueuedBytes?: number;
  /** Client ping interval in ms; a dead connection is noticed after about 3 of them. Default 20000. */
  pingIntervalMs?: number;
  /**
   * How long one connection attempt may take up to the server's first PONG, in ms. Default 2000,
   * nats.go's (the reference's client). Without it, a server that dies in the middle of the
   * handshake holds the attempt for the client library's 20 s.
   */
  connectTimeoutMs?: number;
  /** How long stop() lets the server drain subscriptions, in ms. Default 10000. */
  drainTimeoutMs?: number;
  /** How long stop() then waits for the store to take what was received, in ms. Default 60000. */
  stopTimeoutMs?: number;
  /** JetStream: wait before trying again to find or create a stream or consumer, in ms. Default 10000. */
  jetstreamRetryMs?: number;
  /** JetStream: a message the store or the WAL failed is delivered again after this, in ms. Default 5000. */
  jetstreamNakDelayMs?: number;
  /** JetStream: a catch-up progress line this often while a consumer is behind, in ms. Default 10000. */
  catchUpLogIntervalMs?: number;
}

export interface NatsIngestOptions {
  /** `nats` as src/config validated it; null without a `nats` section. */
  nats: NatsConfig | null;
  /** `metric-store.nats-subscriptions` as src/config validated them. */
  subscriptions: readonly NatsSubscription[];
  openBatch: OpenIngestBatch;
  log: NatsLogger;
  tuning?: NatsTuning;
  /** The configured limits that the log lines about rejected lines name. */
  limits?: IngestLimits;
}

export interface NatsSubscriptionCounters {
  subject: string;
  clusterTag: string;
  messages: number;
  /** Messages received and not yet ingested. */
  queuedMessages: number;
  queuedBytes: number;
  /** (ours) For an entry with `stream`; null for core NATS. */
  jetstream: JetStreamCounters | null;
}

/** (ours) One JetStream subscription's durable consumer, as this store sees it. */
export interface JetStreamCounters {
  stream: string;
  consumer: string;
  /** True while consuming: stream and consumer found (or created) and messages pulled. */
  consuming: boolean;
  /** Messages in the stream not yet delivered to this consumer, as of the last delivery (at start: the consumer's info). */
  pending: number;
  /** Messages delivered and not yet acknowledged: waiting for or in the store (at most max-ack-pending). */
  unacknowledged: number;
  /** Messages acknowledged: stored and in the WAL, or poison (malformed lines, logged and counted). */
  acks: number;
  /** Messages handed back for a later delivery because the store or the WAL failed them. */
  naks: number;
  /** Messages delivered more than once (not acknowledged in time before, e.g. a crash between store and ack). */
  redeliveries: number;
  /** ISO time of the last acknowledgement, or null. */
  lastAckAt: string | null;
  /** True while behind the stream (after a restart, or slower than the publishers); progress is logged. */
  catchingUp: boolean;
  /** Why the consumer is not consuming (missing stream, wrong consumer, ...), or null. */
  lastError: string | null;
}

/** Counters for the debug and health output; all totals since start. */
export interface NatsCounters {
  /** True while connected and every subscription is registered with the server. */
  connected: boolean;
  /** The server currently connected to, e.g. `127.0.0.1:4222`, or null. */
  server: string | null;
  /** Messages received over all subscriptions. */
  messages: number;
  /** Samples stored (one per accepted line). */
  linesAccepted: number;
  /** Lines whose sample was not stored: malformed, unsafe name, outside the ingest window, no slot, store full, too many hosts. */
  linesRejected: number;
  /** linesRejected by reason. */
  rejectedByReason: Partial<Record<RejectReason, number>>;
  /** Lines of metrics that are not configured: skipped, not an error. */
  linesSkipped: number;
  /** Messages with at least one malformed line. */
  badMessages: number;
  /** Messages dropped unread because a subscription's queue was full. */
  messagesDropped: number;
  /** Messages whose ingest failed (store or WAL I/O; a WAL failure fails every message of its batch); their lines may be partly stored. */
  ingestFailures: number;
  /** Successful reconnections after a lost connection. */
  reconnects: number;
  /** The last connection problem, or null once connected again. */
  lastError: string | null;
  /** True while the server rejects our credentials. */
  authorizationFailed: boolean;
  subscriptions: NatsSubscriptionCounters[];
}

export interface NatsIngest {
  /** Drains the subscriptions, ingests what was received, closes the connection. */
  stop(): Promise<void>;
  counters(): NatsCounters;
}
