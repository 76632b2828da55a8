// A stand-in for the store's write path: it parses just enough line protocol
// to behave like the real one (lines before a malformed line are kept, nothing
// after it is read), rejects the lines of metric `too_old` as the ingest window
// would, and records every line with its default cluster once the batch that
// holds it is committed (the WAL append).

import type { IngestResult } from '../../../src/engine/types.ts';
import type { IngestBatch, NatsLogger, OpenIngestBatch } from '../../../src/nats/types.ts';

export interface StoredLine {
  cluster: string;
  line: string;
}

/** `<metric>[,tags] value=<number> [<ts>]`; anything else is malformed. */
const LINE = /^[a-z_]+(,[^ ]+)? value=-?[0-9.]+ ?[0-9]*$/;

export interface FakeIngest {
  openBatch: OpenIngestBatch;
  /** Lines of committed batches, in order. */
  stored: StoredLine[];
  /** Bodies handed to the store. */
  calls: number;
  /** Batches committed (or tried to). */
  commits: number;
  /** Makes every later commit wait this long (a slow disk). */
  delayMs: number;
  /** Makes every later commit reject (a failing WAL). */
  failWith: Error | null;
  /** The next body handed to the store keeps the thread this long (a store busy for seconds: nothing reads the socket meanwhile). */
  stallOnceMs: number;
}

export function fakeIngest(): FakeIngest {
  const fake: FakeIngest = {
    stored: [],
    calls: 0,
    commits: 0,
    delayMs: 0,
    failWith: null,
    stallOnceMs: 0,
    openBatch: () => fakeBatch(fake),
  };
  return fake;
}

function fakeBatch(fake: FakeIngest): IngestBatch {
  const pending: StoredLine[] = [];
  return {
    ingest(body, defaultCluster) {
      fake.calls++;
      if (fake.stallOnceMs > 0) {
        const until = Date.now() + fake.stallOnceMs;
        fake.stallOnceMs = 0;
        while (Date.now() < until);
      }
      const result: IngestResult = { accepted: 0, skipped: 0, rejected: 0, reasons: {}, rejectedLines: [], error: null, wal: [] };
      const reject = (line: number, reason: 'malformed' | 'too-old') => {
        result.rejected++;
        result.reasons[reason] = (result.reasons[reason] ?? 0) + 1;
        if (result.rejectedLines.length < 10) result.rejectedLines.push({ line, reason });
      };
      const lines = new TextDecoder().decode(body).split('\n');
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i]!.replace(/\r$/, '');
        if (line === '' || line.startsWith('#')) continue;
        if (!LINE.test(line)) {
          result.error = { line: i + 1, message: 'invalid field format' };
          reject(i + 1, 'malformed');
          break;
        }
        if (line.startsWith('too_old')) {
          reject(i + 1, 'too-old');
          continue;
        }
        if (line.startsWith('unknown_metric')) {
          result.skipped++;
          continue;
        }
        pending.push({ cluster: defaultCluster, line });
        result.accepted++;
      }
      return result;
    },
    async commit() {
      fake.commits++;
      const lines = pending.splice(0);
      if (fake.delayMs > 0) await new Promise((r) => setTimeout(r, fake.delayMs));
      if (fake.failWith) throw fake.failWith;
      fake.stored.push(...lines);
    },
  };
}

export interface RecordedLog extends NatsLogger {
  lines: Array<{ level: 'debug' | 'info' | 'warn' | 'error'; message: string }>;
  text(): string;
}

export function recordingLogger(): RecordedLog {
  const lines: RecordedLog['lines'] = [];
  const at = (level: RecordedLog['lines'][number]['level']) => (message: string) => {
    lines.push({ level, message });
  };
  return {
    lines,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    text: () => lines.map((l) => `${l.level}: ${l.message}`).join('\n'),
  };
}

/** Polls `check` until it returns true; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Things a test opened, closed after it even when it fails (so the next test is not hindered). */
export class Cleanup {
  private tasks: Array<() => Promise<unknown>> = [];

  add<T extends { stop?: () => Promise<unknown>; close?: () => Promise<unknown> } | null>(thing: T): T {
    this.tasks.push(async () => {
      if (!thing) return;
      if (thing.stop) await thing.stop();
      else if (thing.close) await thing.close();
    });
    return thing;
  }

  async run(): Promise<void> {
    for (const task of this.tasks.splice(0).reverse()) await task().catch(() => {});
  }
}
