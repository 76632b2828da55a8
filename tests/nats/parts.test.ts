// The small parts of NATS ingestion, without a server.

import { createInbox } from '@nats-io/nats-core';
import { describe, expect, it } from 'vitest';
import { Backoff } from '../../src/nats/backoff.ts';
import { lineStart, quoteLine } from '../../src/nats/lines.ts';
import { LogLimiter } from '../../src/log-limiter.ts';
import { MessageIngest, type IngestTally } from '../../src/nats/message-ingest.ts';
import { OrderedQueue } from '../../src/nats/ordered-queue.ts';
import type { OpenIngestBatch } from '../../src/nats/types.ts';
import { fakeIngest, recordingLogger } from './helpers/fake-ingest.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('Backoff', () => {
  it('doubles the wait per failure up to the cap, drawn between half and all of it', () => {
    const draws = [0, 0.999, 0.5];
    let i = 0;
    const backoff = new Backoff(100, 1000, () => draws[i++ % draws.length]!);
    expect(backoff.delay()).toBe(100);
    const waits: number[] = [];
    for (let n = 0; n < 6; n++) {
      backoff.failed();
      waits.push(backoff.delay());
      expect(backoff.delay()).toBe(waits.at(-1)); // stable until the next failure
    }
    // ceilings 100, 200, 400, 800, 1000, 1000 with draws 0, 0.999, 0.5, 0, 0.999, 0.5
    expect(waits).toEqual([50, 200, 300, 400, 1000, 750]);
    expect(backoff.failureCount).toBe(6);
    backoff.succeeded();
    expect([backoff.delay(), backoff.failureCount]).toEqual([100, 0]);
  });
});

describe('OrderedQueue', () => {
  it('works items off one batch at a time, in order; what queued up meanwhile is the next batch', async () => {
    const batches: number[][] = [];
    let running = 0;
    const queue = new OrderedQueue<number>(
      1000,
      () => 1,
      async (batch) => {
        running++;
        expect(running).toBe(1);
        await new Promise((r) => setTimeout(r, 5));
        batches.push(batch);
        running--;
      },
      () => {},
    );
    // Work starts in the next check phase: what is pushed before it goes together.
    for (let n = 0; n < 5; n++) expect(queue.push(n)).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect([queue.length, queue.bytes]).toEqual([5, 5]); // in work
    for (let n = 5; n < 20; n++) expect(queue.push(n)).toBe(true);
    await queue.idle();
    expect(batches).toEqual([[0, 1, 2, 3, 4], Array.from({ length: 15 }, (_, n) => n + 5)]);
    expect([queue.length, queue.bytes]).toEqual([0, 0]);
  });

  it('hands over at most maxBatchBytes at once, and a larger item alone', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const queue = new OrderedQueue<number>(
      1000,
      (n) => n,
      async (batch) => {
        batches.push(batch);
        await gate;
      },
      () => {},
      10,
    );
    for (const n of [1, 4, 4, 4, 30, 2]) queue.push(n);
    release();
    await queue.idle();
    expect(batches).toEqual([[1, 4, 4], [4], [30], [2]]);
  });

  it('refuses what exceeds its byte bound, but always takes an item into an empty queue', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const queue = new OrderedQueue<Uint8Array>(10, (b) => b.byteLength, () => gate, () => {});
    expect(queue.push(new Uint8Array(50))).toBe(true); // larger than the bound, but the queue is empty
    await new Promise((resolve) => setImmediate(resolve));
    expect(queue.push(new Uint8Array(4))).toBe(false); // 50 in work + 4 > 10
    expect([queue.length, queue.bytes]).toEqual([1, 50]);
    release();
    await queue.idle();
    expect(queue.push(new Uint8Array(4))).toBe(true);
    expect(queue.push(new Uint8Array(6))).toBe(true);
    expect(queue.push(new Uint8Array(1))).toBe(false); // 4 + 6 + 1 > 10
    await queue.idle();
  });

  it('passes a failure to onError and carries on', async () => {
    const errors: unknown[] = [];
    const done: number[] = [];
    const queue = new OrderedQueue<number>(
      100,
      () => 1,
      async ([n]) => {
        if (n === 1) throw new Error('boom');
        done.push(n!);
      },
      (e) => errors.push(e),
      1,
    );
    [0, 1, 2].forEach((n) => queue.push(n));
    await queue.idle();
    expect(done).toEqual([0, 2]);
    expect(String(errors[0])).toBe('Error: boom');
  });
});

describe('lines', () => {
  const body = bytes('first\r\nsecond\n\nfourth');
  it('finds where a line starts', () => {
    expect([1, 2, 3, 4, 5].map((n) => lineStart(body, n))).toEqual([0, 7, 14, 15, -1]);
    expect(lineStart(bytes('only\n'), 2)).toBe(-1);
  });
  it('quotes a line without its line end, cut to length', () => {
    expect(quoteLine(body, 1)).toBe('first');
    expect(quoteLine(body, 4)).toBe('fourth');
    expect(quoteLine(body, 2, 3)).toBe('sec...');
  });
});

describe('LogLimiter', () => {
  it('lets a few messages through per interval and reports how many it held back', () => {
    let now = 0;
    const limiter = new LogLimiter(2, 1000, () => now);
    const out: string[] = [];
    for (let i = 0; i < 5; i++) limiter.log((m) => out.push(m), `m${i}`);
    now = 1000;
    limiter.log((m) => out.push(m), 'later');
    expect(out).toEqual(['m0', 'm1', 'later (3 similar messages not logged before this one)']);
  });
});

describe('MessageIngest', () => {
  const tally = (): IngestTally => ({ linesAccepted: 0, linesRejected: 0, rejectedByReason: {}, linesSkipped: 0, badMessages: 0, ingestFailures: 0 });

  it('skips each malformed line, numbering lines within the whole message', async () => {
    const fake = fakeIngest();
    const log = recordingLogger();
    const t = tally();
    const body = ['a value=1', 'bad', 'b value=2', '', 'c value=x', 'unknown_metric value=1', 'd value=3', 'e value=4 5 6'].join('\n');
    await new MessageIngest(fake.openBatch, t, log).handle([{ subject: 'subj', data: bytes(body) }], 'fritz');
    expect(fake.stored.map((s) => s.line)).toEqual(['a value=1', 'b value=2', 'd value=3']);
    expect(t).toEqual({ linesAccepted: 3, linesRejected: 3, rejectedByReason: { malformed: 3 }, linesSkipped: 1, badMessages: 1, ingestFailures: 0 });
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]!.message).toBe(
      'NATS: malformed line protocol in a message on subject "subj" (cluster-tag "fritz"), skipped: ' +
        'line 2: invalid field format [bad]; line 5: invalid field format [c value=x]; ' +
        'line 8: invalid field format [e value=4 5 6]',
    );
  });

  it('counts rejected lines by reason and logs them, rate-limited, with the line in the whole message', async () => {
    const log = recordingLogger();
    const t = tally();
    const fake = fakeIngest();
    const body = ['a value=1', 'too_old value=1', 'bad', 'b value=2', 'too_old value=2'].join('\n');
    const ingest = new MessageIngest(fake.openBatch, t, log, { retentionInMemorySeconds: 48 * 3600 });
    await ingest.handle([{ subject: 'subj', data: bytes(body) }], 'fritz');
    expect(t).toMatchObject({ linesAccepted: 2, linesRejected: 3, rejectedByReason: { 'too-old': 2, malformed: 1 }, badMessages: 1 });
    expect(log.lines.map((l) => l.message)).toEqual([
      'NATS: 2 lines of a message on subject "subj" (cluster-tag "fritz") rejected (too-old 2); the first, line 2: ' +
        'sample older than the ingest window (now - metric-store.retention-in-memory 48h)',
      'NATS: malformed line protocol in a message on subject "subj" (cluster-tag "fritz"), skipped: line 3: invalid field format [bad]',
    ]);
    for (let i = 0; i < 40; i++) await ingest.handle([{ subject: 'subj', data: bytes('too_old value=1') }], 'fritz');
    expect(t.rejectedByReason['too-old']).toBe(42);
    expect(log.lines.filter((l) => l.message.includes('rejected (too-old'))).toHaveLength(20);
  });

  it('gives up on a message after 100 malformed lines, and says how much it left unread', async () => {
    const log = recordingLogger();
    const t = tally();
    const fake = fakeIngest();
    const body = 'x\n'.repeat(150) + 'a value=1\n';
    await new MessageIngest(fake.openBatch, t, log).handle([{ subject: 's', data: bytes(body) }], '');
    expect(fake.calls).toBe(100);
    expect(t).toMatchObject({ linesRejected: 100, linesAccepted: 0, badMessages: 1 });
    expect(log.lines[0]!.message).toMatch(/; 97 more malformed lines; gave up on the last 110 bytes of the message$/);
  });

  it('logs at most three malformed lines of one message and counts the rest', async () => {
    const log = recordingLogger();
    const t = tally();
    await new MessageIngest(fakeIngest().openBatch, t, log).handle([{ subject: 's', data: bytes('x\ny\nz\nw\nv\n') }], '');
    expect(t.linesRejected).toBe(5);
    expect(log.lines[0]!.message).toMatch(/line 3: invalid field format \[z\]; 2 more malformed lines$/);
  });

  it('stores the messages of a batch in order and commits them once', async () => {
    const fake = fakeIngest();
    const t = tally();
    const messages = ['a value=1\nb value=2', 'bad\nc value=3', 'd value=4'].map((m, i) => ({ subject: `s${i}`, data: bytes(m) }));
    await new MessageIngest(fake.openBatch, t, recordingLogger()).handle(messages, 'fritz');
    expect(fake.stored.map((s) => s.line)).toEqual(['a value=1', 'b value=2', 'c value=3', 'd value=4']);
    expect(fake.commits).toBe(1);
    expect(t).toEqual({ linesAccepted: 4, linesRejected: 1, rejectedByReason: { malformed: 1 }, linesSkipped: 0, badMessages: 1, ingestFailures: 0 });
  });

  it('counts every message of a batch whose commit (the WAL append) fails, and logs it once', async () => {
    const fake = fakeIngest();
    fake.failWith = new Error('ENOSPC: no space left on device, write');
    const log = recordingLogger();
    const t = tally();
    const messages = ['a value=1', 'b value=2', 'c value=3'].map((m) => ({ subject: 'metrics.x', data: bytes(m) }));
    await new MessageIngest(fake.openBatch, t, log).handle(messages, 'fritz');
    expect(t).toEqual({ linesAccepted: 0, linesRejected: 0, rejectedByReason: {}, linesSkipped: 0, badMessages: 0, ingestFailures: 3 });
    expect(log.text()).toBe('error: NATS: storing 3 messages (the first from subject "metrics.x") failed: ENOSPC: no space left on device, write');
  });

  it('goes on with the next message when the store refuses one, and commits the rest', async () => {
    const fake = fakeIngest();
    const log = recordingLogger();
    const t = tally();
    const refusing: OpenIngestBatch = () => {
      const inner = fake.openBatch();
      return {
        ingest: (body, cluster) => {
          if (new TextDecoder().decode(body).startsWith('huge')) throw new Error('shard 0 is out of memory');
          return inner.ingest(body, cluster);
        },
        commit: () => inner.commit(),
      };
    };
    const messages = ['a value=1', 'huge value=2', 'c value=3'].map((m) => ({ subject: 'm', data: bytes(m) }));
    await new MessageIngest(refusing, t, log).handle(messages, '');
    expect(fake.stored.map((s) => s.line)).toEqual(['a value=1', 'c value=3']);
    expect(t).toMatchObject({ linesAccepted: 2, ingestFailures: 1 });
    expect(log.text()).toBe('error: NATS: storing a message from subject "m" failed: shard 0 is out of memory');
  });
});

describe('@nats-io/nuid on this Node', () => {
  // It declares engines node >= 22 but needs only crypto.getRandomValues, which Node 20 has.
  it('makes distinct 22-character ids', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => createInbox('x').slice(2)));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[0-9A-Za-z]{22}$/);
  });
});
