// Ingests the NATS messages of one subscription that queued up, back to back:
// each is stored as it comes, and the WAL records of all of them are appended
// together at the end (one write per host instead of one per host and message).
//
// A malformed line stops the store's parser (the lines before it are kept);
// HTTP would answer 400, but a NATS publisher never hears back, so here the
// malformed line is logged and skipped and the rest of the message is ingested
// on its own: one bad line loses only itself.

import { LogLimiter } from './log-limiter.ts';
import { lineStart, quoteLine } from './lines.ts';
import type { IngestBatch, NatsLogger, OpenIngestBatch } from './types.ts';

export interface IngestTally {
  linesAccepted: number;
  linesRejected: number;
  badMessages: number;
  ingestFailures: number;
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
  private readonly failureLog = new LogLimiter(5, 10_000);

  constructor(
    private readonly openBatch: OpenIngestBatch,
    private readonly tally: IngestTally,
    private readonly log: NatsLogger,
  ) {}

  /** Stores `messages` in order, with `clusterTag` as their default cluster; resolves once their WAL records are written. */
  async handle(messages: readonly NatsMessage[], clusterTag: string): Promise<void> {
    const batch = this.openBatch();
    let accepted = 0;
    let stored = 0;
    for (const m of messages) {
      try {
        accepted += this.store(batch, m, clusterTag);
        stored++;
      } catch (err) {
        this.failed(1, m.subject, err);
      }
    }
    if (stored === 0) return;
    try {
      await batch.commit();
      this.tally.linesAccepted += accepted;
    } catch (err) {
      this.failed(stored, messages[0]!.subject, err);
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
    try {
      for (;;) {
        const result = batch.ingest(rest, clusterTag);
        accepted += result.accepted;
        this.tally.linesRejected += result.skipped + result.dropped;
        const error = result.error;
        if (!error) break;
        this.tally.linesRejected++;
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

  private failed(messages: number, subject: string, err: unknown): void {
    this.tally.ingestFailures += messages;
    const what = messages === 1 ? `a message from subject "${subject}"` : `${messages} messages (the first from subject "${subject}")`;
    this.failureLog.log((m) => this.log.error(m), `NATS: storing ${what} failed: ${describe(err)}`);
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
