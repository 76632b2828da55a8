// The persistence layer end to end over the test double of the engine: WAL
// before the answer, restore, checkpoints, WAL restarts, the Go-order rule.
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPersistence } from '../../src/persist/index.ts';
import type { Persistence } from '../../src/persist/index.ts';
import { decodeBinSnapshot, decodeWal, encodeBinSnapshot } from '../../src/persist/format/index.ts';
import { FakeStore, TEST_METRICS } from '../support/fake-store.ts';
import { goLoaderAccepts } from '../support/go-loader.ts';
import { copyTree, filesIn, testEnv } from '../support/persist-env.ts';
import type { TestEnv } from '../support/persist-env.ts';
import { fixturesDir } from '../support/shared.ts';
import { level, series } from '../support/levels.ts';

let env: TestEnv;
beforeEach(() => {
  env = testEnv();
});
afterEach(() => env.cleanup());

const enc = (s: string) => new TextEncoder().encode(s);
const line = (metric: string, host: string, ts: number, value: number, extra = '') => `${metric},cluster=fritz,hostname=${host}${extra} value=${value} ${ts}`;

function open(store: FakeStore, over: Parameters<TestEnv['settings']>[0] = {}, opts: Partial<Parameters<typeof openPersistence>[0]> = {}): Persistence {
  return openPersistence({ store, settings: env.settings(over), log: env.log, now: env.now, ...opts });
}

/** A fresh process on the same directory: new store, restore. */
async function restart(over: Parameters<TestEnv['settings']>[0] = {}): Promise<{ store: FakeStore; p: Persistence }> {
  const store = new FakeStore({ metrics: TEST_METRICS, wal: true });
  const p = open(store, over);
  await p.restore();
  return { store, p };
}

describe('restore', () => {
  it('loads the fixtures with every value and replays the WAL up to its torn record, then cuts it off', async () => {
    copyTree(fixturesDir(), join(env.dir, 'fx'));
    env.clock.now = 1725623600 + 3600;
    const walPath = join(env.dir, 'fx/checkpoints-wal/fritz/f0201/current.wal');
    const sizeBefore = statSync(walPath).size;

    const store = new FakeStore({ metrics: TEST_METRICS, wal: true });
    const p = open(store, { checkpointDir: join(env.dir, 'fx/checkpoints-wal') });
    const summary = await p.restore();
    expect(summary).toMatchObject({ hosts: 1, files: 1, failedFiles: 0, walSamples: 15 });

    const got = store.samples();
    const at = (path: string[], metric: string, ts: number) => got.find((s) => s.metric === metric && s.ts === ts && s.path.join('/') === path.join('/'))?.value;
    for (let i = 0; i < 60; i++) {
      const ts = 1725620030 + 60 * i;
      expect(at([], 'cpu_load', ts)).toBe(i === 10 || i === 11 ? undefined : i * 0.5);
      expect(at([], 'mem_used', ts)).toBe(Math.fround(1000.25 + i));
      for (let k = 0; k < 4; k++) expect(at([`hwthread${k}`], 'cpu_user', ts)).toBe(k * 10 + (i % 7));
      for (let s = 0; s < 2; s++) expect(at([`socket${s}`], 'mem_bw', ts)).toBe(s * 100 + i * 1.5);
    }
    for (let i = 0; i < 10; i++) expect(at([], 'cpu_load', 1725623630 + 60 * i)).toBe(100 + i);
    for (let i = 0; i < 5; i++) expect(at(['hwthread0'], 'cpu_user', 1725623630 + 60 * i)).toBe(50 + i);
    expect(at(['hwthread0'], 'cpu_user', 1725623930)).toBeUndefined();
    expect(got.length).toBe(58 + 60 + 4 * 60 + 2 * 60 + 15);

    const sizeAfter = statSync(walPath).size;
    expect(sizeAfter).toBeLessThan(sizeBefore);
    expect(decodeWal(readFileSync(walPath))).toMatchObject({ stop: 'end', validBytes: sizeAfter });
    expect(env.log.lines.some((l) => /cut short/.test(l))).toBe(true);
  });

  it('loads the JSON fixture', async () => {
    copyTree(fixturesDir(), join(env.dir, 'fx'));
    env.clock.now = 1725623600;
    const store = new FakeStore({ metrics: TEST_METRICS, wal: true });
    const p = open(store, { format: 'json', checkpointDir: join(env.dir, 'fx/checkpoints-json') });
    await p.restore();
    const got = store.samples();
    expect(got.filter((s) => s.metric === 'cpu_load').map((s) => s.value)).toEqual(
      Array.from({ length: 30 }, (_, i) => i).filter((i) => i % 5 !== 4).map((i) => 2 + i * 0.25),
    );
    expect(got.filter((s) => s.metric === 'cpu_user').map((s) => s.value)).toEqual(Array.from({ length: 30 }, (_, i) => 7 + i));
  });

  it('loads only the files a restart needs, skipping those whose `to` is before the restore point', async () => {
    const dir = join(env.checkpoints, 'fritz', 'h1');
    mkdirSync(dir, { recursive: true });
    const mk = (from: number, to: number, v: number) =>
      writeFileSync(join(dir, `${from}.bin`), encodeBinSnapshot({ from, to, root: level({ cpu_load: series(from + 30, [v]) }) }));
    const now = env.clock.now;
    const R = now - 48 * 3600;
    mk(R - 3 * 3600, R - 2 * 3600, 1); // not selected
    mk(R - 2 * 3600, R - 3600, 2); // last before R, but its `to` is before R: skipped
    mk(R + 3600, R + 7200, 3);
    writeFileSync(join(dir, 'x.bin'), 'stray');
    writeFileSync(join(dir, `${R + 7200}.bin.tmp`), 'half a file');
    const { store } = await restart();
    expect(store.loads.map((l) => l.level.metrics.get('cpu_load')!.values[0])).toEqual([3]);
    expect(existsSync(join(dir, `${R + 7200}.bin.tmp`))).toBe(false);
    expect(env.log.lines.some((l) => /x\.bin: no number/.test(l))).toBe(true);
  });

  it('skips an undecodable file, loads the rest, and says which file', async () => {
    const dir = join(env.checkpoints, 'fritz', 'h1');
    mkdirSync(dir, { recursive: true });
    const now = env.clock.now;
    writeFileSync(join(dir, `${now - 7200}.bin`), encodeBinSnapshot({ from: now - 7200, to: now - 3600, root: level({ cpu_load: series(now - 7170, [1]) }) }).subarray(0, 30));
    writeFileSync(join(dir, `${now - 3600}.bin`), encodeBinSnapshot({ from: now - 3600, to: now, root: level({ cpu_load: series(now - 3570, [2]) }) }));
    const { store } = await restart();
    expect(store.samples().map((s) => s.value)).toEqual([2]);
    expect(env.log.lines.some((l) => l.startsWith('error') && l.includes(`${now - 7200}.bin`) && /truncated/.test(l))).toBe(true);
  });

  it('repairs files that break the Go loader order (a crash inside a full snapshot)', async () => {
    const dir = join(env.checkpoints, 'fritz', 'h1');
    mkdirSync(dir, { recursive: true });
    const now = env.clock.now;
    const t = now - 7200;
    // The older file starts cpu_load at t+120, the newer (a full snapshot) at t:
    // the Go loader refuses that. The snapshot holds everything, so the older
    // file's copy goes; mem_used, only in the older file, stays.
    writeFileSync(
      join(dir, `${t}.bin`),
      encodeBinSnapshot({ from: t, to: t + 3600, root: level({ cpu_load: series(t + 120, [1, 2, 3]), mem_used: series(t, [7]) }) }),
    );
    writeFileSync(join(dir, `${t + 3600}.bin`), encodeBinSnapshot({ from: t + 3600, to: now, root: level({ cpu_load: series(t, [10, 20, 30, 40]) }) }));
    expect(goLoaderAccepts(dir)).toBe(false);
    const { store } = await restart();
    expect(store.samples().map((s) => [s.metric, s.ts - t, s.value])).toEqual([
      ['cpu_load', 0, 10],
      ['cpu_load', 60, 20],
      ['cpu_load', 120, 30],
      ['cpu_load', 180, 40],
      ['mem_used', 0, 7],
    ]);
    expect(decodeBinSnapshot(readFileSync(join(dir, `${t}.bin`))).root.metrics.has('cpu_load')).toBe(false);
    expect(goLoaderAccepts(dir)).toBe(true);
  });

  it('logs progress with hosts done / total and MB/s', async () => {
    const now = env.clock.now;
    for (let h = 0; h < 3; h++) {
      const dir = join(env.checkpoints, 'fritz', `h${h}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${now - 3600}.bin`), encodeBinSnapshot({ from: now - 3600, to: now, root: level({ cpu_load: series(now - 3570, [h]) }) }));
    }
    const store = new FakeStore({ metrics: TEST_METRICS, wal: true });
    const { restore } = await import('../../src/persist/restore.ts');
    const { DiskState } = await import('../../src/persist/disk-state.ts');
    await restore({ store, root: env.checkpoints, restorePoint: now - 86400, log: env.log, disk: new DiskState(), sync: false, progressEvery: 0 });
    expect(env.log.lines.some((l) => /restore: 2\/3 hosts, .* MB in .* s \(\d+ MB\/s\)/.test(l))).toBe(true);
    expect(env.log.lines.some((l) => /restore done: 3 hosts, 3 files/.test(l))).toBe(true);
  });

  it('tells the store once how much is coming: the first host\'s values for every host left', async () => {
    const now = env.clock.now;
    for (let h = 0; h < 4; h++) {
      const dir = join(env.checkpoints, 'fritz', `h${h}`);
      mkdirSync(dir, { recursive: true });
      const root = level({ cpu_load: series(now - 3570, Array.from({ length: 10 + h }, () => h)) });
      writeFileSync(join(dir, `${now - 3600}.bin`), encodeBinSnapshot({ from: now - 3600, to: now, root }));
    }
    const { store } = await restart();
    // 10 values of 4 bytes, 3 hosts left, 10 % for chunk headers and partly filled pages
    expect(store.reserved).toHaveLength(1);
    expect(store.reserved[0]).toBeCloseTo(10 * 4 * 3 * 1.1);
  });

  it('remembers the series starts of the files it loaded: a late sample before them makes a full snapshot', async () => {
    const dir = join(env.checkpoints, 'fritz', 'h1');
    mkdirSync(dir, { recursive: true });
    const now = env.clock.now;
    const t = now - 7200;
    writeFileSync(join(dir, `${t}.bin`), encodeBinSnapshot({ from: t, to: t + 3600, root: level({ cpu_load: series(t + 30, [1, 2]) }) }));
    const second = level({ cpu_load: series(t + 3630, [5, 6]) }, { hwthread0: level({ cpu_user: series(t + 3630, [7]) }) });
    writeFileSync(join(dir, `${t + 3600}.bin`), encodeBinSnapshot({ from: t + 3600, to: now, root: second }));
    const { store, p } = await restart();
    // before the second file's start of cpu_load: a file of it alone would break the Go order
    await p.ingest(enc(line('cpu_load', 'h1', t + 330, 4)), 'fritz');
    const s = await p.checkpoint();
    expect(s.fullSnapshots).toBe(1);
    expect(goLoaderAccepts(dir)).toBe(true);
    const { store: again } = await restart();
    expect(again.samples()).toEqual(store.samples());
  });
});

describe('write path', () => {
  it('has every accepted sample in the WAL when ingest resolves; a crash loses nothing', async () => {
    const store = new FakeStore({ metrics: TEST_METRICS, wal: true });
    const p = open(store);
    await p.restore();
    const now = env.clock.now;
    const r = await p.ingest(enc([line('cpu_load', 'a', now, 1), line('cpu_user', 'a', now, 2, ',type=hwthread,type-id=3'), line('cpu_load', 'b', now, 3)].join('\n')), 'fritz');
    expect(r.accepted).toBe(3);
    expect(decodeWal(readFileSync(join(env.checkpoints, 'fritz/a/current.wal'))).samples.count).toBe(2);
    // No stop(): the process dies here.
    const { store: again } = await restart();
    expect(again.samples()).toEqual(store.samples());
  });

  it('a batch stores each body as it is added and logs all of them, in order, on commit', async () => {
    const store = new FakeStore({ metrics: TEST_METRICS, wal: true });
    const p = open(store);
    await p.restore();
    const now = env.clock.now;
    const batch = p.openBatch();
    expect(batch.ingest(enc([line('cpu_load', 'a', now, 1), line('cpu_load', 'b', now, 2)].join('\n')), 'fritz').accepted).toBe(2);
    expect(batch.ingest(enc(line('cpu_load', 'a', now + 60, 3)), 'fritz').accepted).toBe(1);
    expect(store.samples()).toHaveLength(3);
    await batch.commit();
    const wal = decodeWal(readFileSync(join(env.checkpoints, 'fritz/a/current.wal')));
    expect([wal.stop, Array.from(wal.samples.value)]).toEqual(['end', [1, 3]]);
    // No stop(): the process dies here.
    const { store: again } = await restart();
    expect(again.samples()).toEqual(store.samples());
  });

  it('logs the lines before a malformed one (they were accepted) and reports the error', async () => {
    const store = new FakeStore({ metrics: TEST_METRICS, wal: true });
    const p = open(store);
    const now = env.clock.now;
    const r = await p.ingest(enc(`${line('cpu_load', 'a', now, 1)}\nthis is not line protocol\n${line('cpu_load', 'a', now + 60, 2)}`), 'fritz');
    expect(r.error?.line).toBe(2);
    const { store: again } = await restart();
    expect(again.samples().map((s) => s.value)).toEqual([1]);
  });

  it('refuses to run with a store that gives no WAL records', async () => {
    const p = open(new FakeStore({ metrics: TEST_METRICS, wal: false }));
    await expect(p.ingest(enc(line('cpu_load', 'a', env.clock.now, 1)), 'fritz')).rejects.toThrow(/wal: true/);
  });

  it('with the WAL off, writes no log (measurements only)', async () => {
    const store = new FakeStore({ metrics: TEST_METRICS, wal: false });
    const p = open(store, {}, { wal: false });
    await p.ingest(enc(line('cpu_load', 'a', env.clock.now, 1)), 'fritz');
    expect(existsSync(join(env.checkpoints, 'fritz/a/current.wal'))).toBe(false);
    await p.stop();
    expect(filesIn(join(env.checkpoints, 'fritz/a'))).toHaveLength(1);
  });

  it('rejects ingest after stop', async () => {
    const p = open(new FakeStore({ metrics: TEST_METRICS, wal: true }));
    await p.stop();
    await expect(p.ingest(enc(line('cpu_load', 'a', env.clock.now, 1)), 'fritz')).rejects.toThrow(/shutting down/);
  });
});

describe('checkpoints', () => {
  it('writes <from>.bin with the unsaved samples, restarts the WAL, and a restart gives back every sample', async () => {
    const store = new FakeStore({ metrics: TEST_METRICS, wal: true });
    const p = open(store);
    await p.restore();
    const t0 = env.clock.now;
    for (let i = 0; i < 10; i++) await p.ingest(enc([line('cpu_load', 'a', t0 + 60 * i, i), line('mem_bw', 'a', t0 + 60 * i, i * 2, ',type=socket,type-id=0')].join('\n')), 'fritz');
    env.clock.now += 3600;
    const s1 = await p.checkpoint();
    expect(s1).toMatchObject({ files: 1, failed: 0, fullSnapshots: 0, values: 20 });
    const hostDir = join(env.checkpoints, 'fritz/a');
    expect(filesIn(hostDir)).toEqual([`${t0}.bin`]);
    const snap = decodeBinSnapshot(readFileSync(join(hostDir, `${t0}.bin`)));
    expect(snap.from).toBe(t0);
    expect(snap.to).toBe(t0 + 3600);
    expect(Array.from(snap.root.metrics.get('cpu_load')!.values)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

    // Only what is new goes into the next file.
    await p.ingest(enc(line('cpu_load', 'a', t0 + 600, 10)), 'fritz');
    expect(decodeWal(readFileSync(join(hostDir, 'current.wal'))).samples.count).toBe(1);
    env.clock.now += 3600;
    await p.checkpoint();
    expect(filesIn(hostDir)).toEqual([`${t0}.bin`, `${t0 + 3600}.bin`]);
    const snap2 = decodeBinSnapshot(readFileSync(join(hostDir, `${t0 + 3600}.bin`)));
    expect(Array.from(snap2.root.metrics.get('cpu_load')!.values)).toEqual([10]);
    expect(snap2.root.children.size).toBe(0);

    const { store: again } = await restart();
    expect(again.samples()).toEqual(store.samples());
    expect(goLoaderAccepts(hostDir)).toBe(true);
  });

  it('writes back-filled samples too, whatever their timestamp (the Go store loses them)', async () => {
    const store = new FakeStore({ metrics: TEST_METRICS, wal: true });
    const p = open(store);
    const t0 = env.clock.now;
    for (let i = 0; i < 5; i++) await p.ingest(enc(line('cpu_load', 'a', t0 + 60 * i, i)), 'fritz');
    env.clock.now += 3600;
    await p.checkpoint();
    // A collector resends a gap long after: slots 5..9, and a value inside the saved range.
    for (let i = 5; i < 10; i++) await p.ingest(enc(line('cpu_load', 'a', t0 + 60 * i, i)), 'fritz');
    await p.ingest(enc(line('cpu_load', 'a', t0 + 120, 42)), 'fritz');
    env.clock.now += 3600;
    await p.stop();
    const { store: again } = await restart();
    expect(again.samples()).toEqual(store.samples());
    expect(again.samples().find((s) => s.ts === t0 - 30 + 120)?.value).toBe(42);
    expect(goLoaderAccepts(join(env.checkpoints, 'fritz/a'))).toBe(true);
  });

  it('writes a full snapshot and trims older files when a late sample falls below the newest file', async () => {
    const store = new FakeStore({ metrics: TEST_METRICS, wal: true });
    const p = open(store);
    const t0 = env.clock.now;
    const hostDir = join(env.checkpoints, 'fritz/a');
    for (let i = 0; i < 10; i++) await p.ingest(enc(line('cpu_load', 'a', t0 + 60 * i, i)), 'fritz');
    await p.ingest(enc(line('mem_used', 'a', t0, 5)), 'fritz');
    env.clock.now += 3600;
    await p.checkpoint();
    for (let i = 10; i < 20; i++) await p.ingest(enc(line('cpu_load', 'a', t0 + 60 * i, i)), 'fritz');
    env.clock.now += 3600;
    await p.checkpoint();
    expect(filesIn(hostDir)).toHaveLength(2);
    // Late: slot 3, saved in the first file; the newest file starts cpu_load at slot 10.
    await p.ingest(enc(line('cpu_load', 'a', t0 + 180, 33)), 'fritz');
    env.clock.now += 3600;
    const s = await p.checkpoint();
    expect(s.fullSnapshots).toBe(1);
    expect(goLoaderAccepts(hostDir)).toBe(true);
    // The snapshot holds everything both older files held: trimmed away entirely.
    expect(filesIn(hostDir).filter((f) => f.endsWith('.bin'))).toEqual([`${t0 + 7200}.bin`]);
    expect(env.log.lines.some((l) => /full snapshot/.test(l))).toBe(true);
    const { store: again } = await restart();
    expect(again.samples()).toEqual(store.samples());
    expect(again.samples().find((x) => x.metric === 'cpu_load' && x.ts === t0 - 30 + 180)?.value).toBe(33);
  });

  it('keeps samples that arrive while the snapshots are being written', async () => {
    const store = new FakeStore({ metrics: TEST_METRICS, wal: true });
    const p = open(store);
    const t0 = env.clock.now;
    const hosts = Array.from({ length: 12 }, (_, h) => `n${h}`);
    let i = 0;
    const ingestRound = () => {
      const k = i++;
      return p.ingest(enc(hosts.map((h) => line('cpu_load', h, t0 + 60 * k, k)).join('\n')), 'fritz');
    };
    for (let k = 0; k < 5; k++) await ingestRound();
    env.clock.now += 3600;
    let roundsWhenDone = 0;
    const cp = p.checkpoint().then(() => (roundsWhenDone = i));
    const during: Promise<unknown>[] = [];
    for (let k = 0; k < 20; k++) {
      during.push(ingestRound());
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all([cp, ...during]);
    expect(roundsWhenDone).toBeGreaterThan(5); // samples did arrive while the checkpoint ran
    // Crash now: the snapshots hold the old samples, the WALs the new ones.
    const { store: again } = await restart();
    expect(again.samples()).toEqual(store.samples());
    expect(again.samples()).toHaveLength(hosts.length * 25);
  });

  it('writes <from>.json in file-format "json", and restores from it', async () => {
    const store = new FakeStore({ metrics: TEST_METRICS, wal: true });
    const cfg = { format: 'json' as const };
    const p = open(store, cfg);
    const t0 = env.clock.now;
    await p.ingest(enc([line('cpu_load', 'a', t0, 0.1), line('cpu_load', 'a', t0 + 120, 1e-7)].join('\n')), 'fritz');
    env.clock.now += 60;
    await p.stop();
    const hostDir = join(env.checkpoints, 'fritz/a');
    expect(filesIn(hostDir)).toEqual([`${t0}.json`]);
    const text = readFileSync(join(hostDir, `${t0}.json`), 'utf8');
    expect(text).toMatch(/"data":\[0\.1,null,1e-7\]/);
    const { store: again } = await restart(cfg);
    expect(again.samples()).toEqual(store.samples());
  });

  it('never overwrites an older file of the host, even within the same second', async () => {
    const store = new FakeStore({ metrics: TEST_METRICS, wal: true });
    const p = open(store);
    const t0 = env.clock.now;
    await p.ingest(enc(line('cpu_load', 'a', t0, 1)), 'fritz');
    await p.checkpoint();
    await p.ingest(enc(line('cpu_load', 'a', t0 + 60, 2)), 'fritz');
    await p.checkpoint();
    expect(filesIn(join(env.checkpoints, 'fritz/a'))).toEqual([`${t0}.bin`, `${t0 + 1}.bin`]);
    const { store: again } = await restart();
    expect(again.samples()).toEqual(store.samples());
  });

  it('does not overwrite a file that restore did not see', async () => {
    const dir = join(env.checkpoints, 'fritz/a');
    mkdirSync(dir, { recursive: true });
    const t0 = env.clock.now;
    const theirs = encodeBinSnapshot({ from: t0, to: t0, root: level({ mem_used: series(t0, [5]) }) });
    writeFileSync(join(dir, `${t0}.bin`), theirs);
    const p = open(new FakeStore({ metrics: TEST_METRICS, wal: true }));
    await p.ingest(enc(line('cpu_load', 'a', t0, 1)), 'fritz');
    await p.checkpoint();
    expect(filesIn(dir)).toEqual([`${t0}.bin`, `${t0 + 1}.bin`]);
    expect(Buffer.from(readFileSync(join(dir, `${t0}.bin`)))).toEqual(Buffer.from(theirs));
  });

  it('stop() writes the final checkpoint and removes the WALs it covers', async () => {
    const store = new FakeStore({ metrics: TEST_METRICS, wal: true });
    const p = open(store);
    await p.ingest(enc(line('cpu_load', 'a', env.clock.now, 1)), 'fritz');
    await p.stop();
    expect(filesIn(join(env.checkpoints, 'fritz/a'))).toEqual([`${env.clock.now}.bin`]);
  });

  it('a host whose WAL outgrows max-wal-size gets an early snapshot of its own', async () => {
    const store = new FakeStore({ metrics: TEST_METRICS, wal: true });
    const p = open(store, { maxWalBytes: 500 });
    const t0 = env.clock.now;
    for (let i = 0; i < 20; i++) await p.ingest(enc(line('cpu_load', 'a', t0 + 60 * i, i)), 'fritz');
    await p.ingest(enc(line('cpu_load', 'b', t0, 1)), 'fritz');
    await p.checkpoint(); // waits for the early snapshot queued before it
    const files = filesIn(join(env.checkpoints, 'fritz/a'));
    expect(files.filter((f) => f.endsWith('.bin')).length).toBeGreaterThanOrEqual(2);
    expect(env.log.lines.some((l) => /max-wal-size/.test(l))).toBe(true);
    const { store: again } = await restart();
    expect(again.samples()).toEqual(store.samples());
  });

  it('counts what it did for the debug output', async () => {
    const store = new FakeStore({ metrics: TEST_METRICS, wal: true });
    const p = open(store);
    expect(p.status()).toMatchObject({ format: 'wal', directory: env.checkpoints, restore: null, lastCheckpoint: null, earlySnapshots: 0 });
    await p.restore();
    await p.ingest(enc([line('cpu_load', 'a', env.clock.now, 1), line('cpu_load', 'b', env.clock.now, 2)].join('\n')), 'fritz');
    const walBytes = p.status().wal!.bytesAppended;
    expect(walBytes).toBeGreaterThan(8);
    expect(p.status().wal).toMatchObject({ bytesHeld: walBytes, hosts: 2, failedBatches: 0 });
    env.clock.now += 60;
    await p.checkpoint();
    await p.cleanupOnce();
    await p.retentionOnce();
    const at = new Date(env.clock.now * 1000).toISOString();
    expect(p.status()).toMatchObject({
      restore: { hosts: 0, files: 0, at: new Date((env.clock.now - 60) * 1000).toISOString() },
      lastCheckpoint: { hosts: 2, files: 2, failed: 0, at },
      lastCleanup: { files: 0, failed: 0, at },
      lastRetention: { kept: 0, at },
      wal: { bytesAppended: walBytes, bytesHeld: 0 },
    });
    await p.stop();
  });
});

describe('start-up checks and an honest stop', () => {
  it('creates a missing checkpoint directory and leaves no probe file in it', async () => {
    const { p } = await restart();
    expect(statSync(env.checkpoints).isDirectory()).toBe(true);
    expect(filesIn(env.checkpoints)).toEqual([]);
    await p.stop();
  });

  it('refuses to restore into a checkpoint directory it cannot write, naming the directory, the key and the OS error', async () => {
    writeFileSync(join(env.dir, 'file'), 'a regular file binds root too');
    const dir = join(env.dir, 'file', 'checkpoints');
    const p = open(new FakeStore({ metrics: TEST_METRICS, wal: true }), { checkpointDir: dir });
    await expect(p.restore()).rejects.toThrow(`directory '${dir}' (metric-store.checkpoints.directory) is not writable: ENOTDIR`);
  });

  it('with cleanup mode archive, checks the archive directory too', async () => {
    writeFileSync(join(env.dir, 'file'), 'x');
    const archiveDir = join(env.dir, 'file', 'archive');
    const p = open(new FakeStore({ metrics: TEST_METRICS, wal: true }), { cleanupMode: 'archive', archiveDir });
    await expect(p.restore()).rejects.toThrow(`directory '${archiveDir}' (metric-store.cleanup.directory) is not writable: ENOTDIR`);
  });

  it('a stop whose final checkpoint fails says how many hosts and samples are unsaved, and which', async () => {
    const { p } = await restart();
    const now = env.clock.now;
    const hosts = Array.from({ length: 7 }, (_, i) => `n${i}`);
    await p.ingest(enc(hosts.flatMap((h) => [line('cpu_load', h, now - 60, 1), line('cpu_load', h, now, 2)]).join('\n')), 'fritz');
    rmSync(env.checkpoints, { recursive: true });
    writeFileSync(env.checkpoints, 'the checkpoint directory is a file now');
    await expect(p.stop()).rejects.toThrow(
      new RegExp(`^final checkpoint incomplete: 7 of 7 hosts with 14 samples not saved below ${env.checkpoints} \\(fritz/n\\d, fritz/n\\d, fritz/n\\d, fritz/n\\d, fritz/n\\d, \\.\\.\\. \\(2 more\\)\\): ENOTDIR`),
    );
  });
});
