// The line the line-protocol parser read, and the fast path. Both readers
// of a line (fastLine here, the general parser in lineproto.ts) fill in the
// same sample: the `line*` globals, the sub-level names (typeBuf, subBuf)
// and the tags that set them (applyTag). This module owns that state; the
// general parser changes it through beginLine, applyTag and the inlined
// setters below.
//
// fastLine reads the usual line in one pass over the stop bytes that
// lineStops (lineproto-scan.ts) found, and leaves anything else to the
// general parser.
import { grownScratchCap, growScratch } from "./alloc";
import { copySmall, isStorableName } from "./bytes";
import { approxDecimal, parsedValue } from "./floatparse";
import { findMetricCached } from "./metrics";
import { end, LINE_SAMPLE, lineStops, newlineTo, pos, setPos, stops } from "./lineproto-scan";

// The parsed line.
export let lineMetric: i32 = -1;
export let lineClusterPtr: usize = 0;
export let lineClusterLen: usize = 0;
export let lineHostPtr: usize = 0;
export let lineHostLen: usize = 0;
export let lineValue: f32 = 0;
export let lineTs: i64 = 0;
export let lineHasTs = false;
let defaultClusterPtr: usize = 0;
let defaultClusterLen: usize = 0;

export function setDefaultCluster(ptr: usize, len: usize): void {
  defaultClusterPtr = ptr;
  defaultClusterLen = len;
}

/** Before the tags of a line: the default cluster, no host, no sub-levels. */
// @ts-ignore: decorator
@inline export function beginLine(): void {
  lineClusterPtr = defaultClusterPtr;
  lineClusterLen = defaultClusterLen;
  lineHostPtr = 0;
  lineHostLen = 0;
  typeLen = 0;
  subLen = 0;
}

// The sample, set by the general parser.
// @ts-ignore: decorator
@inline export function setLineMetric(metric: i32): void {
  lineMetric = metric;
}
// @ts-ignore: decorator
@inline export function setLineValue(v: f32): void {
  lineValue = v;
}
// @ts-ignore: decorator
@inline export function setLineTs(ts: i64): void {
  lineTs = ts;
  lineHasTs = true;
}
// @ts-ignore: decorator
@inline export function clearLineTs(): void {
  lineHasTs = false;
}

// Sub-level names: "type"+"type-id" and "stype"+"stype-id", assembled like the
// reference does (a type tag after its id is put in front). After a line,
// typeBuf names the level below the host and subBuf the one below that.
export let typeBuf: usize = 0;
export let typeLen: usize = 0;
let typeCap: usize = 0;
export let subBuf: usize = 0;
export let subLen: usize = 0;
let subCap: usize = 0;

function typeGrow(need: usize): bool {
  const p = growScratch(typeBuf, typeCap, typeLen, need, 64);
  if (p == 0) return false;
  typeBuf = p;
  typeCap = grownScratchCap;
  return true;
}

// @ts-ignore: decorator
@inline function typeAdd(ptr: usize, len: usize, front: bool): bool {
  if (typeLen + len > typeCap && !typeGrow(typeLen + len)) return false;
  if (front) {
    memory.copy(typeBuf + len, typeBuf, typeLen);
    memory.copy(typeBuf, ptr, len);
  } else {
    copySmall(typeBuf + typeLen, ptr, len);
  }
  typeLen += len;
  return true;
}

/**
 * (ours) A stype without a type (`type=node` or none) names a device of the
 * node, e.g. `stype=network,stype-id=eth0`: it becomes the level below the
 * host, where a type would be. The reference drops it, so the devices of a
 * node overwrite each other. The buffers trade places: nothing is copied.
 */
export function deviceUnderNode(): void {
  const buf = typeBuf;
  const cap = typeCap;
  typeBuf = subBuf;
  typeCap = subCap;
  typeLen = subLen;
  subBuf = buf;
  subCap = cap;
  subLen = 0;
}

function subGrow(need: usize): bool {
  const p = growScratch(subBuf, subCap, subLen, need, 64);
  if (p == 0) return false;
  subBuf = p;
  subCap = grownScratchCap;
  return true;
}

// @ts-ignore: decorator
@inline function subAdd(ptr: usize, len: usize, front: bool): bool {
  if (subLen + len > subCap && !subGrow(subLen + len)) return false;
  if (front) {
    memory.copy(subBuf + len, subBuf, subLen);
    memory.copy(subBuf, ptr, len);
  } else {
    copySmall(subBuf + subLen, ptr, len);
  }
  subLen += len;
  return true;
}

// ---- tag handling (only when not skipping) ----

// Tag keys as little-endian words. Tokens lie in the padded input, so reading
// up to 7 bytes past one is safe.
const W_HOST: u32 = 0x74736f68; // "host"
const W_TYPE: u32 = 0x65707974; // "type"
const W_NODE: u32 = 0x65646f6e; // "node"
const W_STYP: u32 = 0x70797473; // "styp"
const W_CLUSTER: u64 = 0x0072657473756c63; // "cluster"
const W_TYPE_ID: u64 = 0x0064692d65707974; // "type-id"
const W_HOSTNAME: u64 = 0x656d616e74736f68; // "hostname"
const W_STYPE_ID: u64 = 0x64692d6570797473; // "stype-id"
const W_VALUE: u64 = 0x00000065756c6176; // "value"

// @ts-ignore: decorator
@inline export function isValueKey(ptr: usize, len: usize): bool {
  return len == 5 && (load<u64>(ptr) & 0xffffffffff) == W_VALUE;
}

// @ts-ignore: decorator
@inline export function applyTag(kPtr: usize, kLen: usize, vPtr: usize, vLen: usize): bool {
  if (kLen == 4) {
    const k = load<u32>(kPtr);
    if (k == W_HOST) {
      lineHostPtr = vPtr;
      lineHostLen = vLen;
    } else if (k == W_TYPE) {
      if (vLen == 4 && load<u32>(vPtr) == W_NODE) return true;
      return typeAdd(vPtr, vLen, typeLen != 0);
    }
  } else if (kLen == 7) {
    const k = load<u64>(kPtr) & 0x00ffffffffffffff;
    if (k == W_CLUSTER) {
      lineClusterPtr = vPtr;
      lineClusterLen = vLen;
    } else if (k == W_TYPE_ID) {
      return typeAdd(vPtr, vLen, false);
    }
  } else if (kLen == 8) {
    const k = load<u64>(kPtr);
    if (k == W_HOSTNAME) {
      lineHostPtr = vPtr;
      lineHostLen = vLen;
    } else if (k == W_STYPE_ID) {
      return subAdd(vPtr, vLen, false);
    }
  } else if (kLen == 5) {
    if (load<u32>(kPtr) == W_STYP && load<u8>(kPtr + 4) == 101) return subAdd(vPtr, vLen, subLen != 0);
  }
  return true;
}

// ---- the common case, in one pass ----

/**
 * isStorableName for a name in the padded input (the default cluster is
 * copied there too), where 16 bytes may be read: up to 16 bytes by vector.
 */
// @ts-ignore: decorator
@inline function storableInInput(ptr: usize, len: usize): bool {
  // len - 1 wraps for an empty name (isStorableName refuses it).
  if (len - 1 >= 16) return isStorableName(ptr, len);
  const v = v128.load(ptr);
  const keep: u32 = (<u32>1 << <u32>len) - 1;
  const bad = <u32>i8x16.bitmask(v128.or(i8x16.eq(v, i8x16.splat(0x2f)), i8x16.eq(v, i8x16.splat(0x5c)))) & keep;
  const dots = <u32>i8x16.bitmask(i8x16.eq(v, i8x16.splat(0x2e))) & keep;
  return bad == 0 && (dots & (dots >> 1)) == 0 && (len != 1 || dots == 0);
}

/** 8 ASCII digits at p as a number, or -1 when they are not all digits. */
// @ts-ignore: decorator
@inline function eightDigits(p: usize): i64 {
  const d = load<u64>(p) - 0x3030303030303030;
  // A byte below '0' borrows (its top bit set); one above '9' gets it from + 0x76.
  if (((d | (d + 0x7676767676767676)) & 0x8080808080808080) != 0) return -1;
  // Pairs, then fours, then all eight (the first digit is the lowest byte).
  const pairs = (d * 10 + (d >> 8)) & 0x00ff00ff00ff00ff;
  const fours = (pairs * 100 + (pairs >> 16)) & 0x0000ffff0000ffff;
  return <i64>((fours * 10000 + (fours >> 32)) & 0xffffffff);
}

const FAST_POW10: usize = memory.data<f64>([
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
]);

/**
 * A line of the usual shape (ASCII, no escapes, tags, a single plain
 * decimal or integer `value`, an optional plain timestamp) read in one pass.
 * Anything else returns -1 with nothing consumed, and the general parser
 * (which knows every rule and error) reads the line instead.
 */
export function fastLine(): i32 {
  if (lineStops(pos) == 0) return -1;
  // Every check after taking a stop fails on the terminal one or `end`: no read runs past the last.
  let sp = stops;
  let p = <usize>load<u32>(sp);
  if (p >= end || p == pos) return -1;
  let c = <u32>load<u8>(p);
  if ((c != 44 && c != 32) || load<u8>(pos) == 35) return -1;
  const metric = findMetricCached(pos, p - pos);
  if (metric < 0) return -1;
  beginLine();
  while (c == 44) {
    const k = p + 1;
    const eq = <usize>load<u32>(sp, 4);
    if (eq >= end || eq == k || load<u8>(eq) != 61) return -1;
    const v = eq + 1;
    p = <usize>load<u32>(sp, 8);
    sp += 8;
    if (p >= end || p == v) return -1;
    c = <u32>load<u8>(p);
    if (c != 44 && c != 32) return -1;
    if (!applyTag(k, eq - k, v, p - v)) return -1;
  }
  if (!storableInInput(lineClusterPtr, lineClusterLen) || !storableInInput(lineHostPtr, lineHostLen) ||
    typeLen > 255 || subLen > 255) return -1;
  p++;
  while (p < end && load<u8>(p) == 32) p++;
  if (p + 6 > end || !isValueKey(p, 5) || load<u8>(p + 5) != 61) return -1;
  const vs = p + 6;
  // Past the spaces and the '=' of "value=" (stops all, before any terminal one).
  let ve = <usize>load<u32>(sp);
  while (ve < vs) {
    sp += 4;
    ve = <usize>load<u32>(sp);
  }
  if (ve == vs) return -1;

  // The value: [-]digits[.digits] or [-]digits'i', at most 19 digits (a u64).
  let q = vs;
  let neg = false;
  if (load<u8>(q) == 45) {
    neg = true;
    q++;
  }
  // Digits, then a '.' and digits (8 at a time while they last); more than 19 is refused below anyway.
  let mant: u64 = 0;
  let frac = 0;
  let dot = false;
  const i0 = q;
  while (q < ve) {
    const d = <u32>load<u8>(q) - 48;
    if (d > 9) break;
    mant = mant * 10 + <u64>d;
    q++;
  }
  let digits = <i32>(q - i0);
  if (q < ve && load<u8>(q) == 46) {
    dot = true;
    q++;
    const f0 = q;
    while (q + 8 <= ve) {
      const e8 = eightDigits(q);
      if (e8 < 0) break;
      mant = mant * 100000000 + <u64>e8;
      q += 8;
    }
    while (q < ve) {
      const d = <u32>load<u8>(q) - 48;
      if (d > 9) break;
      mant = mant * 10 + <u64>d;
      q++;
    }
    frac = <i32>(q - f0);
    digits += frac;
  }
  if (digits == 0 || digits > 19) return -1;
  let value: f64;
  if (q == ve) {
    if (digits <= 15) {
      // Exact: mant < 2^53 and 10^frac are both exact in 64 bits, so one rounding.
      value = <f64>mant / load<f64>(FAST_POW10 + (<usize>frac << 3));
      if (neg) value = -value;
    } else {
      // The 16 to 17 digits of a shortest float64 (what Go's collectors print).
      if (!approxDecimal(mant, -frac, neg, false)) return -1;
      value = <f64>parsedValue;
    }
  } else if (digits > 15) {
    return -1;
  } else if (q + 1 == ve && load<u8>(q) == 105 && !dot) {
    // An integer: "-0i" is plain zero.
    value = <f64>(neg ? -(<i64>mant) : <i64>mant);
  } else {
    return -1;
  }

  // What follows: end of line, or spaces and a timestamp.
  let hasTs = false;
  let ts: i64 = 0;
  p = ve;
  if (p < end) {
    c = <u32>load<u8>(p);
    if (c == 32) {
      while (p < end && load<u8>(p) == 32) p++;
      if (p < end && load<u8>(p) != 10 && load<u8>(p) != 13) {
        const ts0 = p;
        let n: u64 = 0;
        if (p + 8 <= end) {
          const e8 = eightDigits(p);
          if (e8 >= 0) {
            n = <u64>e8;
            p += 8;
          }
        }
        while (p < end) {
          const d = <u32>load<u8>(p) - 48;
          if (d > 9) break;
          n = n * 10 + <u64>d;
          p++;
        }
        const nd = p - ts0;
        if (nd == 0 || nd > 18) return -1;
        const t = <i64>n;
        if (t <= 9223372036) ts = t;
        else if (t <= 9223372036854) ts = t / 1000;
        else if (t <= 9223372036854775) ts = t / 1000000;
        else ts = t / 1000000000;
        hasTs = true;
      }
    }
    if (p < end) {
      c = <u32>load<u8>(p);
      if (c == 10) {
        p++;
        newlineTo(p);
      } else if (c == 13 && p + 1 < end && load<u8>(p + 1) == 10) {
        p += 2;
        newlineTo(p);
      } else if (c == 13 && p + 1 == end) {
        p++;
      } else {
        return -1;
      }
    }
  }
  setPos(p);
  lineMetric = metric;
  lineValue = <f32>value;
  lineTs = ts;
  lineHasTs = hasTs;
  if (typeLen == 0 && subLen != 0) deviceUnderNode();
  return LINE_SAMPLE;
}
