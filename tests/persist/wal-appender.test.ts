import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, existsSync, statSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeWal, encodeWalRecords, walFileHeader } from '../../src/persist/format/wal.ts';
import type { WalSample } from '../../src/persist/format/wal.ts';
import { WalAppender, WalWriteError } from '../../src/persist/wal-appender.ts';
import type { PersistLogger } from '../../src/persist/log.ts';

let root: string;
const messages: string[] = [];
const log: PersistLogger = { debug: () => {}, info: (m) => messages.push(m), warn: (m) => messages.push(m), error: (m) => messages.push(m) };

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'ccms-wal-'));
  messages.length = 0;
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const appender = (over: Partial<ConstructorParameters<typeof WalAppender>[0]> = {}) =>
  new WalAppender({ root, log, fsync: false, maxOpenFiles: 64, maxBytes: 0, ...over });

const s = (ts: number, value: number, metric = 'cpu_load', path: string[] = []): WalSample => ({ ts, metric, path, value });
const batch = (cluster: string, host: string, samples: WalSample[]) => ({ cluster, host, records: encodeWalRecords(samples), count: samples.length });
const walOf = (cluster: string, host: string) => readFileSync(join(root, cluster, host, 'current.wal'));
const valuesOf = (cluster: string, host: string) => {
  const r = decodeWal(walOf(cluster, host));
  expect(r.stop).toBe('end');
  return Array.from(r.samples.value);
};

describe('WAL appender', () => {
  it('writes the file header once, then the records of each call in order', async () => {
    const wal = appender();
    await wal.append([batch('fritz', 'f0201', [s(60, 1), s(120, 2)])]);
    await wal.append([batch('fritz', 'f0201', [s(180, 3)]), batch('fritz', 'f0202', [s(60, 9)])]);
    const bytes = walOf('fritz', 'f0201');
    expect(Buffer.from(bytes.subarray(0, 4))).toEqual(Buffer.from(walFileHeader()));
    const expected = Buffer.concat([walFileHeader(), encodeWalRecords([s(60, 1), s(120, 2)]), encodeWalRecords([s(180, 3)])]);
    expect(Buffer.from(bytes)).toEqual(expected);
    expect(valuesOf('fritz', 'f0202')).toEqual([9]);
    await wal.close();
  });

  it('appends to an existing log across restarts of the appender', async () => {
    let wal = appender();
    await wal.append([batch('c', 'h', [s(60, 1)])]);
    await wal.close();
    wal = appender();
    await wal.append([batch('c', 'h', [s(120, 2)])]);
    await wal.close();
    expect(valuesOf('c', 'h')).toEqual([1, 2]);
  });

  it('loses nothing under many concurrent batches over many hosts, with few open files', async () => {
    const wal = appender({ maxOpenFiles: 3 });
    const hosts = 10;
    const perHost = 200;
    const calls: Promise<void>[] = [];
    for (let i = 0; i < perHost; i++) {
      for (let h = 0; h < hosts; h++) calls.push(wal.append([batch('c', `h${h}`, [s(60 * i, i), s(60 * i, i + 0.5, 'mem_used', ['socket0'])])]));
    }
    await Promise.all(calls);
    for (let h = 0; h < hosts; h++) {
      const values = valuesOf('c', `h${h}`);
      expect(values).toHaveLength(2 * perHost);
      expect(values.filter((_, k) => k % 2 === 0)).toEqual(Array.from({ length: perHost }, (_, i) => i));
    }
    await wal.close();
  });

  it('cuts a torn tail off before appending, so new records stay reachable', async () => {
    const dir = join(root, 'c', 'h');
    mkdirSync(dir, { recursive: true });
    const whole = Buffer.concat([walFileHeader(), encodeWalRecords([s(60, 1)])]);
    const torn = encodeWalRecords([s(120, 2)]).subarray(0, 10);
    writeFileSync(join(dir, 'current.wal'), Buffer.concat([whole, torn]));
    const wal = appender();
    await wal.append([batch('c', 'h', [s(180, 3)])]);
    await wal.close();
    expect(valuesOf('c', 'h')).toEqual([1, 3]);
    expect(messages.some((m) => /cut short/.test(m))).toBe(true);
  });

  it('moves a file that is not a WAL aside instead of appending to it', async () => {
    const dir = join(root, 'c', 'h');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'current.wal'), 'not a wal at all');
    const wal = appender();
    await wal.append([batch('c', 'h', [s(60, 5)])]);
    await wal.close();
    expect(valuesOf('c', 'h')).toEqual([5]);
    expect(messages.some((m) => /moved aside/.test(m))).toBe(true);
  });

  it('restart after a mark keeps exactly the records appended after the mark', async () => {
    const wal = appender();
    await wal.append([batch('c', 'h', [s(60, 1), s(120, 2)])]);
    const mark = wal.mark('c', 'h');
    const late = wal.append([batch('c', 'h', [s(180, 3)])]);
    await late;
    await wal.restart(mark);
    expect(valuesOf('c', 'h')).toEqual([3]);
    await wal.append([batch('c', 'h', [s(240, 4)])]);
    expect(valuesOf('c', 'h')).toEqual([3, 4]);
    await wal.close();
  });

  it('restart with nothing after the mark removes the log; the next append starts a new one', async () => {
    const wal = appender();
    await wal.append([batch('c', 'h', [s(60, 1)])]);
    const mark = wal.mark('c', 'h');
    await wal.restart(mark);
    expect(existsSync(join(root, 'c', 'h', 'current.wal'))).toBe(false);
    await wal.append([batch('c', 'h', [s(120, 2)])]);
    expect(valuesOf('c', 'h')).toEqual([2]);
    await wal.close();
  });

  it('a mark taken before any log existed keeps everything written since', async () => {
    const wal = appender();
    const mark = wal.mark('c', 'h');
    await wal.append([batch('c', 'h', [s(60, 1)])]);
    await wal.restart(mark);
    expect(valuesOf('c', 'h')).toEqual([1]);
    await wal.close();
  });

  it('copies records that are a view into a larger buffer (engine memory may be reused)', async () => {
    const wal = appender();
    const big = new Uint8Array(1000);
    const rec = encodeWalRecords([s(60, 7)]);
    big.set(rec, 100);
    const view = big.subarray(100, 100 + rec.length);
    const p = wal.append([{ cluster: 'c', host: 'h', records: view, count: 1 }]);
    big.fill(0);
    await p;
    expect(valuesOf('c', 'h')).toEqual([7]);
    await wal.close();
  });

  it('reports a host whose log outgrows max-wal-size, once per log', async () => {
    const over: string[] = [];
    const wal = appender({ maxBytes: 100, onOversize: (c, h, n) => over.push(`${c}/${h}:${n > 100}`) });
    for (let i = 0; i < 10; i++) await wal.append([batch('c', 'h', [s(60 * i, i)])]);
    expect(over).toEqual(['c/h:true']);
    await wal.close();
  });

  it('fails the write (never drops silently) when the file cannot be written', async () => {
    const wal = appender();
    // A directory where the host's directory should be makes open() fail.
    mkdirSync(join(root, 'c'), { recursive: true });
    writeFileSync(join(root, 'c', 'h'), 'a file, not a directory');
    await expect(wal.append([batch('c', 'h', [s(60, 1)])])).rejects.toBeInstanceOf(WalWriteError);
    await wal.close();
  });

  it('refuses cluster and host names that would leave the directory', async () => {
    const wal = appender();
    await expect(wal.append([batch('..', 'h', [s(60, 1)])])).rejects.toThrow(/unsafe cluster/);
    await expect(wal.append([batch('c', 'a/b', [s(60, 1)])])).rejects.toThrow(/unsafe host/);
    await wal.close();
  });

  it('with fsync on, still writes the same bytes', async () => {
    const wal = appender({ fsync: true });
    await wal.append([batch('c', 'h', [s(60, 1)])]);
    await wal.close();
    expect(valuesOf('c', 'h')).toEqual([1]);
    expect(statSync(join(root, 'c', 'h', 'current.wal')).size).toBe(4 + encodeWalRecords([s(60, 1)]).length);
  });

  it('validated() from restore lets the appender skip its own check', async () => {
    const dir = join(root, 'c', 'h');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'current.wal'), Buffer.concat([walFileHeader(), encodeWalRecords([s(60, 1)])]));
    const wal = appender();
    wal.validated('c', 'h', statSync(join(dir, 'current.wal')).size);
    appendFileSync(join(dir, 'unrelated'), 'x');
    await wal.append([batch('c', 'h', [s(120, 2)])]);
    await wal.close();
    expect(valuesOf('c', 'h')).toEqual([1, 2]);
  });

  it('writes a known, idle host synchronously: the records are in the file when append returns', async () => {
    const wal = appender();
    await wal.append([batch('c', 'h', [s(60, 1)])]); // the first append checks the log
    const pending = wal.append([batch('c', 'h', [s(120, 2)]), batch('c', 'h2', [s(60, 7)])]);
    expect(valuesOf('c', 'h')).toEqual([1, 2]);
    await pending;
    expect(valuesOf('c', 'h2')).toEqual([7]);
    await wal.close();
  });

  it('appendNow gives null only when every record is in the file on return; a cold host, fsync or a failure give a promise', async () => {
    const wal = appender();
    const cold = wal.appendNow([batch('c', 'h', [s(60, 1)])]);
    expect(cold).toBeInstanceOf(Promise); // the first append checks and opens the log
    await cold;
    expect(wal.appendNow([batch('c', 'h', [s(120, 2)])])).toBeNull();
    expect(valuesOf('c', 'h')).toEqual([1, 2]);
    expect(wal.appendNow([])).toBeNull();
    await wal.close();
    await expect(wal.appendNow([batch('c', 'h', [s(180, 3)])])).rejects.toThrow('WAL is closed');

    const synced = appender({ fsync: true });
    await synced.append([batch('c', 'f', [s(60, 1)])]);
    const waiting = synced.appendNow([batch('c', 'f', [s(120, 2)])]);
    expect(waiting).toBeInstanceOf(Promise); // answered only after its fdatasync
    const syncs = synced.stats().syncs;
    await waiting;
    expect(synced.stats().syncs).toBeGreaterThan(syncs);
    expect(valuesOf('c', 'f')).toEqual([1, 2]);
    await synced.close();
  });

  it('with fsync on, requests that write while an fdatasync runs share the next one (group commit)', async () => {
    const wal = appender({ fsync: true });
    await wal.append([batch('c', 'h', [s(0, 0)])]);
    const before = wal.stats().syncs;
    const calls = Array.from({ length: 50 }, (_, i) => wal.append([batch('c', 'h', [s(60 * (i + 1), i + 1)])]));
    await Promise.all(calls);
    const syncs = wal.stats().syncs - before;
    expect(syncs).toBeGreaterThanOrEqual(1);
    expect(syncs).toBeLessThan(calls.length);
    expect(valuesOf('c', 'h')).toEqual(Array.from({ length: 51 }, (_, i) => i));
    await wal.close();
  });

  it('records appended while a restart runs go into the new log, in order, none lost', async () => {
    const wal = appender();
    await wal.append([batch('c', 'h', [s(60, 1)])]);
    const mark = wal.mark('c', 'h');
    await wal.append([batch('c', 'h', [s(120, 2)])]);
    const restarted = wal.restart(mark);
    let done = false;
    void restarted.then(() => (done = true));
    const during: Promise<void>[] = [];
    let value = 3;
    // One append per turn of the event loop until the restart is through, then one more.
    while (!done) {
      during.push(wal.append([batch('c', 'h', [s(60 * value, value)])]));
      value++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    during.push(wal.append([batch('c', 'h', [s(60 * value, value)])]));
    expect(during.length).toBeGreaterThan(2);
    await Promise.all(during);
    expect(valuesOf('c', 'h')).toEqual(Array.from({ length: value - 1 }, (_, i) => i + 2));
    await wal.close();
  });

  it('with fsync and one open file for many hosts, closes no file under a running fdatasync', async () => {
    const wal = appender({ fsync: true, maxOpenFiles: 1 });
    const calls: Promise<void>[] = [];
    for (let i = 0; i < 20; i++) {
      for (let h = 0; h < 5; h++) calls.push(wal.append([batch('c', `h${h}`, [s(60 * i, i)])]));
    }
    await Promise.all(calls);
    for (let h = 0; h < 5; h++) expect(valuesOf('c', `h${h}`)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(wal.stats()).toMatchObject({ failedBatches: 0 });
    expect(wal.stats().openFiles).toBeLessThanOrEqual(1);
    await wal.close();
  });

  it('checks a log again when another process changed it since it was last open', async () => {
    const wal = appender({ maxOpenFiles: 1 });
    await wal.append([batch('c', 'h', [s(60, 1)])]);
    await wal.append([batch('c', 'other', [s(60, 9)])]); // closes h's file
    appendFileSync(join(root, 'c', 'h', 'current.wal'), Buffer.concat([encodeWalRecords([s(120, 2)]), Buffer.from([0xcc, 0x1d])]));
    await wal.append([batch('c', 'h', [s(180, 3)])]);
    expect(valuesOf('c', 'h')).toEqual([1, 2, 3]);
    expect(messages.some((m) => /cutting 2 bytes/.test(m))).toBe(true);
    await wal.close();
  });

  it('writes a host that comes up more than once in one call in one go, its parts in order', async () => {
    const wal = appender({ fsync: true });
    await wal.append([batch('c', 'h', [s(0, 0)]), batch('c', 'other', [s(0, 9)])]);
    const before = wal.stats().syncs;
    await wal.append([batch('c', 'h', [s(60, 1)]), batch('c', 'other', [s(60, 8)]), batch('c', 'h', [s(120, 2), s(180, 3)])]);
    expect(wal.stats().syncs - before).toBe(2); // one fdatasync per host, so one write each
    expect(valuesOf('c', 'h')).toEqual([0, 1, 2, 3]);
    expect(valuesOf('c', 'other')).toEqual([9, 8]);
    await wal.close();
  });

  it('writes a host handed over in parts (WalAppend.parts) as their join, without reading records', async () => {
    const wal = appender();
    const parts = [encodeWalRecords([s(60, 1)]), encodeWalRecords([s(120, 2), s(180, 3)]), encodeWalRecords([s(240, 4)])];
    const parted = {
      cluster: 'c', host: 'h', count: 4, parts,
      get records(): Uint8Array { throw new Error('records read: the parts should have been written as they are'); },
    };
    await wal.append([parted]);
    expect(Buffer.from(walOf('c', 'h'))).toEqual(Buffer.concat([walFileHeader(), ...parts]));
    // A part emptied (a view of engine memory after the memory grew) fails the write instead of losing records.
    const emptied = { cluster: 'c', host: 'h', count: 2, parts: [encodeWalRecords([s(300, 5)]), new Uint8Array(0)], records: new Uint8Array(0) };
    await expect(wal.append([emptied])).rejects.toThrow(/2 records came without their bytes/);
    expect(valuesOf('c', 'h')).toEqual([1, 2, 3, 4]);
    await wal.close();
  });

  it('a mark that fails and is never restarted (its snapshot failed too) is no unhandled rejection', async () => {
    writeFileSync(join(root, 'c'), 'a file where the cluster directory should be');
    const wal = appender();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const mark = wal.mark('c', 'h');
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
      await expect(wal.restart(mark)).rejects.toThrow(WalWriteError);
      expect(wal.stats()).toMatchObject({ bytesAppended: 0, failedBatches: 0 });
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('opens no file on the event loop: a write to many hosts whose files are closed returns before touching one', async () => {
    const wal = appender({ maxOpenFiles: 4 });
    const hosts = Array.from({ length: 200 }, (_, h) => `h${h}`);
    await wal.append(hosts.map((h) => batch('c', h, [s(60, 1)])));
    const sizes = () => hosts.map((h) => statSync(join(root, 'c', h, 'current.wal')).size);
    const before = sizes();
    const pending = wal.append(hosts.map((h) => batch('c', h, [s(120, 2)])));
    // Only the (at most 4) hosts still open were written in the call itself.
    expect(sizes().filter((size, i) => size !== before[i]).length).toBeLessThanOrEqual(4);
    await pending;
    for (const h of hosts) expect(valuesOf('c', h)).toEqual([1, 2]);
    expect(wal.stats().openFiles).toBeLessThanOrEqual(4);
    await wal.close();
  });

  it('a write of many new hosts keeps a bounded number of files open and answers once all are written', async () => {
    const wal = appender({ maxOpenFiles: 8 });
    const hosts = Array.from({ length: 3000 }, (_, h) => `n${h}`);
    let most = 0;
    const watch = setInterval(() => (most = Math.max(most, wal.stats().openFiles)), 1);
    try {
      const pending = wal.append(hosts.map((h) => batch('c', h, [s(60, 3)])));
      expect(existsSync(join(root, 'c'))).toBe(false); // nothing created synchronously
      await pending;
    } finally {
      clearInterval(watch);
    }
    for (const h of hosts) expect(valuesOf('c', h)).toEqual([3]);
    expect(most).toBeLessThanOrEqual(8 + 64);
    await wal.close();
  });

  it('a failing write names the path and the real OS error', async () => {
    writeFileSync(join(root, 'c'), 'a file where the cluster directory should be');
    const wal = appender();
    const err = await wal.append([batch('c', 'h', [s(60, 1)])]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WalWriteError);
    expect((err as Error).message).toMatch(new RegExp(`^WAL of c/h: ENOTDIR: .*${join(root, 'c')}`));
    await wal.close();
  });
});

