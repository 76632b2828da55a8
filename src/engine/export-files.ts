// A host's export (assembly/persist.ts exportLevel) as the checkpoint files it
// is written to. A series with gaps comes as several pieces in time order; a
// file holds at most one entry per series (the Go loader reads a file's
// metrics into a map by name), so piece k of a series goes into its own file.
// The pieces are aligned at the end: the newest piece of every series is in
// the last file, the one before it in the file before, and so on. The last
// file therefore holds all of every series without gaps, and the files, loaded
// in order, continue every series in time order (docs/format/checkpoints.md).

import type { LevelData, SeriesData } from './types.ts';

interface PieceLevel {
  metrics: Map<string, SeriesData[]>;
  children: Map<string, PieceLevel>;
}

const decoder = new TextDecoder();

/** Values are copied out of engine memory. An export without any series gives no file. */
export function decodeExportFiles(b: Uint8Array, metricNames: readonly string[]): LevelData[] {
  let most = 0;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let p = 0;
  const level = (): PieceLevel => {
    const metrics = new Map<string, SeriesData[]>();
    const ns = v.getUint32(p, true);
    p += 4;
    for (let i = 0; i < ns; i++) {
      const metric = v.getUint32(p, true);
      const n = v.getUint32(p + 4, true);
      const start = v.getFloat64(p + 8, true);
      const frequency = v.getFloat64(p + 16, true);
      p += 24;
      const values = new Float32Array(n);
      new Uint8Array(values.buffer).set(b.subarray(p, p + n * 4));
      p += n * 4;
      const name = metricNames[metric];
      let pieces = metrics.get(name);
      if (!pieces) metrics.set(name, (pieces = []));
      pieces.push({ frequency, start, values });
      if (pieces.length > most) most = pieces.length;
    }
    const children = new Map<string, PieceLevel>();
    const nc = v.getUint32(p, true);
    p += 4;
    for (let i = 0; i < nc; i++) {
      const len = v.getUint16(p, true);
      const name = decoder.decode(b.subarray(p + 2, p + 2 + len));
      p += 2 + len;
      children.set(name, level());
    }
    return { metrics, children };
  };
  const root = level();
  return Array.from({ length: most }, (_, k) => fileOf(root, k, most));
}

/**
 * File `k` of `count`: the pieces that end-alignment puts there. The last
 * file keeps every level, as a single-file export always did; the others only
 * the levels that hold something in them.
 */
function fileOf(level: PieceLevel, k: number, count: number): LevelData {
  const metrics = new Map<string, SeriesData>();
  for (const [name, pieces] of level.metrics) {
    const at = k - (count - pieces.length);
    if (at >= 0) metrics.set(name, pieces[at]);
  }
  const children = new Map<string, LevelData>();
  for (const [name, child] of level.children) {
    const c = fileOf(child, k, count);
    if (k === count - 1 || c.metrics.size > 0 || c.children.size > 0) children.set(name, c);
  }
  return { metrics, children };
}
