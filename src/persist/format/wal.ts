// The write-ahead log of one host (`current.wal`), byte-compatible with the Go
// store (cc-backend pkg/metricstore/walCheckpoint.go):
//
//   file    := u32 0xCC1DA701, record*
//   record  := u32 0xCC1DA7A1, u32 payloadLen, payload, u32 crc32(payload)
//   payload := i64 ts, u16 metricLen, metric, u8 nSelector, nSelector x (u8 len, name), f32 value
//
// The hot-path encoder lives in the WASM engine; the encoder here is for tests
// and tools. The decoder is incremental: feed it a file chunk by chunk and it
// hands back column batches, so a big log is replayed without one huge pass.
// A truncated or corrupt record ends the log quietly (an unclean shutdown);
// everything before it is kept.

import type { SampleColumns } from '../../engine/types.ts';
import { decodeName, encodeName } from './bytes.ts';
import { crc32 } from './crc32.ts';

export const WAL_FILE_MAGIC = 0xcc1da701;
export const WAL_RECORD_MAGIC = 0xcc1da7a1;
/** The Go reader refuses larger payloads; so do we. */
export const WAL_MAX_PAYLOAD = 1 << 20;
/** ts + metricLen + nSelector + value, with an empty name. */
const MIN_PAYLOAD = 8 + 2 + 1 + 4;
/** magic + length + crc around the payload. */
const RECORD_OVERHEAD = 12;

export interface WalSample {
  ts: number;
  metric: string;
  /** Level names below the host; [] is the host level. */
  path: readonly string[];
  value: number;
}

/** The 4 bytes a new log starts with. */
export function walFileHeader(): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, WAL_FILE_MAGIC, true);
  return out;
}

export function encodeWalRecord(sample: WalSample): Uint8Array {
  return encodeWalRecords([sample]);
}

/** Records (no file header) for `samples`, in order. */
export function encodeWalRecords(samples: Iterable<WalSample> | SampleColumns): Uint8Array {
  const list = isColumns(samples) ? columnsToSamples(samples) : [...samples];
  const names = new Map<string, Uint8Array>();
  const bytesOf = (s: string): Uint8Array => {
    let b = names.get(s);
    if (!b) names.set(s, (b = encodeName(s)));
    return b;
  };
  let size = 0;
  for (const s of list) size += RECORD_OVERHEAD + payloadSize(s, bytesOf);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const s of list) {
    const payloadLen = payloadSize(s, bytesOf);
    view.setUint32(at, WAL_RECORD_MAGIC, true);
    view.setUint32(at + 4, payloadLen, true);
    const p = at + 8;
    let q = p;
    const hi = Math.floor(s.ts / 0x1_0000_0000);
    view.setUint32(q, s.ts - hi * 0x1_0000_0000, true);
    view.setInt32(q + 4, hi, true);
    q += 8;
    const metric = bytesOf(s.metric);
    view.setUint16(q, metric.length, true);
    out.set(metric, q + 2);
    q += 2 + metric.length;
    out[q++] = s.path.length;
    for (const name of s.path) {
      const b = bytesOf(name);
      out[q++] = b.length;
      out.set(b, q);
      q += b.length;
    }
    view.setFloat32(q, s.value, true);
    q += 4;
    view.setUint32(q, crc32(out, p, q), true);
    at = q + 4;
  }
  return out;
}

function payloadSize(s: WalSample, bytesOf: (s: string) => Uint8Array): number {
  const metric = bytesOf(s.metric);
  if (metric.length > 0xffff) throw new RangeError(`WAL: metric name longer than 65535 bytes`);
  if (s.path.length > 0xff) throw new RangeError(`WAL: more than 255 levels below the host`);
  let size = MIN_PAYLOAD + metric.length;
  for (const name of s.path) {
    const len = bytesOf(name).length;
    if (len > 0xff) throw new RangeError(`WAL: level name longer than 255 bytes: ${name.slice(0, 40)}`);
    size += 1 + len;
  }
  if (!Number.isSafeInteger(s.ts)) throw new RangeError(`WAL: timestamp ${s.ts} is not an integer`);
  return size;
}

function isColumns(x: Iterable<WalSample> | SampleColumns): x is SampleColumns {
  return (x as SampleColumns).ts instanceof Float64Array;
}

function columnsToSamples(c: SampleColumns): WalSample[] {
  const out: WalSample[] = [];
  for (let i = 0; i < c.count; i++) {
    out.push({ ts: c.ts[i], metric: c.metrics[c.metric[i]], path: c.paths[c.path[i]], value: c.value[i] });
  }
  return out;
}

/** Why a log ended: its end, a record cut short at the end, a damaged record, or not a WAL at all. */
export type WalStop = 'end' | 'torn' | 'corrupt' | 'bad-header';

export interface WalDecodeResult {
  samples: SampleColumns;
  /** Bytes from the start of the file through the last good record (the length to keep). */
  validBytes: number;
  stop: WalStop;
  /** What was wrong, when `stop` is not 'end'. */
  reason?: string;
}

/** Decodes a whole log held in memory. */
export function decodeWal(bytes: Uint8Array): WalDecodeResult {
  const decoder = new WalDecoder();
  const samples = decoder.decode(bytes, true);
  return { samples, validBytes: decoder.validBytes, stop: decoder.stop!, reason: decoder.reason };
}

interface SeriesKey {
  bytes: Uint8Array;
  metric: number;
  path: number;
}

/**
 * Incremental WAL decoder. Call `decode(chunk, final)` with consecutive chunks of
 * one file; each call returns the samples of the records completed by that chunk.
 * `metrics` and `paths` grow across calls and are shared by every batch.
 */
export class WalDecoder {
  readonly metrics: string[] = [];
  readonly paths: string[][] = [];
  /** Offset (from the start of the file) just past the last good record. */
  validBytes = 0;
  /** Set once the log has ended. */
  stop: WalStop | undefined;
  reason: string | undefined;

  private headerDone = false;
  private pending: Uint8Array = new Uint8Array(0);
  private readonly metricIndex = new Map<string, number>();
  private readonly pathIndex = new Map<string, number>();
  private readonly keys = new Map<number, SeriesKey[]>();

  decode(chunk: Uint8Array, final = false): SampleColumns {
    let buf = chunk;
    if (this.pending.length > 0) {
      buf = new Uint8Array(this.pending.length + chunk.length);
      buf.set(this.pending);
      buf.set(chunk, this.pending.length);
    }
    this.pending = new Uint8Array(0);
    if (this.stop) return this.emptyBatch();

    let at = 0;
    if (!this.headerDone) {
      if (buf.length < 4) {
        if (final) this.end(buf.length === 0 ? 'end' : 'torn', 'file shorter than its header');
        else this.pending = buf.slice();
        return this.emptyBatch();
      }
      const magic = readU32(buf, 0);
      if (magic !== WAL_FILE_MAGIC) {
        this.end('bad-header', `bad file magic 0x${magic.toString(16).toUpperCase()} (expected 0xCC1DA701)`);
        return this.emptyBatch();
      }
      this.headerDone = true;
      this.validBytes = 4;
      at = 4;
    }

    const capacity = Math.floor((buf.length - at) / (RECORD_OVERHEAD + MIN_PAYLOAD));
    const ts = new Float64Array(capacity);
    const value = new Float32Array(capacity);
    const metric = new Uint32Array(capacity);
    const path = new Uint32Array(capacity);
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let count = 0;

    while (at < buf.length) {
      if (buf.length - at < 8) break;
      const magic = view.getUint32(at, true);
      if (magic !== WAL_RECORD_MAGIC) {
        this.end('corrupt', `bad record magic 0x${magic.toString(16).toUpperCase()} at byte ${this.validBytes}`);
        break;
      }
      const payloadLen = view.getUint32(at + 4, true);
      if (payloadLen < MIN_PAYLOAD || payloadLen > WAL_MAX_PAYLOAD) {
        this.end('corrupt', `impossible payload length ${payloadLen} at byte ${this.validBytes}`);
        break;
      }
      const recordLen = RECORD_OVERHEAD + payloadLen;
      if (buf.length - at < recordLen) break;
      const p = at + 8;
      const pEnd = p + payloadLen;
      if (crc32(buf, p, pEnd) !== view.getUint32(pEnd, true)) {
        this.end('corrupt', `CRC mismatch in the record at byte ${this.validBytes}`);
        break;
      }
      const valueAt = this.valueOffset(buf, p, pEnd);
      if (valueAt < 0) {
        this.end('corrupt', `malformed payload in the record at byte ${this.validBytes}`);
        break;
      }
      const key = this.seriesKey(buf, p + 8, valueAt);
      ts[count] = readI64(view, p);
      value[count] = view.getFloat32(valueAt, true);
      metric[count] = key.metric;
      path[count] = key.path;
      count++;
      at += recordLen;
      this.validBytes += recordLen;
    }

    if (!this.stop && at < buf.length) {
      if (final) this.end('torn', `the last record (at byte ${this.validBytes}) is cut short`);
      else this.pending = buf.slice(at);
    } else if (!this.stop && final) {
      this.end('end');
    }
    return {
      count,
      ts: ts.subarray(0, count),
      value: value.subarray(0, count),
      metric: metric.subarray(0, count),
      metrics: this.metrics,
      path: path.subarray(0, count),
      paths: this.paths,
    };
  }

  private end(stop: WalStop, reason?: string): void {
    this.stop = stop;
    this.reason = stop === 'end' ? undefined : reason;
  }

  private emptyBatch(): SampleColumns {
    return {
      count: 0,
      ts: new Float64Array(0),
      value: new Float32Array(0),
      metric: new Uint32Array(0),
      metrics: this.metrics,
      path: new Uint32Array(0),
      paths: this.paths,
    };
  }

  /** Where the f32 value sits (after the selectors, as Go reads it), or -1 if the payload is malformed. */
  private valueOffset(buf: Uint8Array, p: number, pEnd: number): number {
    let q = p + 8;
    const metricLen = buf[q] | (buf[q + 1] << 8);
    q += 2 + metricLen;
    if (q >= pEnd) return -1;
    const nSel = buf[q++];
    for (let i = 0; i < nSel; i++) {
      if (q >= pEnd) return -1;
      q += 1 + buf[q];
    }
    return q + 4 <= pEnd ? q : -1;
  }

  /** Metric and path indices of the name bytes `buf[start, end)`, interned by content. */
  private seriesKey(buf: Uint8Array, start: number, end: number): SeriesKey {
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i], 0x01000193);
    let bucket = this.keys.get(h);
    if (bucket) {
      for (const k of bucket) if (sameBytes(k.bytes, buf, start, end)) return k;
    } else {
      bucket = [];
      this.keys.set(h, bucket);
    }
    const key = this.newKey(buf, start, end);
    bucket.push(key);
    return key;
  }

  private newKey(buf: Uint8Array, start: number, end: number): SeriesKey {
    const metricLen = buf[start] | (buf[start + 1] << 8);
    const metricName = decodeName(buf, start + 2, start + 2 + metricLen);
    let q = start + 2 + metricLen;
    const nSel = buf[q++];
    const names: string[] = [];
    for (let i = 0; i < nSel; i++) {
      const len = buf[q++];
      names.push(decodeName(buf, q, q + len));
      q += len;
    }
    let m = this.metricIndex.get(metricName);
    if (m === undefined) {
      m = this.metrics.length;
      this.metrics.push(metricName);
      this.metricIndex.set(metricName, m);
    }
    const pathKey = `${names.length}\u0000${names.join('\u0000')}`;
    let pIdx = this.pathIndex.get(pathKey);
    if (pIdx === undefined) {
      pIdx = this.paths.length;
      this.paths.push(names);
      this.pathIndex.set(pathKey, pIdx);
    }
    return { bytes: buf.slice(start, end), metric: m, path: pIdx };
  }
}

function sameBytes(a: Uint8Array, buf: Uint8Array, start: number, end: number): boolean {
  if (a.length !== end - start) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== buf[start + i]) return false;
  return true;
}

function readU32(buf: Uint8Array, at: number): number {
  return (buf[at] | (buf[at + 1] << 8) | (buf[at + 2] << 16) | (buf[at + 3] << 24)) >>> 0;
}

function readI64(view: DataView, at: number): number {
  return view.getInt32(at + 4, true) * 0x1_0000_0000 + view.getUint32(at, true);
}
