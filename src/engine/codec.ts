// The byte layouts the engine reads (paths, query commands, checkpoint tables,
// WAL columns) and the ones it answers with (listings, exported trees).
// Little endian throughout; see the matching comments in assembly/.
import type { LevelData, QuerySpec, SampleColumns, SeriesTable } from './types.ts';
import { withDeviceLevel } from './device-query.ts';
import { idBytesOf } from './id-bytes.ts';
import { utf8 } from './shard.ts';

/** The bytes of `parts` one after the other (the part itself when there is one). */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A growable little-endian byte writer. */
export class ByteWriter {
  buf: Uint8Array;
  view: DataView;
  pos = 0;

  constructor(size = 256) {
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.room(1);
    this.buf[this.pos++] = v;
  }
  u16(v: number): void {
    this.room(2);
    this.view.setUint16(this.pos, v, true);
    this.pos += 2;
  }
  u32(v: number): void {
    this.room(4);
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
  }
  f64(v: number): void {
    this.room(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }
  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  /** u16 length + UTF-8 bytes (cut at 65535 bytes). */
  str16(s: string | Uint8Array): void {
    if (typeof s === 'string' && s.length < 256 && this.ascii16(s)) return;
    const b = typeof s === 'string' ? utf8(s) : s;
    const n = Math.min(b.length, 0xffff);
    this.u16(n);
    this.bytes(b.subarray(0, n));
  }
  /** str16 of a short ASCII string without a TextEncoder (names in queries are); false for other strings. */
  private ascii16(s: string): boolean {
    this.room(2 + s.length);
    const buf = this.buf;
    const at = this.pos + 2;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) return false;
      buf[at + i] = c;
    }
    // The length (below 256 here) as u16, two bytes: no DataView call.
    buf[this.pos] = s.length;
    buf[this.pos + 1] = 0;
    this.pos = at + s.length;
    return true;
  }

  /**
   * str16 of each of `list` (a String() of what is not a string), the same
   * bytes: the 72 ids of a node's hwthreads are short ASCII strings, written
   * here with one room() and a local position instead of 72 calls.
   */
  strs16(list: readonly unknown[]): void {
    let size = 0;
    for (let k = 0; k < list.length; k++) {
      const s = list[k];
      if (typeof s !== 'string' || s.length >= 256) return this.eachStr16(list, 0);
      size += 2 + s.length;
    }
    this.room(size);
    const buf = this.buf;
    let p = this.pos;
    for (let k = 0; k < list.length; k++) {
      const s = list[k] as string;
      const start = p;
      // The length (below 256) as u16, two bytes.
      buf[p] = s.length;
      buf[p + 1] = 0;
      p += 2;
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) {
          // Not ASCII: this one and the rest as str16 writes them (UTF-8).
          this.pos = start;
          return this.eachStr16(list, k);
        }
        buf[p++] = c;
      }
    }
    this.pos = p;
  }
  private eachStr16(list: readonly unknown[], from: number): void {
    for (let k = from; k < list.length; k++) this.str16(stringOf(list[k]));
  }

  /** u8 length + UTF-8 bytes (cut at 255 bytes). */
  str8(s: string): void {
    const b = utf8(s);
    const n = Math.min(b.length, 0xff);
    this.u8(n);
    this.bytes(b.subarray(0, n));
  }
  align(n: number): void {
    while (this.pos % n !== 0) this.u8(0);
  }
  result(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

function stringOf(x: unknown): string {
  return typeof x === 'string' ? x : String(x);
}

/** A path of level names: u8 count, count x (u16 len, name). */
export function encodePath(w: ByteWriter, names: readonly string[]): void {
  w.u8(Math.min(names.length, 255));
  for (const n of names.slice(0, 255)) w.str16(n);
}

/** Timestamps and other whole numbers as the engine takes them: integers within ±2^53. */
export function wholeNumber(x: unknown): number {
  const n = typeof x === 'number' ? x : Number(x);
  if (!Number.isFinite(n)) return 0;
  const t = Math.trunc(n);
  return Math.max(-Number.MAX_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, t));
}

/** encodeQuery's writer; it keeps what it grew to (one query's selectors) up to KEEP_QUERY_WRITER bytes. */
let queryWriter = new ByteWriter(4096);
const KEEP_QUERY_WRITER = 1 << 20;

export interface QueryHeader {
  from: number;
  to: number;
  withStats: boolean;
  withData: boolean;
  withPadding: boolean;
  cluster: string;
}

/**
 * The query command of assembly/query.ts for the queries (with their row
 * numbers) one shard answers. The bytes are a view of a writer kept from one
 * call to the next (a new buffer and DataView per query cost more than the
 * encoding): valid until the next call, which is why answerOnShard copies them
 * into the shard before anything else runs.
 */
export function encodeQuery(h: QueryHeader, rows: Array<[number, QuerySpec]>): Uint8Array {
  const w = queryWriter;
  w.pos = 0;
  w.f64(wholeNumber(h.from));
  w.f64(wholeNumber(h.to));
  w.u32((h.withStats ? 1 : 0) | (h.withData ? 2 : 0) | (h.withPadding ? 4 : 0));
  w.str16(h.cluster);
  w.u32(rows.length);
  for (const [row, spec] of rows) {
    const q = withDeviceLevel(spec);
    w.u32(row);
    w.str16(String(q.metric ?? ''));
    w.str16(String(q.host ?? ''));
    const type = q.type ?? null;
    w.u8(type === null ? 0 : 1);
    if (type !== null) w.str16(String(type));
    const typeIds = q['type-ids'] ?? [];
    w.u32(typeIds.length);
    writeIds(w, typeIds);
    const subtype = q.subtype ?? null;
    w.u8(subtype === null ? 0 : 1);
    if (subtype !== null) w.str16(String(subtype));
    const subIds = q['subtype-ids'] ?? [];
    w.u32(subIds.length);
    writeIds(w, subIds);
    w.f64(wholeNumber(q.resolution ?? 0));
    const scale = Number(q['scale-by'] ?? 0);
    w.f64(Number.isFinite(scale) ? scale : 0);
    w.u8(q.aggreg ? 1 : 0);
  }
  const command = w.result();
  if (w.buf.length > KEEP_QUERY_WRITER) queryWriter = new ByteWriter(4096);
  return command;
}

/**
 * str16 of each id: the bytes the body parser made for the list when it
 * registered them (id-bytes.ts), else written from the strings (ids are
 * strings but for a caller of the engine that passes numbers: String() then).
 */
function writeIds(w: ByteWriter, ids: readonly unknown[]): void {
  const bytes = idBytesOf(ids);
  if (bytes) w.bytes(bytes);
  else w.strs16(ids);
}

/** A checkpoint tree as a SeriesTable (see types.ts): names and values packed into one buffer. */
export function seriesTableOf(root: LevelData): SeriesTable {
  const names = new Map<string, Uint8Array>();
  const nameBytes = (name: string): Uint8Array => {
    let b = names.get(name);
    if (!b) names.set(name, (b = utf8(name)));
    return b;
  };
  let levels = 0;
  let series = 0;
  let size = 0;
  const count = (level: LevelData): void => {
    for (const [name, s] of level.metrics) {
      series++;
      size += nameBytes(name).length + s.values.length * 4;
    }
    for (const [name, child] of level.children) {
      levels++;
      size += nameBytes(name).length;
      count(child);
    }
  };
  count(root);
  const bytes = new Uint8Array(size);
  const t: SeriesTable = {
    bytes,
    levelParent: new Int32Array(levels),
    levelNameAt: new Uint32Array(levels),
    levelNameLength: new Uint32Array(levels),
    seriesLevel: new Int32Array(series),
    seriesNameAt: new Uint32Array(series),
    seriesNameLength: new Uint32Array(series),
    frequency: new Float64Array(series),
    start: new Float64Array(series),
    valuesAt: new Uint32Array(series),
    valueCount: new Uint32Array(series),
  };
  let at = 0;
  let li = 0;
  let si = 0;
  const fill = (level: LevelData, self: number): void => {
    for (const [name, s] of level.metrics) {
      const b = nameBytes(name);
      bytes.set(b, at);
      t.seriesLevel[si] = self;
      t.seriesNameAt[si] = at;
      t.seriesNameLength[si] = b.length;
      at += b.length;
      t.frequency[si] = s.frequency;
      t.start[si] = s.start;
      t.valuesAt[si] = at;
      t.valueCount[si] = s.values.length;
      // The engine is little-endian, as is every host it runs on.
      bytes.set(new Uint8Array(s.values.buffer, s.values.byteOffset, s.values.byteLength), at);
      at += s.values.byteLength;
      si++;
    }
    for (const [name, child] of level.children) {
      const b = nameBytes(name);
      const index = li++;
      bytes.set(b, at);
      t.levelParent[index] = self;
      t.levelNameAt[index] = at;
      t.levelNameLength[index] = b.length;
      at += b.length;
      fill(child, index);
    }
  };
  fill(root, -1);
  return t;
}

export interface ColumnLayout {
  data: Uint8Array;
  header: number;
  ts: number;
  value: number;
  metric: number;
  path: number;
}

/** Replay columns for assembly/load.ts writeColumns; cluster and host first. */
export function encodeColumns(cluster: Uint8Array, host: Uint8Array, s: SampleColumns): ColumnLayout {
  const w = new ByteWriter(64 + s.count * 24);
  w.bytes(cluster);
  w.bytes(host);
  w.align(4);
  const header = w.pos;
  w.u32(s.count);
  w.u32(s.metrics.length);
  for (const m of s.metrics) w.str16(m);
  w.u32(s.paths.length);
  for (const p of s.paths) {
    w.u8(Math.min(p.length, 255));
    for (const name of p.slice(0, 255)) w.str16(name);
  }
  w.align(8);
  const ts = w.pos;
  w.bytes(new Uint8Array(s.ts.buffer, s.ts.byteOffset, s.count * 8));
  const value = w.pos;
  w.bytes(new Uint8Array(s.value.buffer, s.value.byteOffset, s.count * 4));
  const metric = w.pos;
  w.bytes(new Uint8Array(s.metric.buffer, s.metric.byteOffset, s.count * 4));
  const path = w.pos;
  w.bytes(new Uint8Array(s.path.buffer, s.path.byteOffset, s.count * 4));
  return { data: w.result(), header, ts, value, metric, path };
}

const decoder = new TextDecoder();

/** u32 count, (u16 len, name)* */
export function decodeNames(b: Uint8Array): string[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const n = v.getUint32(0, true);
  const out: string[] = new Array(n);
  let p = 4;
  for (let i = 0; i < n; i++) {
    const len = v.getUint16(p, true);
    out[i] = decoder.decode(b.subarray(p + 2, p + 2 + len));
    p += 2 + len;
  }
  return out;
}

/** u32 count, (u16 len, cluster, u16 len, host)* */
export function decodeHostPairs(b: Uint8Array): Array<[string, string]> {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const n = v.getUint32(0, true);
  const out: Array<[string, string]> = new Array(n);
  let p = 4;
  for (let i = 0; i < n; i++) {
    const cl = v.getUint16(p, true);
    const c = decoder.decode(b.subarray(p + 2, p + 2 + cl));
    p += 2 + cl;
    const hl = v.getUint16(p, true);
    const h = decoder.decode(b.subarray(p + 2, p + 2 + hl));
    p += 2 + hl;
    out[i] = [c, h];
  }
  return out;
}
