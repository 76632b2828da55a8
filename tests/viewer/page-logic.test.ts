import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { viewerAsset, VIEWER_DIR, VIEWER_FILES } from '../../src/viewer/assets.ts';
import { ALL_LEVELS, Catalog } from '../../src/viewer/catalog.ts';
import { chartData } from '../../src/viewer/chart-data.ts';
import { formatValue } from '../../src/viewer/format.ts';
import { detectKind, ownerFromPath } from '../../src/viewer/locate.ts';
import type { Series } from '../../src/viewer/series.ts';

const series = (path: string[], metric: string, start: number, values: number[], frequency = 60): Series => ({
  path,
  metric,
  frequency,
  start,
  values: Float32Array.from(values),
  sources: ['x'],
});

describe('chartData', () => {
  it('puts series of one grid on a shared time axis with null for every gap', () => {
    const data = chartData([series(['c', 'h'], 'm', 1000, [1, NaN]), series(['c', 'h', 's0'], 'm', 1060, [5, 6])]);
    expect(data).toEqual([
      [1000, 1060, 1120],
      [1, null, null],
      [null, 5, 6],
    ]);
  });

  it('joins the timestamps of series off one grid', () => {
    const data = chartData([series(['c', 'h'], 'm', 1000, [1, 2], 60), series(['c', 'h', 's0'], 'm', 1030, [7], 10)]);
    expect(data).toEqual([
      [1000, 1030, 1060],
      [1, null, 2],
      [null, 7, null],
    ]);
  });
});

describe('detectKind', () => {
  const magic = (m: number) => new Uint8Array(new Uint32Array([m]).buffer);
  it('knows a file by its magic number whatever its name', () => {
    expect(detectKind('x', magic(0xcc5b0001))).toBe('bin');
    expect(detectKind('x', magic(0xcc1da701))).toBe('wal');
    expect(detectKind('x', new TextEncoder().encode('PAR1....'))).toBe('parquet');
    expect(detectKind('x', new TextEncoder().encode(' \n{"from": 1}'))).toBe('json');
  });
  it('falls back to the name, and knows nothing else', () => {
    expect(detectKind('a.bin', new Uint8Array())).toBe('bin');
    expect(detectKind('notes.txt', new TextEncoder().encode('hello'))).toBeNull();
  });
});

describe('ownerFromPath', () => {
  it('reads cluster and host from <cluster>/<host>/<file>', () => {
    expect(ownerFromPath('checkpoints/fritz/f0201/1725620000.bin')).toEqual({ cluster: 'fritz', host: 'f0201' });
  });
  it('takes what the path does not name from what the user typed, else "unknown"', () => {
    expect(ownerFromPath('f0201/current.wal', { cluster: 'fritz' })).toEqual({ cluster: 'fritz', host: 'f0201' });
    expect(ownerFromPath('1725620000.bin', { cluster: ' ', host: 'h1' })).toEqual({ cluster: 'unknown', host: 'h1' });
  });
});

describe('formatValue', () => {
  it('prints a stored sample as the shortest decimal of its 32-bit float', () => {
    expect(formatValue(Math.fround(0.1))).toBe('0.1');
    expect(formatValue(Math.fround(1000.25))).toBe('1000.25');
    expect(formatValue(NaN)).toBe('—');
    expect(formatValue(null)).toBe('—');
  });
});

describe('Catalog', () => {
  it('lists clusters, hosts, levels and metrics in natural order and selects series', () => {
    const catalog = new Catalog();
    catalog.add([
      series(['c', 'h2'], 'load', 0, [1]),
      series(['c', 'h10'], 'load', 0, [1]),
      series(['c', 'h2', 'hwthread10'], 'user', 0, [1]),
      series(['c', 'h2', 'hwthread2'], 'user', 0, [2]),
    ]);
    expect(catalog.hosts('c')).toEqual(['h2', 'h10']);
    expect(catalog.levels('c', 'h2')).toEqual(['', 'hwthread2', 'hwthread10']);
    expect(catalog.metrics('c', 'h2', 'hwthread2')).toEqual(['user']);
    expect(catalog.select('c', 'h2', ALL_LEVELS, 'user').map((s) => s.path.at(-1))).toEqual(['hwthread2', 'hwthread10']);
  });
  it('joins a series continued by a later file', () => {
    const catalog = new Catalog();
    catalog.add([series(['c', 'h'], 'load', 0, [1])]);
    catalog.add([series(['c', 'h'], 'load', 60, [2])]);
    expect(catalog.size).toBe(1);
    const [joined] = catalog.select('c', 'h', '', 'load');
    expect(joined.runs.map((r) => [r.start, Array.from(r.values)])).toEqual([[0, [1, 2]]]);
  });
});

describe('viewerAsset', () => {
  it('maps the page and its files below build/viewer/, and nothing else', () => {
    expect(viewerAsset('')).toEqual({ file: new URL('index.html', VIEWER_DIR), contentType: 'text/html; charset=utf-8' });
    expect(viewerAsset('viewer.js')?.contentType).toBe('text/javascript; charset=utf-8');
    expect(viewerAsset('../engine.wasm')).toBeNull();
    expect(viewerAsset('constructor')).toBeNull();
    expect(fileURLToPath(VIEWER_DIR)).toBe(fileURLToPath(new URL('../../build/viewer/', import.meta.url)));
    expect(VIEWER_FILES).toEqual(['index.html', 'viewer.js', 'viewer.css', 'decoders.mjs']);
  });
});
