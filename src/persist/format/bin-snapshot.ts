// Binary snapshots (`<from>.bin`, file-format "wal"), byte-compatible with the
// Go store (cc-backend pkg/metricstore/walCheckpoint.go):
//
//   u32 magic 0xCC5B0001, i64 from, i64 to, level
//   level := u32 nMetrics,
//            nMetrics x (u16 nameLen, name, i64 frequency, i64 start, u32 n, n x f32),
//            u32 nChildren,
//            nChildren x (u16 nameLen, name, level)
//
// All little-endian. Values are copied as whole byte runs (no per-value calls):
// restore speed is bounded by memcpy, not by this decoder.

import type { LevelData, SeriesData } from '../../engine/types.ts';
import { FormatError, LITTLE_ENDIAN_HOST, copyFloat32s, decodeName, encodeName, getSafeInt64, putFloat32s, putInt64 } from './bytes.ts';
import type { CheckpointFile } from './checkpoint-file.ts';

export const BIN_SNAPSHOT_MAGIC = 0xcc5b0001;
/** Bytes before the host level: magic, from, to. */
export const BIN_HEADER_SIZE = 20;
const FORMAT = 'binary snapshot';
const MAX_NAME = 0xffff;

export function encodeBinSnapshot(file: CheckpointFile): Uint8Array {
  const names = new Map<string, Uint8Array>();
  const nameBytes = (name: string): Uint8Array => {
    let b = names.get(name);
    if (!b) {
      b = encodeName(name);
      if (b.length > MAX_NAME) throw new RangeError(`${FORMAT}: name longer than ${MAX_NAME} bytes: ${name.slice(0, 40)}...`);
      names.set(name, b);
    }
    return b;
  };
  const size = BIN_HEADER_SIZE + levelSize(file.root, nameBytes);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, BIN_SNAPSHOT_MAGIC, true);
  putInt64(view, 4, file.from);
  putInt64(view, 12, file.to);
  const end = writeLevel(out, view, BIN_HEADER_SIZE, file.root, nameBytes);
  if (end !== size) throw new Error(`${FORMAT}: size mismatch ${end} != ${size}`);
  return out;
}

function levelSize(level: LevelData, nameBytes: (n: string) => Uint8Array): number {
  let size = 8;
  for (const [name, series] of level.metrics) size += 2 + nameBytes(name).length + 20 + series.values.length * 4;
  for (const [name, child] of level.children) size += 2 + nameBytes(name).length + levelSize(child, nameBytes);
  return size;
}

function writeLevel(out: Uint8Array, view: DataView, at: number, level: LevelData, nameBytes: (n: string) => Uint8Array): number {
  view.setUint32(at, level.metrics.size, true);
  at += 4;
  for (const [name, series] of level.metrics) {
    at = writeName(out, view, at, nameBytes(name));
    putInt64(view, at, series.frequency);
    putInt64(view, at + 8, series.start);
    view.setUint32(at + 16, series.values.length, true);
    at += 20;
    putFloat32s(out, at, series.values);
    at += series.values.length * 4;
  }
  view.setUint32(at, level.children.size, true);
  at += 4;
  for (const [name, child] of level.children) {
    at = writeName(out, view, at, nameBytes(name));
    at = writeLevel(out, view, at, child, nameBytes);
  }
  return at;
}

function writeName(out: Uint8Array, view: DataView, at: number, name: Uint8Array): number {
  view.setUint16(at, name.length, true);
  out.set(name, at + 2);
  return at + 2 + name.length;
}

/** `from` and `to` of a snapshot, from its first 20 bytes. */
export function readBinSnapshotHeader(bytes: Uint8Array): { from: number; to: number } {
  if (bytes.length < BIN_HEADER_SIZE) throw new FormatError(FORMAT, bytes.length, 'file shorter than its header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, true);
  if (magic !== BIN_SNAPSHOT_MAGIC) {
    throw new FormatError(FORMAT, 0, `bad magic 0x${magic.toString(16).toUpperCase()} (expected 0xCC5B0001)`);
  }
  return { from: getSafeInt64(view, 4, FORMAT, 'from'), to: getSafeInt64(view, 12, FORMAT, 'to') };
}

/** Reads a whole snapshot (ours or the Go store's); throws a FormatError on truncation or garbage. */
export function decodeBinSnapshot(bytes: Uint8Array): CheckpointFile {
  const { from, to } = readBinSnapshotHeader(bytes);
  // First pass: validate the structure and count the values, so that every
  // series becomes a view into one allocation (one memcpy per series, no
  // per-series buffer for the garbage collector to track).
  const counter = new LevelReader(bytes, null);
  counter.scan(BIN_HEADER_SIZE, 0);
  const reader = new LevelReader(bytes, LITTLE_ENDIAN_HOST ? new Float32Array(counter.values) : null);
  // Bytes after the host level are ignored, as the Go loader ignores them.
  return { from, to, root: reader.level(BIN_HEADER_SIZE, 0) };
}

// Deeper trees than this are not a host; the limit keeps a corrupt file from
// exhausting the stack.
const MAX_DEPTH = 64;

class LevelReader {
  readonly view: DataView;
  end = 0;
  /** Values seen so far (the first pass counts them). */
  values = 0;
  private readonly pool8: Uint8Array | null;

  /** Without a `pool`, each series gets a buffer of its own. */
  constructor(
    readonly bytes: Uint8Array,
    private readonly pool: Float32Array | null,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pool8 = pool ? new Uint8Array(pool.buffer) : null;
  }

  private series(at: number, n: number): Float32Array {
    if (!this.pool || !this.pool8) return copyFloat32s(this.bytes, at, n);
    const first = this.values;
    this.pool8.set(this.bytes.subarray(at, at + n * 4), first * 4);
    return this.pool.subarray(first, first + n);
  }

  private need(at: number, n: number, what: string): void {
    if (at + n > this.bytes.length) throw new FormatError(FORMAT, at, `truncated while reading ${what}`);
  }

  private name(at: number, what: string): [string, number] {
    this.need(at, 2, `${what} length`);
    const len = this.view.getUint16(at, true);
    this.need(at + 2, len, what);
    return [decodeName(this.bytes, at + 2, at + 2 + len), at + 2 + len];
  }

  /** Walks a level without building it: checks the bounds and counts the values. Returns its end. */
  scan(at: number, depth: number): number {
    if (depth > MAX_DEPTH) throw new FormatError(FORMAT, at, `levels nested deeper than ${MAX_DEPTH}`);
    const view = this.view;
    this.need(at, 4, 'metric count');
    const nMetrics = view.getUint32(at, true);
    at += 4;
    for (let i = 0; i < nMetrics; i++) {
      this.need(at, 2, 'metric name length');
      at += 2 + view.getUint16(at, true);
      this.need(at, 20, 'metric header');
      const n = view.getUint32(at + 16, true);
      at += 20;
      this.need(at, n * 4, `${n} values`);
      this.values += n;
      at += n * 4;
    }
    this.need(at, 4, 'child count');
    const nChildren = view.getUint32(at, true);
    at += 4;
    for (let i = 0; i < nChildren; i++) {
      this.need(at, 2, 'child name length');
      at += 2 + view.getUint16(at, true);
      at = this.scan(at, depth + 1);
    }
    return at;
  }

  level(at: number, depth: number): LevelData {
    if (depth > MAX_DEPTH) throw new FormatError(FORMAT, at, `levels nested deeper than ${MAX_DEPTH}`);
    const metrics = new Map<string, SeriesData>();
    const children = new Map<string, LevelData>();
    this.need(at, 4, 'metric count');
    const nMetrics = this.view.getUint32(at, true);
    at += 4;
    for (let i = 0; i < nMetrics; i++) {
      let name: string;
      [name, at] = this.name(at, 'metric name');
      this.need(at, 20, `header of metric ${name}`);
      const frequency = getSafeInt64(this.view, at, FORMAT, `frequency of ${name}`);
      const start = getSafeInt64(this.view, at + 8, FORMAT, `start of ${name}`);
      const n = this.view.getUint32(at + 16, true);
      at += 20;
      this.need(at, n * 4, `${n} values of metric ${name}`);
      metrics.set(name, { frequency, start, values: this.series(at, n) });
      this.values += n;
      at += n * 4;
    }
    this.need(at, 4, 'child count');
    const nChildren = this.view.getUint32(at, true);
    at += 4;
    for (let i = 0; i < nChildren; i++) {
      let name: string;
      [name, at] = this.name(at, 'child name');
      children.set(name, this.level(at, depth + 1));
      at = this.end;
    }
    this.end = at;
    return { metrics, children };
  }
}
