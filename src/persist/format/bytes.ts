// Small byte helpers shared by the binary codecs. Names in the formats are short
// (metric and level names) and repeat, so a small cache and an ASCII fast path
// beat TextDecoder's call cost.

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

/** True on every platform we know of; the codecs fall back to DataView otherwise. */
export const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A malformed file: says which format, where and what. */
export class FormatError extends Error {
  constructor(
    readonly format: string,
    readonly offset: number,
    detail: string,
  ) {
    super(`${format}: ${detail} (at byte ${offset})`);
    this.name = 'FormatError';
  }
}

// Recently decoded short names, direct-mapped by a hash of their bytes: a
// snapshot repeats the same few metric and level names hundreds of times per
// host, and restore looks every one of them up.
const CACHE_SLOTS = 1024;
const CACHED_MAX = 32;
const cachedBytes: Array<Uint8Array | undefined> = new Array(CACHE_SLOTS);
const cachedText: string[] = new Array(CACHE_SLOTS).fill('');

export function decodeName(bytes: Uint8Array, start: number, end: number): string {
  const length = end - start;
  if (length > CACHED_MAX) return utf8Decoder.decode(bytes.subarray(start, end));
  let hash = length;
  let ascii = true;
  for (let i = start; i < end; i++) {
    const b = bytes[i];
    if (b >= 0x80) ascii = false;
    hash = Math.imul(hash ^ b, 0x01000193);
  }
  const slot = (hash ^ (hash >>> 16)) & (CACHE_SLOTS - 1);
  const known = cachedBytes[slot];
  if (known !== undefined && known.length === length) {
    let same = true;
    for (let i = 0; i < length; i++) {
      if (known[i] !== bytes[start + i]) {
        same = false;
        break;
      }
    }
    if (same) return cachedText[slot];
  }
  let text = '';
  if (ascii) for (let i = start; i < end; i++) text += String.fromCharCode(bytes[i]);
  else text = utf8Decoder.decode(bytes.subarray(start, end));
  cachedBytes[slot] = bytes.slice(start, end);
  cachedText[slot] = text;
  return text;
}

export function encodeName(name: string): Uint8Array {
  return utf8Encoder.encode(name);
}

/** A Float32Array holding a copy of `byteLength` bytes at `offset` (any alignment). */
export function copyFloat32s(bytes: Uint8Array, offset: number, count: number): Float32Array {
  if (LITTLE_ENDIAN_HOST) {
    const start = bytes.byteOffset + offset;
    return new Float32Array(bytes.buffer.slice(start, start + count * 4));
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * 4);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** Writes `values` as little-endian f32 into `out` at `offset`. */
export function putFloat32s(out: Uint8Array, offset: number, values: Float32Array): void {
  if (LITTLE_ENDIAN_HOST) {
    out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), offset);
    return;
  }
  const view = new DataView(out.buffer, out.byteOffset + offset, values.byteLength);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
}

/** Reads an int64 that must be an exact JS number (timestamps, frequencies). */
export function getSafeInt64(view: DataView, offset: number, format: string, what: string): number {
  const lo = view.getUint32(offset, true);
  const hi = view.getInt32(offset + 4, true);
  const value = hi * 0x1_0000_0000 + lo;
  if (!Number.isSafeInteger(value)) throw new FormatError(format, offset, `${what} does not fit a safe integer`);
  return value;
}

export function putInt64(view: DataView, offset: number, value: number): void {
  const hi = Math.floor(value / 0x1_0000_0000);
  view.setUint32(offset, value - hi * 0x1_0000_0000, true);
  view.setInt32(offset + 4, hi, true);
}
