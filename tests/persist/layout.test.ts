import { describe, expect, it } from 'vitest';
import { parseCheckpointName, selectCleanupFiles, selectRestoreFiles, sortCheckpoints } from '../../src/persist/layout.ts';
import { ConfigError, parseDuration, resolveSettings } from '../../src/persist/config.ts';
import { repairOrder, trimBelow } from '../../src/persist/series-starts.ts';
import { level, plain, series } from '../support/levels.ts';

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

describe('config', () => {
  it('parses Go durations', () => {
    expect(parseDuration('48h', 'k')).toBe(172800);
    expect(parseDuration('1h30m', 'k')).toBe(5400);
    expect(parseDuration('1.5h', 'k')).toBe(5400);
    expect(parseDuration('90s', 'k')).toBe(90);
    expect(parseDuration('500ms', 'k')).toBe(0.5);
    expect(parseDuration('0', 'k')).toBe(0);
    expect(() => parseDuration('48', 'retention-in-memory')).toThrow(/retention-in-memory: invalid duration "48"/);
    expect(() => parseDuration('2d', 'k')).toThrow(ConfigError);
  });

  it('reads the reference config section with Go defaults', () => {
    const s = resolveSettings({
      checkpoints: { 'file-format': 'wal', directory: './var/checkpoints' },
      'checkpoint-interval': '12h',
      'memory-cap': 100,
      'retention-in-memory': '48h',
      cleanup: { mode: 'archive', directory: './var/archive' },
    });
    expect(s).toMatchObject({
      format: 'wal',
      checkpointDir: './var/checkpoints',
      retention: 172800,
      checkpointInterval: 43200,
      memoryCapBytes: 100e9,
      cleanupMode: 'archive',
      archiveDir: './var/archive',
      maxWalBytes: 0,
    });
    expect(resolveSettings({ 'retention-in-memory': '1h' })).toMatchObject({ format: 'wal', checkpointDir: './var/checkpoints', checkpointInterval: 43200, cleanupMode: 'delete', memoryCapBytes: 0 });
    expect(() => resolveSettings({ 'retention-in-memory': '1h', cleanup: { mode: 'archive' } })).toThrow(/cleanup.directory/);
    expect(() => resolveSettings({ 'retention-in-memory': '1h', checkpoints: { 'file-format': 'avro' as 'wal' } })).toThrow(/file-format/);
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

  it('repairs files whose series a later file starts earlier', () => {
    const roots = [level({ a: series(0, [1, 2, 3]) }), level({ a: series(180, [4]) }), level({ a: series(60, [9, 9, 9, 9]) })];
    expect(repairOrder(roots)).toEqual([0, 1]);
    expect(plain(roots[0])).toEqual(plain(level({ a: series(0, [1]) })));
    expect(plain(roots[1])).toEqual(plain(level()));
    expect(repairOrder([level({ a: series(0, [1]) }), level({ a: series(60, [1]) })])).toEqual([]);
  });
});
