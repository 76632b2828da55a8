// DECIMAL (codec 3), second half: the integers of decimal-exponent.ts in
// blocks of 64 present values, each block frame-of-reference or delta coded
// with its own base and width (so one jump costs one block), whichever is
// smaller. Payload after header and layout:
//   u8 e (0..15), u8 x (exceptions, 0..24),
//   x times: u16 LE index among the present values, u32 LE bit pattern,
//   varint zigzag(ref): the n before the first block's first delta,
//   then per block of c = min(64, rest) values:
//     u8 mode: bit 7 = delta, bits 0-6 = width w (0..57),
//     varint zigzag(base),
//     ceil(c*w/8) bytes: c fields of w bits (bits.ts).
//   FOR:   n_j = base + field_j.
//   delta: n_j = n_{j-1} + base + field_j, n_{-1} the previous block's last n (ref for the first).
// A value is f32(f64(n) * 10^-e); an exception's index then takes its bits.
import { bitWidth, getVarint, packedBytes, packTail, putVarint, readableEnd, safeFields, unpackAt, unzigzag, varintBytes, varintEnd, widthMask, zigzag } from "./bits";
import { decimalValue, E_MAX, exceptionBits, exceptionCount, exceptionIndex, exponent, inversePow10, MAX_EXCEPTIONS, narrow, narrowInts, reals, reference, toIntegers } from "./decimal-exponent";
import { blockLen, blockPresent, expand, MAX_LEN, packedTarget, payloadAt } from "./layout";
import { packNarrow, packWide } from "./decimal-pack";
import { PACK_SLACK, packNarrowOr } from "./pack-or";
import { decimalValues4, lowMultipliers, prefixSum4, SIMD_MAX_WIDTH, simdFields, unpack4Low, unpackTable } from "./unpack";

export const CODEC_DECIMAL: i32 = 3;

// @ts-ignore: decorator
@inline const BLOCK: i32 = 64;
// @ts-ignore: decorator
@inline const MODE_DELTA: i32 = 0x80;
// @ts-ignore: decorator
@inline const MAX_BLOCKS: i32 = MAX_LEN / BLOCK;

const planMode: usize = memory.data(MAX_BLOCKS, 8);
const planBase: usize = memory.data(MAX_BLOCKS << 3, 8);
let planCount: i32 = 0;
/** The payload's bytes up to the end of each block (header, exceptions and ref included): XOR's yardstick. */
export const planBytesTo: usize = memory.data(MAX_BLOCKS << 2, 8);

/** Cost in bytes of a block of c fields over an unsigned range, its base a varint. */
// @ts-ignore: decorator
@inline function blockBytes(c: i32, base: i64, range: u64): i32 {
  return 1 + varintBytes(zigzag(base)) + packedBytes(c, bitWidth(range));
}

/**
 * Block b's plan from the minimum and maximum of its c values and of their
 * deltas: the smaller of FOR and delta, its mode and base stored; returns its bytes.
 */
// @ts-ignore: decorator
@inline function planBlock(b: i32, c: i32, lo: i64, hi: i64, deltaLo: i64, deltaHi: i64): i32 {
  const forRange = <u64>(hi - lo);
  const deltaRange = <u64>(deltaHi - deltaLo);
  const forBytes = blockBytes(c, lo, forRange);
  const deltaBytes = blockBytes(c, deltaLo, deltaRange);
  if (deltaBytes < forBytes) {
    store<u8>(planMode + <usize>b, <u8>(MODE_DELTA | bitWidth(deltaRange)));
    store<i64>(planBase + (<usize>b << 3), deltaLo);
    return deltaBytes;
  }
  store<u8>(planMode + <usize>b, <u8>bitWidth(forRange));
  store<i64>(planBase + (<usize>b << 3), lo);
  return forBytes;
}

/** Block b's plan (planBlock) for its c values at p, from the f64 copies (exact integers below 2^52), two at a time; returns its bytes. */
// @ts-ignore: decorator
@inline function planWide(p: usize, c: i32, b: i32): i32 {
  const first = load<f64>(p);
  const firstDelta = first - load<f64>(p - 8);
  let lo = f64x2.splat(first);
  let hi = lo;
  let dlo = f64x2.splat(firstDelta);
  let dhi = dlo;
  // Two sets of accumulators: the min/max chains, not the loads, bound this loop.
  let lo2 = lo;
  let hi2 = lo;
  let dlo2 = dlo;
  let dhi2 = dlo;
  let j = 0;
  for (; j + 4 <= c; j += 4) {
    const q = p + (<usize>j << 3);
    const v = v128.load(q);
    const v2 = v128.load(q, 16);
    const d = f64x2.sub(v, v128.load(q - 8));
    const d2 = f64x2.sub(v2, v128.load(q, 8));
    lo = f64x2.pmin(lo, v);
    hi = f64x2.pmax(hi, v);
    dlo = f64x2.pmin(dlo, d);
    dhi = f64x2.pmax(dhi, d);
    lo2 = f64x2.pmin(lo2, v2);
    hi2 = f64x2.pmax(hi2, v2);
    dlo2 = f64x2.pmin(dlo2, d2);
    dhi2 = f64x2.pmax(dhi2, d2);
  }
  lo = f64x2.pmin(lo, lo2);
  hi = f64x2.pmax(hi, hi2);
  dlo = f64x2.pmin(dlo, dlo2);
  dhi = f64x2.pmax(dhi, dhi2);
  for (; j + 2 <= c; j += 2) {
    const q = p + (<usize>j << 3);
    const v = v128.load(q);
    const d = f64x2.sub(v, v128.load(q - 8));
    lo = f64x2.pmin(lo, v);
    hi = f64x2.pmax(hi, v);
    dlo = f64x2.pmin(dlo, d);
    dhi = f64x2.pmax(dhi, d);
  }
  let l = min(f64x2.extract_lane(lo, 0), f64x2.extract_lane(lo, 1));
  let h = max(f64x2.extract_lane(hi, 0), f64x2.extract_lane(hi, 1));
  let dl = min(f64x2.extract_lane(dlo, 0), f64x2.extract_lane(dlo, 1));
  let dh = max(f64x2.extract_lane(dhi, 0), f64x2.extract_lane(dhi, 1));
  if (j < c) {
    const v = load<f64>(p + (<usize>j << 3));
    const d = v - load<f64>(p + (<usize>j << 3) - 8);
    l = min(l, v);
    h = max(h, v);
    dl = min(dl, d);
    dh = max(dh, d);
  }
  return planBlock(b, c, <i64>l, <i64>h, <i64>dl, <i64>dh);
}

/** planWide for narrow values: i32, sixteen at a time, then four, then one. */
// @ts-ignore: decorator
@inline function planNarrow(p: usize, c: i32, b: i32): i32 {
  const first = i32x4.splat(load<i32>(p));
  const firstDelta = i32x4.splat(load<i32>(p) - load<i32>(p - 4));
  let lo = first;
  let hi = first;
  let dlo = firstDelta;
  let dhi = firstDelta;
  let j = 0;
  for (; j + 16 <= c; j += 16) {
    const q = p + (<usize>j << 2);
    const v0 = v128.load(q);
    const v1 = v128.load(q, 16);
    const v2 = v128.load(q, 32);
    const v3 = v128.load(q, 48);
    const d0 = i32x4.sub(v0, v128.load(q - 4));
    const d1 = i32x4.sub(v1, v128.load(q, 12));
    const d2 = i32x4.sub(v2, v128.load(q, 28));
    const d3 = i32x4.sub(v3, v128.load(q, 44));
    lo = i32x4.min_s(lo, i32x4.min_s(i32x4.min_s(v0, v1), i32x4.min_s(v2, v3)));
    hi = i32x4.max_s(hi, i32x4.max_s(i32x4.max_s(v0, v1), i32x4.max_s(v2, v3)));
    dlo = i32x4.min_s(dlo, i32x4.min_s(i32x4.min_s(d0, d1), i32x4.min_s(d2, d3)));
    dhi = i32x4.max_s(dhi, i32x4.max_s(i32x4.max_s(d0, d1), i32x4.max_s(d2, d3)));
  }
  for (; j + 4 <= c; j += 4) {
    const q = p + (<usize>j << 2);
    const v = v128.load(q);
    const d = i32x4.sub(v, v128.load(q - 4));
    lo = i32x4.min_s(lo, v);
    hi = i32x4.max_s(hi, v);
    dlo = i32x4.min_s(dlo, d);
    dhi = i32x4.max_s(dhi, d);
  }
  // Across the lanes, values and deltas side by side: lane 0 the values', lane 2 the deltas'.
  let mins = i32x4.min_s(i32x4.shuffle(lo, dlo, 0, 1, 4, 5), i32x4.shuffle(lo, dlo, 2, 3, 6, 7));
  mins = i32x4.min_s(mins, i32x4.shuffle(mins, mins, 1, 0, 3, 2));
  let maxs = i32x4.max_s(i32x4.shuffle(hi, dhi, 0, 1, 4, 5), i32x4.shuffle(hi, dhi, 2, 3, 6, 7));
  maxs = i32x4.max_s(maxs, i32x4.shuffle(maxs, maxs, 1, 0, 3, 2));
  let l = i32x4.extract_lane(mins, 0);
  let h = i32x4.extract_lane(maxs, 0);
  let dl = i32x4.extract_lane(mins, 2);
  let dh = i32x4.extract_lane(maxs, 2);
  for (; j < c; j++) {
    const v = load<i32>(p + (<usize>j << 2));
    const d = v - load<i32>(p + (<usize>j << 2) - 4);
    l = min(l, v);
    h = max(h, v);
    dl = min(dl, d);
    dh = max(dh, d);
  }
  return planBlock(b, c, l, h, dl, dh);
}

/**
 * Bytes of the payload for the n values at src, or -1 when they have no
 * decimal form worth coding; plans the blocks for writeDecimal.
 */
export function decimalPayloadBytes(src: usize, n: i32): i32 {
  if (!toIntegers(src, n)) return -1;
  const ref = reference;
  let bytes = 2 + exceptionCount * 6 + varintBytes(zigzag(ref));
  planCount = (n + BLOCK - 1) / BLOCK;
  for (let b = 0; b < planCount; b++) {
    const from = b * BLOCK;
    const c = min(BLOCK, n - from);
    bytes += narrow ? planNarrow(narrowInts + (<usize>from << 2), c, b) : planWide(reals + (<usize>from << 3), c, b);
    store<i32>(planBytesTo + (<usize>b << 2), bytes);
  }
  return bytes;
}

/**
 * Writes the payload planned by the last decimalPayloadBytes(n); returns the
 * address after it. `limit`: the end of the output (a block's area is packed
 * the fast way when PACK_SLACK bytes past it are still inside).
 */
export function writeDecimal(p: usize, n: i32, limit: usize): usize {
  store<u8>(p, <u8>exponent);
  store<u8>(p, <u8>exceptionCount, 1);
  p += 2;
  for (let k = 0; k < exceptionCount; k++) {
    store<u16>(p, load<u16>(exceptionIndex + (<usize>k << 1)));
    store<u32>(p, load<u32>(exceptionBits + (<usize>k << 2)), 2);
    p += 6;
  }
  let prev = reference;
  p = putVarint(p, zigzag(prev));
  for (let b = 0; b < planCount; b++) {
    const from = b * BLOCK;
    const c = min(BLOCK, n - from);
    const mode = <i32>load<u8>(planMode + <usize>b);
    const base = load<i64>(planBase + (<usize>b << 3));
    const w = <u32>(mode & 0x7f);
    store<u8>(p, <u8>mode);
    p = putVarint(p + 1, zigzag(base));
    const delta = (mode & MODE_DELTA) != 0;
    if (narrow) {
      const src = narrowInts + (<usize>from << 2);
      if (w != 0) p = w <= 56 && p + <usize>packedBytes(c, w) + PACK_SLACK <= limit ? packNarrowOr(p, src, c, w, base, delta) : packNarrow(p, src, c, w, base, delta);
      prev = <i64>load<i32>(src + (<usize>(c - 1) << 2));
    } else {
      const src = reals + (<usize>from << 3);
      if (w != 0) p = packWide(p, src, c, w, base, delta);
      prev = <i64>load<f64>(src + (<usize>(c - 1) << 3));
    }
  }
  return p;
}

/** Whether every n of a FOR block (base + fields of w bits) fits an i32 lane and unpack4 takes the width. */
// @ts-ignore: decorator
@inline function forFitsLanes(w: i32, base: i64): bool {
  return w <= SIMD_MAX_WIDTH && base >= <i64>i32.MIN_VALUE && base + (<i64>1 << <i64>w) - 1 <= <i64>i32.MAX_VALUE;
}

/** Whether every n of a delta block of c <= 64 steps after prev fits an i32 lane (and unpack4 takes the width). */
// @ts-ignore: decorator
@inline function deltaFitsLanes(w: i32, base: i64, prev: i64): bool {
  if (w > SIMD_MAX_WIDTH || base < -(<i64>1 << 32) || base > (<i64>1 << 32)) return false;
  const lowest = prev + (base < 0 ? base << 6 : 0);
  const highest = prev + (((base > 0 ? base : 0) + (<i64>1 << <i64>w) - 1) << 6);
  return lowest >= <i64>i32.MIN_VALUE && highest <= <i64>i32.MAX_VALUE;
}

/** Eight FOR values into q from the fields at `from` (see unpackFor). */
// @ts-ignore: decorator
@inline function forEight(q: usize, from: usize, half: usize, s0: v128, m0: v128, s1: v128, m1: v128, high: v128, base4: v128, inv2: v128): void {
  const a = i32x4.add(unpack4Low(from, s0, m0, high), base4);
  const b = i32x4.add(unpack4Low(from + half, s1, m1, high), base4);
  v128.store(q, decimalValues4(a, inv2));
  v128.store(q, decimalValues4(b, inv2), 16);
}

/** c values of a FOR block of width w > 0 into q; returns the last n. Loads stay before `end` (readableEnd). */
// @ts-ignore: decorator
@inline function unpackFor(q: usize, area: usize, c: i32, w: i32, base: i64, inv: f64, end: usize): i64 {
  const mask = widthMask(w);
  let cur: i64 = base;
  let j = 0;
  if (forFitsLanes(w, base)) {
    const stop = simdFields(area, end, c, w);
    const even = unpackTable(w, 0);
    const odd = unpackTable(w, 1);
    const s0 = v128.load(even);
    const m0 = lowMultipliers(v128.load(even, 16), w);
    const s1 = v128.load(odd);
    const m1 = lowMultipliers(v128.load(odd, 16), w);
    const high = i32x4.splat(<i32>(<u32>mask << 7));
    const base4 = i32x4.splat(<i32>base);
    const inv2 = f64x2.splat(inv);
    // Eight fields are w bytes: the groups at j and j + 4 start at bytes jw/8 and jw/8 + 4w/8.
    const half = <usize>((4 * w) >> 3);
    let from = area;
    // Sixteen a turn: a loop body this large V8 leaves as it is (unrolling a
    // smaller one, it recomputed the splats above in every other copy).
    for (; j + 16 <= stop; j += 16) {
      forEight(q + (<usize>j << 2), from, half, s0, m0, s1, m1, high, base4, inv2);
      forEight(q + (<usize>j << 2) + 32, from + <usize>w, half, s0, m0, s1, m1, high, base4, inv2);
      from += <usize>(w << 1);
    }
    if (j < stop) {
      forEight(q + (<usize>j << 2), from, half, s0, m0, s1, m1, high, base4, inv2);
      j += 8;
    }
    if (j == c) return base + <i64>unpackAt(area, <u32>((c - 1) * w), mask, end);
  }
  let bit = <u32>(j * w);
  const safe = safeFields(area, end, c, w);
  for (; j < safe; j++, bit += <u32>w) {
    cur = base + <i64>((load<u64>(area + <usize>(bit >> 3)) >> <u64>(bit & 7)) & mask);
    store<f32>(q + (<usize>j << 2), decimalValue(cur, inv));
  }
  for (; j < c; j++, bit += <u32>w) {
    cur = base + <i64>unpackAt(area, bit, mask, end);
    store<f32>(q + (<usize>j << 2), decimalValue(cur, inv));
  }
  return cur;
}

/** Eight delta values after the n in every lane of prev4 into q (see unpackDelta); returns the last n in every lane. */
// @ts-ignore: decorator
@inline function deltaEight(q: usize, from: usize, half: usize, s0: v128, m0: v128, s1: v128, m1: v128, high: v128, base4: v128, inv2: v128, prev4: v128): v128 {
  const a = i32x4.add(prefixSum4(i32x4.add(unpack4Low(from, s0, m0, high), base4)), prev4);
  const b = i32x4.add(prefixSum4(i32x4.add(unpack4Low(from + half, s1, m1, high), base4)), i32x4.shuffle(a, a, 3, 3, 3, 3));
  v128.store(q, decimalValues4(a, inv2));
  v128.store(q, decimalValues4(b, inv2), 16);
  return i32x4.shuffle(b, b, 3, 3, 3, 3);
}

/** c values of a delta block of width w > 0 after prev into q; returns the last n. Loads stay before `end` (readableEnd). */
// @ts-ignore: decorator
@inline function unpackDelta(q: usize, area: usize, c: i32, w: i32, base: i64, prev: i64, inv: f64, end: usize): i64 {
  const mask = widthMask(w);
  let cur = prev;
  let j = 0;
  if (deltaFitsLanes(w, base, prev)) {
    const stop = simdFields(area, end, c, w);
    const even = unpackTable(w, 0);
    const odd = unpackTable(w, 1);
    const s0 = v128.load(even);
    const m0 = lowMultipliers(v128.load(even, 16), w);
    const s1 = v128.load(odd);
    const m1 = lowMultipliers(v128.load(odd, 16), w);
    const high = i32x4.splat(<i32>(<u32>mask << 7));
    const base4 = i32x4.splat(<i32>base);
    const inv2 = f64x2.splat(inv);
    const half = <usize>((4 * w) >> 3);
    let from = area;
    let prev4 = i32x4.splat(<i32>prev);
    // Sixteen a turn, as in unpackFor.
    for (; j + 16 <= stop; j += 16) {
      prev4 = deltaEight(q + (<usize>j << 2), from, half, s0, m0, s1, m1, high, base4, inv2, prev4);
      prev4 = deltaEight(q + (<usize>j << 2) + 32, from + <usize>w, half, s0, m0, s1, m1, high, base4, inv2, prev4);
      from += <usize>(w << 1);
    }
    if (j < stop) {
      prev4 = deltaEight(q + (<usize>j << 2), from, half, s0, m0, s1, m1, high, base4, inv2, prev4);
      j += 8;
    }
    cur = <i64>i32x4.extract_lane(prev4, 0);
  }
  let bit = <u32>(j * w);
  const safe = safeFields(area, end, c, w);
  for (; j < safe; j++, bit += <u32>w) {
    cur += base + <i64>((load<u64>(area + <usize>(bit >> 3)) >> <u64>(bit & 7)) & mask);
    store<f32>(q + (<usize>j << 2), decimalValue(cur, inv));
  }
  for (; j < c; j++, bit += <u32>w) {
    cur += base + <i64>unpackAt(area, bit, mask, end);
    store<f32>(q + (<usize>j << 2), decimalValue(cur, inv));
  }
  return cur;
}

/** Decodes the payload at payloadAt (block ends at `end`) into out; -1 when it is not a block of ours. */
export function decodeDecimal(out: usize, end: usize): i32 {
  let p = payloadAt;
  if (p + 2 > end) return -1;
  const e = <i32>load<u8>(p);
  const x = <i32>load<u8>(p, 1);
  if (e > E_MAX || x > MAX_EXCEPTIONS) return -1;
  const exceptionsAt = p + 2;
  p = exceptionsAt + <usize>(x * 6);
  if (p > end) return -1;
  const inv = inversePow10(e);
  let prev = unzigzag(getVarint(p, end));
  p = varintEnd;
  const dst = packedTarget(out);
  const n = blockPresent;
  // The fields' loads may reach past the block (readableEnd); its checks stay with `end`.
  const reach = readableEnd(end);
  for (let from = 0; from < n; from += BLOCK) {
    const c = min(BLOCK, n - from);
    if (p >= end) return -1;
    const mode = <i32>load<u8>(p);
    const base = unzigzag(getVarint(p + 1, end));
    const area = varintEnd;
    const w = mode & 0x7f;
    const q = dst + (<usize>from << 2);
    if (w > 57 || area > end) return -1;
    if (w != 0) {
      prev = (mode & MODE_DELTA) != 0 ? unpackDelta(q, area, c, w, base, prev, inv, reach) : unpackFor(q, area, c, w, base, inv, reach);
    } else if ((mode & MODE_DELTA) != 0) {
      for (let j = 0; j < c; j++) {
        prev += base;
        store<f32>(q + (<usize>j << 2), decimalValue(prev, inv));
      }
    } else {
      const value = f32x4.splat(decimalValue(base, inv));
      let j = 0;
      for (; j + 4 <= c; j += 4) v128.store(q + (<usize>j << 2), value);
      for (; j < c; j++) store<f32>(q + (<usize>j << 2), f32x4.extract_lane(value, 0));
      prev = base;
    }
    p = area + <usize>packedBytes(c, w);
  }
  if (p > end) return -1;
  for (let k = 0; k < x; k++) {
    const at = exceptionsAt + <usize>(k * 6);
    const index = <i32>load<u16>(at);
    if (index < n) store<u32>(dst + (<usize>index << 2), load<u32>(at, 2));
  }
  expand(out);
  return blockLen;
}
