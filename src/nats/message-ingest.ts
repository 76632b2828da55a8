// Ingests the NATS messages of one subscription that queued up, back to back:
// each is stored as it comes, and the WAL records of all of them are appended
// together at the end (one write per host instead of one per host and message).
//
// A malformed line stops the store's parser (the lines before it are kept);
// HTTP would answer 400, but a NATS publisher never hears back, so here the
// malformed line is logged and skipped and the rest of the message is ingested
// on its own: one bad line loses only itself. Lines the store rejects (names,
// ingest window, no slot, full store, too many hosts) are counted by reason
// and logged, rate-limited, as /api/write would answer them.

import type { IngestResult, RejectReason } from '../engine/types.ts';
import { type IngestLimits, reasonText } from '../ingest-report.ts';
import { LogLimiter } from '../log-limiter.ts';
import { lineStart, quoteLine } from './lines.ts';
import type { IngestBatch, NatsLogger, OpenIngestBatch } from './types.ts';

export interface IngestTally {
  linesAccepted: number;
  /** Lines whose sample was not stored, malformed ones included: the sum of rejectedByReason. */
  linesRejected: number;
  rejectedByReason: Partial<Record<RejectReason, number>>;
  /** Lines of metrics that are not configured. */
  linesSkipped: number;
  badMessages: number;
  ingestFailures: number;
}

/** The subscriber's totals: the ingest's, and what arrived and what became of the connection. */
export interface SubscriberTally extends IngestTally {
  messages: number;
  messagesDropped: number;
  reconnects: number;
}

/** Rejections of one message other than malformed lines, for its log line. */
interface MessageRejections {
  count: number;
  reasons: Partial<Record<RejectReason, number>>;
  first: { line: number; reason: RejectReason } | null;
}

/**
 * `done[i]`: message i is stored and its WAL records are written (malformed or
 * rejected lines included: they are logged and counted, never tried again).
 * False: the store could not take it or its WAL write failed.
 */
export interface BatchOutcome {
  done: boolean[];
  linesAccepted: number;
}

export interface NatsMessage {
  subject: string;
  data: Uint8Array;
}

/** Malformed lines logged per message at most; the rest are summed up in one line. */
const MAX_LOGGED_LINES_PER_MESSAGE = 3;

/**
 * Each skip hands the rest of the message to the store again; past this many
 * malformed lines the message is garbage and its rest is left unread (and logged).
 */
const MAX_MALFORMED_LINES_PER_MESSAGE = 100;

export class MessageIngest {
  private readonly badLineLog = new LogLimiter(20, 10_000);
  private readonly rejectionLog = new LogLimiter(20, 10_000);
  private readonly failureLog = new LogLimiter(5, 10_000);

  constructor(
    private readonly openBatch: OpenIngestBatch,
    private readonly tally: IngestTally,
    private readonly log: NatsLogger,
    private readonly limits: IngestLimits = {},
  ) {}

  /**
   * Stores `messages` in order, with `clusterTag` as their default cluster;
   * resolves once their WAL records are written, with which of them are done
   * (JetStream acknowledges those and has the others delivered again).
   */
  async handle(messages: readonly NatsMessage[], clusterTag: string): Promise<BatchOutcome> {
    const batch = this.openBatch();
    const done = messages.map(() => false);
    let accepted = 0;
    let stored = 0;
    messages.forEach((m, i) => {
      try {
        accepted += this.store(batch, m, clusterTag);
        done[i] = true;
        stored++;
      } catch (err) {
        this.failed(1, m.subject, err);
      }
    });
    if (stored === 0) return { done, linesAccepted: 0 };
    try {
      await batch.commit();
      this.tally.linesAccepted += accepted;
      return { done, linesAccepted: accepted };
    } catch (err) {
      this.failed(stored, messages[0]!.subject, err);
      return { done: messages.map(() => false), linesAccepted: 0 };
    }
  }

  /** Stores one message, skipping malformed lines; returns the lines accepted. */
  private store(batch: IngestBatch, message: NatsMessage, clusterTag: string): number {
    const { subject, data: body } = message;
    let accepted = 0;
    let rest = body;
    let linesBefore = 0; // lines of `body` before `rest`
    const badLines: string[] = [];
    let badLineCount = 0;
    let unreadBytes = 0;
    const rejections: MessageRejections = { count: 0, reasons: {}, first: null };
    try {
      for (;;) {
        const result = batch.ingest(rest, clusterTag);
        accepted += result.accepted;
        this.count(result, linesBefore, rejections);
        const error = result.error;
        if (!error) break;
        badLineCount++;
        if (badLines.length < MAX_LOGGED_LINES_PER_MESSAGE) {
          badLines.push(`line ${linesBefore + error.line}: ${error.message} [${quoteLine(rest, error.line)}]`);
        }
        const next = lineStart(rest, error.line + 1);
        if (next < 0) break;
        if (badLineCount >= MAX_MALFORMED_LINES_PER_MESSAGE) {
          unreadBytes = rest.length - next;
          break;
        }
        rest = rest.subarray(next);
        linesBefore += error.line;
      }
    } finally {
      if (rejections.first) this.logRejections(subject, clusterTag, rejections);
      if (badLineCount > 0) {
        this.tally.badMessages++;
        let more = badLineCount > badLines.length ? `; ${badLineCount - badLines.length} more malformed lines` : '';
        if (unreadBytes > 0) more += `; gave up on the last ${unreadBytes} bytes of the message`;
        this.badLineLog.log(
          (m) => this.log.warn(m),
          `NATS: malformed line protocol in a message on subject "${subject}" (cluster-tag "${clusterTag}"), ` +
            `skipped: ${badLines.join('; ')}${more}`,
        );
      }
    }
    return accepted;
  }

  private count(result: IngestResult, linesBefore: number, rejections: MessageRejections): void {
    const t = this.tally;
    t.linesSkipped += result.skipped;
    t.linesRejected += result.rejected;
    for (const [reason, n] of Object.entries(result.reasons) as Array<[RejectReason, number]>) {
      t.rejectedByReason[reason] = (t.rejectedByReason[reason] ?? 0) + n;
      // Malformed lines have a log line of their own.
      if (reason === 'malformed') continue;
      rejections.count += n;
      rejections.reasons[reason] = (rejections.reasons[reason] ?? 0) + n;
    }
    const first = result.rejectedLines.find((l) => l.reason !== 'malformed');
    if (first && !rejections.first) rejections.first = { line: linesBefore + first.line, reason: first.reason };
  }

  private logRejections(subject: string, clusterTag: string, r: MessageRejections): void {
    const byReason = Object.entries(r.reasons).map(([reason, n]) => `${reason} ${n}`).join(', ');
    const first = r.first!;
    this.rejectionLog.log(
      (m) => this.log.warn(m),
      `NATS: ${r.count} line${r.count === 1 ? '' : 's'} of a message on subject "${subject}" (cluster-tag "${clusterTag}") ` +
        `rejected (${byReason}); the first, line ${first.line}: ${reasonText(first.reason, this.limits)}`,
    );
  }

  private failed(messages: number, subject: string, err: unknown): void {
    this.tally.ingestFailures += messages;
    const what = messages === 1 ? `a message from subject "${subject}"` : `${messages} messages (the first from subject "${subject}")`;
    this.failureLog.log((m) => this.log.error(m), `NATS: storing ${what} failed: ${describe(err)}`);
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
