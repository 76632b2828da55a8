import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { parseCheckpointName, selectCleanupFiles, selectRestoreFiles, sortCheckpoints } from '../../src/persist/layout.ts';
import { loadConfig } from '../../src/config/load.ts';
import { validateConfig } from '../../src/config/validate.ts';
import { persistSettings } from '../../src/persist/settings.ts';
import type { StartsTree } from '../../src/persist/series-starts.ts';
import { SeriesStarts, repairOrder, startsInOrder, trimBelow } from '../../src/persist/series-starts.ts';
import { encodeBinSnapshot, scanBinSnapshot } from '../../src/persist/format/index.ts';
import { level, plain, series } from '../support/levels.ts';
import { REFERENCE_CONFIG } from '../support/reference.ts';

const names = (...list: string[]) => sortCheckpoints(list.map((n) => parseCheckpointName(n)!));
const pick = (l: { name: string }[]) => l.map((f) => f.name);

describe('checkpoint file names', () => {
  it('parses numbered .json and .bin files only', () => {
    expect(parseCheckpointName('1725620000.bin')).toEqual({ name: '1725620000.bin', number: 1725620000, ext: 'bin' });
    expect(parseCheckpointName('17.json')).toEqual({ name: '17.json', number: 17, ext: 'json' });
    for (const n of ['current.wal', '1.bin.tmp', 'abc.json', '.bin', '1.bin.superseded', '99999999999999999999.bin']) {
      expect(parseCheckpointName(n), n).toBeNull();
    }
  });

  it('sorts by number, oldest first', () => {
    expect(pick(names('300.bin', '100.json', '20.bin'))).toEqual(['20.bin', '100.json', '300.bin']);
  });
});

describe('restore selection (formats.md "Which files are loaded at start-up")', () => {
  const files = names('100.bin', '200.bin', '300.bin');
  it('loads files at or after the restore point plus the last one before it', () => {
    expect(pick(selectRestoreFiles(files, 150))).toEqual(['100.bin', '200.bin', '300.bin']);
    expect(pick(selectRestoreFiles(files, 250))).toEqual(['200.bin', '300.bin']);
    expect(pick(selectRestoreFiles(files, 200))).toEqual(['200.bin', '300.bin']);
    expect(pick(selectRestoreFiles(files, 50))).toEqual(['100.bin', '200.bin', '300.bin']);
  });
  it('loads the newest file when all are older (its `to` decides; Go would load none)', () => {
    expect(pick(selectRestoreFiles(files, 350))).toEqual(['300.bin']);
    expect(selectRestoreFiles([], 350)).toEqual([]);
  });
});

describe('cleanup selection', () => {
  it('takes files numbered <= t, the newest of them apart', () => {
    const files = names('0.bin', '100.bin', '200.bin', '300.bin');
    const r = selectCleanupFiles(files, 250);
    expect(pick(r.older)).toEqual(['100.bin']);
    expect(r.newest?.name).toBe('200.bin');
    expect(selectCleanupFiles(files, 50)).toEqual({ older: [], newest: null });
  });
});

describe('settings from the validated config', () => {
  it('takes the reference config.json as src/config validated it', async () => {
    const config = await loadConfig({ path: REFERENCE_CONFIG, readTextFile: (f) => readFile(f, 'utf8') });
    expect(persistSettings(config.metricStore)).toMatchObject({
      format: 'wal',
      checkpointDir: './var/checkpoints',
      retention: 172800,
      checkpointInterval: 43200,
      memoryCapBytes: 100e9,
      cleanupMode: 'archive',
      archiveDir: './var/archive',
      maxWalBytes: 0,
    });
  });

  it("fills in the reference's defaults and sizes the workers like Go", () => {
    const config = validateConfig({ main: {}, metrics: {}, 'metric-store': { 'retention-in-memory': '1h30m', 'memory-cap': 0 } }, 'test.json');
    const s = persistSettings(config.metricStore);
    expect(s).toMatchObject({ format: 'wal', checkpointDir: './var/checkpoints', retention: 5400, checkpointInterval: 43200, cleanupMode: 'delete', memoryCapBytes: 0 });
    expect(s.workers).toBe(Math.min(Math.floor(availableParallelism() / 2) + 1, 10));
    expect(persistSettings({ ...config.metricStore, numWorkers: 3 }).workers).toBe(3);
  });
});

describe('keeping the Go loader order', () => {
  it('trims series to end before a limit, dropping emptied series and levels', () => {
    const root = level({ a: series(0, [1, 2, 3]), b: series(0, [1]) }, { s0: level({ a: series(120, [5, 6]) }) });
    const limits = new Map([
      ['\u0000a', 120],
      ['s0\u0000\u0000a', 120],
    ]);
    expect(plain(trimBelow(root, limits)!)).toEqual(plain(level({ a: series(0, [1, 2]), b: series(0, [1]) })));
    expect(trimBelow(root, new Map([['\u0000a', 1000]]))).toBeNull();
  });

  it('finds files out of order from their tables as from their trees, and sums up their starts', () => {
    const table = (root: ReturnType<typeof level>) => scanBinSnapshot(encodeBinSnapshot({ from: 0, to: 0, root })).table;
    const a = level({ a: series(0, [1, 2, 3]) }, { s0: level({ b: series(60, [1]) }) });
    const b = level({ a: series(180, [4]) }, { s0: level({ b: series(120, [1]) }, { m1: level({ c: series(5, [1]) }) }) });
    const late = level({}, { s0: level({ b: series(60, [9]) }) });
    expect(startsInOrder([table(a), table(b), table(late)])).toBeNull();
    expect(startsInOrder([a, table(b), late])).toBeNull();
    const starts = startsInOrder([table(a), b])!;
    expect(starts).not.toBeNull();
    // what noteFile of both files would have recorded
    const viaTrees = new SeriesStarts();
    viaTrees.noteFile('c', 'h', a);
    viaTrees.noteFile('c', 'h', b);
    const viaTables = new SeriesStarts();
    viaTables.noteStarts('c', 'h', starts);
    for (const probe of [late, level({ a: series(120, [1]) }), level({}, { s0: level({}, { m1: level({ c: series(4, [1]) }) }) }), level({ a: series(180, [1]) })]) {
      expect(viaTables.breaksOrder('c', 'h', probe)).toBe(viaTrees.breaksOrder('c', 'h', probe));
    }
    expect(viaTables.breaksOrder('c', 'h', late)).toBe(true);
    expect(viaTables.breaksOrder('c', 'h', level({ a: series(180, [1]) }))).toBe(false);
  });

  it('sums up a host laid out as the one before from its starts column, as from its tables', () => {
    const table = (root: ReturnType<typeof level>) => scanBinSnapshot(encodeBinSnapshot({ from: 0, to: 0, root })).table;
    const host = (t: number) => level({ a: series(t, [1, 2]) }, { s0: level({ b: series(t + 60, [1]) }), s1: level({ b: series(t + 120, [1]), c: series(t, [1]) }) });
    expect(startsInOrder([table(host(0))])).not.toBeNull();
    // The same layout: kept as its starts until read, then the same tree as the maps' way.
    const lazy = startsInOrder([table(host(600))])!;
    const viaTrees = new SeriesStarts();
    viaTrees.noteFile('c', 'h', host(600));
    const viaStarts = new SeriesStarts();
    viaStarts.noteStarts('c', 'h', lazy);
    for (const t of [0, 600, 660, 1200]) {
      expect(viaStarts.breaksOrder('c', 'h', host(t))).toBe(viaTrees.breaksOrder('c', 'h', host(t)));
    }
    expect(viaStarts.breaksOrder('c', 'h', host(0))).toBe(true);
    expect(viaStarts.breaksOrder('c', 'h', host(600))).toBe(false);
    const plainStarts = (t: StartsTree): unknown => ({
      metrics: Object.fromEntries(t.metrics),
      children: Object.fromEntries([...t.children].map(([k, c]) => [k, plainStarts(c)])),
    });
    expect(plainStarts(lazy)).toEqual({
      metrics: { a: 600 },
      children: { s0: { metrics: { b: 660 }, children: {} }, s1: { metrics: { b: 720, c: 600 }, children: {} } },
    });
    // A file whose layout holds a series twice is checked in full every time.
    const twice = (first: number, second: number) => binWithTwinChildren(first, second);
    expect(startsInOrder([scanBinSnapshot(twice(60, 120)).table])).not.toBeNull();
    expect(startsInOrder([scanBinSnapshot(twice(120, 60)).table])).toBeNull();
  });

  it('repairs files whose series a later file starts earlier', () => {
    const roots = [level({ a: series(0, [1, 2, 3]) }), level({ a: series(180, [4]) }), level({ a: series(60, [9, 9, 9, 9]) })];
    expect(repairOrder(roots)).toEqual([0, 1]);
    expect(plain(roots[0])).toEqual(plain(level({ a: series(0, [1]) })));
    expect(plain(roots[1])).toEqual(plain(level()));
    expect(repairOrder([level({ a: series(0, [1]) }), level({ a: series(60, [1]) })])).toEqual([]);
  });
});

/** A .bin whose host has two children named s0, each with series b (starting at `first`, then `second`): no tree can say that. */
function binWithTwinChildren(first: number, second: number): Uint8Array {
  const parts: number[] = [];
  const u16 = (v: number) => parts.push(v & 255, v >> 8);
  const u32 = (v: number) => { for (let i = 0; i < 4; i++) parts.push((v >>> (8 * i)) & 255); };
  const i64 = (v: number) => { u32(v); u32(0); };
  const name = (n: string) => { u16(n.length); for (const ch of n) parts.push(ch.charCodeAt(0)); };
  u32(0xcc5b0001);
  i64(0);
  i64(0);
  u32(0); // host: no series
  u32(2);
  for (const start of [first, second]) {
    name('s0');
    u32(1);
    name('b');
    i64(60);
    i64(start);
    u32(1);
    u32(0x3f800000); // 1.0f
    u32(0);
  }
  return Uint8Array.from(parts);
}
