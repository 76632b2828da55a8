// Ingests one NATS message. A malformed line stops the store's parser (the
// lines before it are kept); HTTP would answer 400, but a NATS publisher never
// hears back, so here the malformed line is logged and skipped and the rest of
// the message is ingested on its own: one bad line loses only itself.

import { LogLimiter } from './log-limiter.ts';
import { lineStart, quoteLine } from './lines.ts';
import type { Ingest, NatsLogger } from './types.ts';

export interface IngestTally {
  linesAccepted: number;
  linesRejected: number;
  badMessages: number;
  ingestFailures: number;
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
    private readonly ingest: Ingest,
    private readonly tally: IngestTally,
    private readonly log: NatsLogger,
  ) {}

  async handle(subject: string, clusterTag: string, body: Uint8Array): Promise<void> {
    let rest = body;
    let linesBefore = 0; // lines of `body` before `rest`
    const badLines: string[] = [];
    let badLineCount = 0;
    let unreadBytes = 0;
    try {
      for (;;) {
        const result = await this.ingest(rest, clusterTag);
        this.tally.linesAccepted += result.accepted;
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
    } catch (err) {
      this.tally.ingestFailures++;
      this.failureLog.log(
        (m) => this.log.error(m),
        `NATS: storing a message from subject "${subject}" failed: ${describe(err)}`,
      );
    }
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
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
