// Big calls (a bulk body's records, ASYNC_WRITE_MIN_BYTES and more) are copied
// into a kept buffer and written on the thread pool: the caller may overwrite
// its views at once, the call resolves only once its records are in the files,
// per host the file order stays the call order, and a failed write rejects
// exactly its own call.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeWal, encodeWalRecords, type WalSample } from '../../src/persist/format/wal.ts';
import type { PersistLogger } from '../../src/persist/log.ts';
import { ASYNC_WRITE_MIN_BYTES, WalAppender, WalWriteError } from '../../src/persist/wal-appender.ts';

let root: string;
const messages: string[] = [];
const log: PersistLogger = { debug: () => {}, info: () => {}, warn: (m) => messages.push(m), error: (m) => messages.push(m) };

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'ccms-wal-async-'));
  messages.length = 0;
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const appender = (fsync = false) => new WalAppender({ root, log, fsync, maxOpenFiles: 64, maxBytes: 0 });
const s = (ts: number, value: number): WalSample => ({ ts, metric: 'cpu_load', path: [], value });
const valuesOf = (host: string) => {
  const r = decodeWal(readFileSync(join(root, 'c', host, 'current.wal')));
  expect(r.stop).toBe('end');
  return Array.from(r.samples.value);
};

/** `hosts` hosts' records of `perHost` samples from `first` on, as views into one larger buffer (as engine memory is). */
function bigCall(hosts: number, perHost: number, first: number, prefix = 'h') {
  const records = Array.from({ length: hosts }, (_, h) => encodeWalRecords(Array.from({ length: perHost }, (_, i) => s(60 * (first + i), (first + i) * 8 + h))));
  let size = 1;
  for (const r of records) size += r.length;
  const memory = new Uint8Array(size);
  let at = 1;
  const batches = records.map((r, h) => {
    memory.set(r, at);
    const view = memory.subarray(at, at + r.length);
    at += r.length;
    return { cluster: 'c', host: `${prefix}${h}`, records: view, count: perHost };
  });
  return { batches, memory, bytes: size - 1 };
}

/** Samples per host that make a call of 8 hosts pass ASYNC_WRITE_MIN_BYTES. */
const PER_HOST = Math.ceil(ASYNC_WRITE_MIN_BYTES / 8 / encodeWalRecords([s(60, 1)]).length) + 1;
/** The values bigCall gives host h from `from` on (whole numbers: stored as float32). */
const range = (from: number, n: number, h: number) => Array.from({ length: n }, (_, i) => (from + i) * 8 + h);

describe('WAL appender: big calls written on the thread pool', () => {
  it('copies the records, answers only once they are written, and keeps the file order of the calls', async () => {
    const wal = appender();
    await wal.append(bigCall(8, 1, 0).batches); // the files are open from here on
    const big = bigCall(8, PER_HOST, 1);
    expect(big.bytes).toBeGreaterThanOrEqual(ASYNC_WRITE_MIN_BYTES);
    const pending = wal.appendNow(big.batches);
    expect(pending).toBeInstanceOf(Promise); // a small call to an open file would give null
    big.memory.fill(0); // the next store call reuses engine memory
    // A small call right behind it, to the same host: queued behind the big one, not before it.
    const after = wal.append([{ cluster: 'c', host: 'h3', records: encodeWalRecords([s(60 * (PER_HOST + 1), -1)]), count: 1 }]);
    await Promise.all([pending, after]);
    for (let h = 0; h < 8; h++) {
      const want = [h, ...range(1, PER_HOST, h)];
      if (h === 3) want.push(-1);
      expect(valuesOf(`h${h}`)).toEqual(want);
    }
    await wal.close();
  });

  it('writes synchronously while both copy buffers are lent (bounded), in order all the same', async () => {
    const wal = appender();
    await wal.append(bigCall(8, 1, 0).batches);
    await wal.append(bigCall(8, 1, 0, 'g').batches);
    const calls = [1, 2].map((k) => bigCall(8, PER_HOST, k * PER_HOST));
    const first = wal.appendNow(calls[0]!.batches);
    const second = wal.appendNow(calls[1]!.batches);
    expect(first).toBeInstanceOf(Promise);
    expect(second).toBeInstanceOf(Promise);
    // Other hosts, open and idle, but no copy buffer free: written before appendNow returns.
    expect(wal.appendNow(bigCall(8, PER_HOST, PER_HOST, 'g').batches)).toBeNull();
    expect(valuesOf('g2')).toEqual([2, ...range(PER_HOST, PER_HOST, 2)]);
    await Promise.all([first, second]);
    for (let h = 0; h < 8; h++) expect(valuesOf(`h${h}`)).toEqual([h, ...range(PER_HOST, 2 * PER_HOST, h)]);
    // Both buffers back: the next big call goes to the thread pool again.
    const again = wal.appendNow(bigCall(8, PER_HOST, 3 * PER_HOST).batches);
    expect(again).toBeInstanceOf(Promise);
    await again;
    expect(valuesOf('h7')).toEqual([7, ...range(PER_HOST, 3 * PER_HOST, 7)]);
    await wal.close();
  });

  it('with fsync, resolves after the fdatasync of its records', async () => {
    const wal = appender(true);
    await wal.append(bigCall(8, 1, 0).batches);
    const syncs = wal.stats().syncs;
    await wal.append(bigCall(8, PER_HOST, 1).batches);
    expect(wal.stats().syncs).toBeGreaterThan(syncs);
    expect(valuesOf('h5')).toEqual([5, ...range(1, PER_HOST, 5)]);
    await wal.close();
  });

  it.skipIf(!existsSync('/dev/full'))('a failed write rejects its own call only; the other hosts and calls are written', async () => {
    const wal = appender();
    // h0's log is /dev/full: every write to it fails with ENOSPC.
    mkdirSync(join(root, 'c', 'h0'), { recursive: true });
    symlinkSync('/dev/full', join(root, 'c', 'h0', 'current.wal'));
    const big = bigCall(8, PER_HOST, 0);
    const failing = wal.append(big.batches);
    const other = wal.append([{ cluster: 'c', host: 'other', records: encodeWalRecords([s(60, 1)]), count: 1 }]);
    await expect(failing).rejects.toBeInstanceOf(WalWriteError);
    await other;
    for (let h = 1; h < 8; h++) expect(valuesOf(`h${h}`)).toEqual(range(0, PER_HOST, h));
    expect(valuesOf('other')).toEqual([1]);
    expect(wal.stats().failedBatches).toBe(1);
    expect(messages.some((m) => m.includes('ENOSPC'))).toBe(true);
    await wal.close();
  });
});
