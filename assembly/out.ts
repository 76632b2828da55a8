// The response buffer every answer is written into, and the numbers and
// strings of our JSON (floats: see f32-format.ts).
import { freeScratch, grownScratchCap, growScratch } from "./alloc";
import { copySmall } from "./bytes";
import { decimalLength, putDigits } from "./digits";
import { formatF32, formatF32Inline } from "./f32-format";

export let outPtr: usize = 0;
export let outLen: usize = 0;
let outCap: usize = 0;
/** Set when the buffer could not grow; the answer is then incomplete and must be refused. */
export let outFailed: bool = false;

export function setOutLen(n: usize): void {
  outLen = n;
}

/**
 * The response buffer keeps its capacity up to this from one answer to the
 * next: query answers come in steps of about 1 MiB (query-step.ts), and what
 * a larger answer (a debug dump of everything, a large host's export) grew it
 * to is given back when the next answer starts, so it can serve another
 * buffer of its size class instead of staying with this one for good.
 */
const OUT_KEEP: usize = 8 << 20;

export function outReset(): void {
  if (outCap > OUT_KEEP) {
    freeScratch(outPtr, outCap);
    outPtr = 0;
    outCap = 0;
  }
  outLen = 0;
  outFailed = false;
}

/** Makes room for n more bytes; false (and outFailed) when memory runs out. */
export function outReserve(n: usize): bool {
  if (outLen + n <= outCap) return true;
  const p = growScratch(outPtr, outCap, outLen, outLen + n, 4096);
  if (p == 0) {
    outFailed = true;
    return false;
  }
  outPtr = p;
  outCap = grownScratchCap;
  return true;
}

// @ts-ignore: decorator
@inline export function putByte(b: u8): void {
  store<u8>(outPtr + outLen, b);
  outLen++;
}

export function writeByte(b: u8): void {
  if (!outReserve(1)) return;
  putByte(b);
}

export function writeBytes(ptr: usize, len: usize): void {
  if (!outReserve(len)) return;
  memory.copy(outPtr + outLen, ptr, len);
  outLen += len;
}

/** Writes a static ASCII string literal. */
export function writeAscii(s: string): void {
  const len = <usize>s.length;
  if (!outReserve(len)) return;
  for (let i: usize = 0; i < len; i++) store<u8>(outPtr + outLen + i, <u8>s.charCodeAt(<i32>i));
  outLen += len;
}

export function writeU64(v: u64): void {
  if (!outReserve(20)) return;
  const len = decimalLength(v);
  putDigits(outPtr + outLen, v, len);
  outLen += <usize>len;
}

export function writeI64(v: i64): void {
  if (!outReserve(21)) return;
  if (v < 0) {
    putByte(45);
    writeU64(<u64>(-v));
  } else {
    writeU64(<u64>v);
  }
}

/** formatF32 at the end of the response; 24 bytes must be reserved. */
export function putF32(x: f32): void {
  outLen = formatF32(outPtr + outLen, x) - outPtr;
}

export function writeF32(x: f32): void {
  if (!outReserve(16)) return;
  putF32(x);
}

/**
 * Writes UTF-8 bytes as the inside of a JSON string (quotes not included),
 * escaping like Go's encoder: <, > and & as \u003c etc., U+2028/2029 too.
 */
export function writeJsonStringBody(ptr: usize, len: usize): void {
  if (!outReserve(len * 6)) return;
  for (let i: usize = 0; i < len; i++) {
    const c = load<u8>(ptr + i);
    if (c == 60 || c == 62 || c == 38) {
      putByte(92);
      putByte(117);
      putByte(48);
      putByte(48);
      putByte(c == 38 ? 50 : 51);
      putByte(c == 60 ? 99 : c == 62 ? 101 : 54);
    } else if (c == 0xe2 && i + 2 < len && load<u8>(ptr + i + 1) == 0x80 && (load<u8>(ptr + i + 2) & 0xfe) == 0xa8) {
      putByte(92);
      putByte(117);
      putByte(50);
      putByte(48);
      putByte(50);
      putByte(load<u8>(ptr + i + 2) == 0xa8 ? 56 : 57);
      i += 2;
    } else if (c == 34 || c == 92) {
      putByte(92);
      putByte(c);
    } else if (c < 0x20) {
      putByte(92);
      if (c == 10) putByte(110);
      else if (c == 13) putByte(114);
      else if (c == 9) putByte(116);
      else {
        putByte(117);
        putByte(48);
        putByte(48);
        putByte(<u8>(48 + (c >> 4)));
        const lo = c & 15;
        putByte(<u8>(lo < 10 ? 48 + lo : 87 + lo));
      }
    } else {
      putByte(c);
    }
  }
}

export function writeJsonString(ptr: usize, len: usize): void {
  writeByte(34);
  writeJsonStringBody(ptr, len);
  writeByte(34);
}

/** Count, sum, min and max of the non-NaN values of the last writeValues or valueStats. */
export let statCount: i32 = 0;
export let statSum: f64 = 0;
export let statMin: f64 = 0;
export let statMax: f64 = 0;

/** Only the statistics of values[0..n) (see statCount). */
export function valueStats(values: usize, n: i32): void {
  let count = 0;
  let sum: f64 = 0;
  let mn = f64.MAX_VALUE;
  let mx = -f64.MAX_VALUE;
  for (let i = 0; i < n; i++) {
    const x = load<f64>(values + (<usize>i << 3));
    if (isNaN(x)) continue;
    count++;
    sum += x;
    // Reads never yield -0 (they add to 0), so comparisons pick what
    // min() and max() would, for less than those cost in WASM engines.
    mn = x < mn ? x : mn;
    mx = x > mx ? x : mx;
  }
  statCount = count;
  statSum = sum;
  statMin = mn;
  statMax = mx;
}

/**
 * `pad` nulls, then values[0..n) (f64, multiplied by `scale` unless it is 1)
 * as 32-bit floats, comma-separated, without brackets; on the way, the
 * statistics of the unscaled values as valueStats gives them (the chain of
 * additions of the sum then hides behind the formatting).
 */
export function writeValues(values: usize, n: i32, scale: f64, pad: i32): void {
  statReset();
  writeValueRange(values, n, scale, pad, 0, pad + n);
}

export function statReset(): void {
  statCount = 0;
  statSum = 0;
  statMin = f64.MAX_VALUE;
  statMax = -f64.MAX_VALUE;
}

/**
 * Items [begin, end) of what writeValues writes (item k < pad is a null, the
 * others values[k - pad]), each followed by a comma but the very last one: a
 * long entry is written in pieces, one call each, with the same bytes and the
 * statistics carried on from the piece before (statReset before the first).
 */
export function writeValueRange(values: usize, n: i32, scale: f64, pad: i32, begin: i32, end: i32): void {
  let count = statCount;
  let sum = statSum;
  let mn = statMin;
  let mx = statMax;
  const nullEnd = end < pad ? end : pad;
  const nulls = begin < nullEnd ? nullEnd - begin : 0;
  const first = begin > pad ? begin - pad : 0;
  const last = end - pad;
  const numbers: usize = last > first ? <usize>(last - first) : 0;
  // 24 bytes is the longest number, plus its comma.
  if (!outReserve(<usize>nulls * 5 + numbers * 25 + 2)) return;
  let q = outPtr + outLen;
  for (let i = 0; i < nulls; i++) {
    store<u32>(q, 0x6c6c756e);
    store<u8>(q + 4, 44);
    q += 5;
  }
  const scaled = scale != 1;
  let prevBits: u64 = 0xffffffffffffffff;
  let prevStart: usize = 0;
  let prevLen: usize = 0;
  for (let i = first; i < last; i++) {
    let x = load<f64>(values + (<usize>i << 3));
    if (!isNaN(x)) {
      count++;
      sum += x;
      mn = x < mn ? x : mn;
      mx = x > mx ? x : mx;
    }
    if (scaled) x *= scale;
    const v = <f32>x;
    const bits = <u64>reinterpret<u32>(v);
    if (bits == prevBits) {
      // Flat stretches are common: copy the previous text.
      copySmall(q, prevStart, prevLen);
      q += prevLen;
    } else {
      const e = formatF32Inline(q, v);
      prevStart = q;
      prevLen = e - q;
      prevBits = bits;
      q = e;
    }
    store<u8>(q, 44);
    q++;
  }
  statCount = count;
  statSum = sum;
  statMin = mn;
  statMax = mx;
  if (end == pad + n && end > begin) q--;
  outLen = q - outPtr;
}
