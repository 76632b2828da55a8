// The response buffer every answer is written into, and the number formats
// of our JSON: 32-bit floats in their shortest round-trip form laid out the
// way JavaScript prints numbers, NaN and infinities as null.
import { allocScratch, freeScratch } from "./alloc";
import { copySmall } from "./bytes";
import { ryu32, ryuDigits, ryuExponent } from "./ryu";

export let outPtr: usize = 0;
export let outLen: usize = 0;
let outCap: usize = 0;
/** Set when the buffer could not grow; the answer is then incomplete and must be refused. */
export let outFailed: bool = false;

export function setOutLen(n: usize): void {
  outLen = n;
}

export function outReset(): void {
  outLen = 0;
  outFailed = false;
}

/** Makes room for n more bytes; false (and outFailed) when memory runs out. */
export function outReserve(n: usize): bool {
  if (outLen + n <= outCap) return true;
  let cap = outCap < 4096 ? <usize>4096 : outCap;
  while (cap < outLen + n) {
    if (cap >= 0x4000_0000) {
      cap = outLen + n;
      break;
    }
    cap <<= 1;
  }
  const p = allocScratch(cap);
  if (p == 0) {
    outFailed = true;
    return false;
  }
  if (outPtr != 0) {
    memory.copy(p, outPtr, outLen);
    freeScratch(outPtr, outCap);
  }
  outPtr = p;
  outCap = cap;
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

const DIGIT_PAIRS: usize = memory.data<u8>([
  48,48,48,49,48,50,48,51,48,52,48,53,48,54,48,55,48,56,48,57,
  49,48,49,49,49,50,49,51,49,52,49,53,49,54,49,55,49,56,49,57,
  50,48,50,49,50,50,50,51,50,52,50,53,50,54,50,55,50,56,50,57,
  51,48,51,49,51,50,51,51,51,52,51,53,51,54,51,55,51,56,51,57,
  52,48,52,49,52,50,52,51,52,52,52,53,52,54,52,55,52,56,52,57,
  53,48,53,49,53,50,53,51,53,52,53,53,53,54,53,55,53,56,53,57,
  54,48,54,49,54,50,54,51,54,52,54,53,54,54,54,55,54,56,54,57,
  55,48,55,49,55,50,55,51,55,52,55,53,55,54,55,55,55,56,55,57,
  56,48,56,49,56,50,56,51,56,52,56,53,56,54,56,55,56,56,56,57,
  57,48,57,49,57,50,57,51,57,52,57,53,57,54,57,55,57,56,57,57,
]);

// @ts-ignore: decorator
@inline function decimalLength32(v: u32): i32 {
  if (v < 100000) {
    if (v < 100) return v < 10 ? 1 : 2;
    return v < 1000 ? 3 : v < 10000 ? 4 : 5;
  }
  if (v < 10000000) return v < 1000000 ? 6 : 7;
  return v < 100000000 ? 8 : v < 1000000000 ? 9 : 10;
}

function decimalLength(v: u64): i32 {
  if (v <= 0xffffffff) return decimalLength32(<u32>v);
  let n = 10;
  let x = v / 10000000000;
  while (x > 0) {
    x /= 10;
    n++;
  }
  return n;
}

/** Writes the digits of v (exactly `len` of them) ending at dst + len. */
function putDigits32(dst: usize, v: u32, len: i32): void {
  let x = v;
  let pos = dst + <usize>len;
  while (x >= 100) {
    const q = x / 100;
    const r = <usize>(x - q * 100);
    pos -= 2;
    store<u16>(pos, load<u16>(DIGIT_PAIRS + (r << 1)));
    x = q;
  }
  if (x >= 10) {
    pos -= 2;
    store<u16>(pos, load<u16>(DIGIT_PAIRS + (<usize>x << 1)));
  } else {
    pos -= 1;
    store<u8>(pos, <u8>(48 + x));
  }
}

function putDigits(dst: usize, v: u64, len: i32): void {
  if (v <= 0xffffffff) {
    putDigits32(dst, <u32>v, len);
    return;
  }
  // The low 8 digits (zero-padded), then the rest.
  const hi = v / 100000000;
  const lo = <u32>(v - hi * 100000000);
  const ll = decimalLength32(lo);
  for (let i = 0; i < 8 - ll; i++) store<u8>(dst + <usize>(len - 8 + i), 48);
  putDigits32(dst + <usize>(len - 8), lo, 8);
  putDigits(dst, hi, len - 8);
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

const POW10_F64: usize = memory.data<f64>([1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9]);

/**
 * r / 10^k (the nearest k-decimal form of x, 1 <= k <= 8, x below 2^24) in
 * plain notation ("12.345", "0.05") at p; returns the end. Its integer part is
 * that of x: r is never a multiple of 10^k (x would be an integer then).
 */
function putFixed(p: usize, ax: f32, r: f64, k: i32, scale: f64): usize {
  const ip = <u32>ax;
  let fp = <u32>(r - <f64>ip * scale);
  const il = decimalLength32(ip);
  putDigits32(p, ip, il);
  const q = p + <usize>il;
  store<u8>(q, 46);
  let i = k;
  while (i >= 2) {
    const d = fp / 100;
    store<u16>(q + <usize>(i - 1), load<u16>(DIGIT_PAIRS + (<usize>(fp - d * 100) << 1)));
    fp = d;
    i -= 2;
  }
  if (i == 1) store<u8>(q + 1, <u8>(48 + fp));
  return q + <usize>(k + 1);
}

/**
 * A 32-bit float as JSON at p, returning the end: null for NaN and
 * infinities, otherwise the shortest digits that read back to the same float,
 * laid out like JavaScript's Number#toString (plain for 1e-6 <= |x| < 1e21,
 * exponent otherwise). Writes at most 24 bytes.
 */
export function formatF32(at: usize, x: f32): usize {
  const bits = reinterpret<u32>(x);
  let p = at;
  if ((bits & 0x7f800000) == 0x7f800000) {
    store<u32>(p, 0x6c6c756e); // "null"
    return p + 4;
  }
  if (bits >> 31) {
    store<u8>(p, 45);
    p++;
  }
  const ax = abs<f32>(x);
  if (ax == 0) {
    store<u8>(p, 48);
    return p + 1;
  }
  // Integers below 2^24 are exact and already shortest.
  if (ax < 16777216 && <f32><i32>ax == ax) {
    const v = <u32><i32>ax;
    const len = decimalLength32(v);
    putDigits32(p, v, len);
    return p + <usize>len;
  }
  // Few decimals (the usual metric value): the first k for which the nearest
  // k-decimal number reads back as x is the shortest, and the closest, form.
  // It reads back as x when it lies strictly inside x's rounding interval
  // (the products below are exact in 64 bits); one exactly on the edge is
  // settled by a division. Not for powers of two: their interval is lopsided.
  if ((bits & 0x7fffff) != 0 && ax >= 1e-3 && ax < 16777216) {
    const xd = <f64>ax;
    const half = (<f64>reinterpret<f32>((bits & 0x7fffffff) + 1) - xd) * 0.5;
    for (let k = 1; k <= 8; k++) {
      const scale = load<f64>(POW10_F64 + (<usize>k << 3));
      const t = xd * scale;
      const r = nearest<f64>(t);
      const d = abs<f64>(r - t);
      const h = half * scale;
      if (d < h || (d == h && <f32>(r / scale) == ax)) return putFixed(p, ax, r, k, scale);
    }
  }
  ryu32(bits & 0x7fffffff);
  const digits = ryuDigits;
  const k = decimalLength32(digits);
  const n = ryuExponent + k; // decimal point position
  if (k <= n && n <= 21) {
    putDigits32(p, digits, k);
    p += <usize>k;
    for (let i = k; i < n; i++) {
      store<u8>(p, 48);
      p++;
    }
  } else if (0 < n && n <= 21) {
    // digits with the point after n of them
    putDigits32(p + 1, digits, k);
    for (let i = 0; i < n; i++) store<u8>(p + <usize>i, load<u8>(p + <usize>(i + 1)));
    store<u8>(p + <usize>n, 46);
    p += <usize>(k + 1);
  } else if (-6 < n && n <= 0) {
    store<u16>(p, 0x2e30); // "0."
    p += 2;
    for (let i = n; i < 0; i++) {
      store<u8>(p, 48);
      p++;
    }
    putDigits32(p, digits, k);
    p += <usize>k;
  } else {
    // d[.ddd]e±x
    putDigits32(p + 1, digits, k);
    store<u8>(p, load<u8>(p + 1));
    if (k > 1) {
      store<u8>(p + 1, 46);
      p += <usize>(k + 1);
    } else {
      p += 1;
    }
    store<u8>(p, 101);
    p++;
    let e = n - 1;
    if (e < 0) {
      store<u8>(p, 45);
      e = -e;
    } else {
      store<u8>(p, 43);
    }
    p++;
    const el = decimalLength32(<u32>e);
    putDigits32(p, <u32>e, el);
    p += <usize>el;
  }
  return p;
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

/**
 * `pad` nulls, then values[0..n) (f64, multiplied by `scale` unless it is 1)
 * as 32-bit floats, comma-separated, without brackets.
 */
export function writeValues(values: usize, n: i32, scale: f64, pad: i32): void {
  // 24 bytes is the longest number, plus its comma.
  if (!outReserve(<usize>pad * 5 + <usize>n * 25 + 2)) return;
  let q = outPtr + outLen;
  for (let i = 0; i < pad; i++) {
    store<u32>(q, 0x6c6c756e);
    store<u8>(q + 4, 44);
    q += 5;
  }
  const scaled = scale != 1;
  let prevBits: u64 = 0xffffffffffffffff;
  let prevStart: usize = 0;
  let prevLen: usize = 0;
  for (let i = 0; i < n; i++) {
    let x = load<f64>(values + (<usize>i << 3));
    if (scaled) x *= scale;
    const v = <f32>x;
    const bits = <u64>reinterpret<u32>(v);
    if (bits == prevBits) {
      // Flat stretches are common: copy the previous text.
      copySmall(q, prevStart, prevLen);
      q += prevLen;
    } else {
      const e = formatF32(q, v);
      prevStart = q;
      prevLen = e - q;
      prevBits = bits;
      q = e;
    }
    store<u8>(q, 44);
    q++;
  }
  if (pad + n > 0) q--;
  outLen = q - outPtr;
}
