// DECIMAL, first half: every present value v as an integer n with
// v == f32(f64(n) * 10^-e) bit for bit, for the smallest exponent e that
// works (ALP's idea, Afroozeh & Boncz 2024, on f32: a collector that prints
// 2 decimals gives integers of a few bits). The check uses exactly the
// operations the decoder runs, so decoding is deterministic. Values that do
// not fit (-0, NaN payloads, infinities, a stray value with more digits) are
// kept as exceptions when they are few.
import { MAX_LEN } from "./layout";

/** Largest exponent tried: 10^15 keeps n exact and the search short. */
// @ts-ignore: decorator
@inline export const E_MAX: i32 = 15;
/** More exceptions than this, and a higher exponent (or another codec) is cheaper. */
// @ts-ignore: decorator
@inline export const MAX_EXCEPTIONS: i32 = 24;
/**
 * |n| stays below 2^51: f64 + 1.5 * 2^52 then rounds to an integer and its
 * low bits are n (the conversion in SIMD, both ways), and deltas fit the
 * 57-bit fields.
 */
// @ts-ignore: decorator
@inline export const N_LIMIT: f64 = 2251799813685248.0;
// @ts-ignore: decorator
@inline export const MAGIC: f64 = 6755399441055744.0;
// @ts-ignore: decorator
@inline export const MAGIC_BITS: i64 = 0x4338000000000000;
// @ts-ignore: decorator
@inline const SAMPLES: i32 = 16;

const POW10: usize = memory.data<f64>([1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15]);
const INV10: usize = memory.data<f64>([1e0, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-11, 1e-12, 1e-13, 1e-14, 1e-15]);

/**
 * n of every present value (an exception's slot holds its neighbour's n) as
 * f64, and as i32 when `narrow`; each array has the reference n in the slot
 * before the first.
 */
const realsBase: usize = memory.data((MAX_LEN + 2) << 3, 16);
export const reals: usize = realsBase + 16;
const narrowBase: usize = memory.data((MAX_LEN + 4) << 2, 16);
export const narrowInts: usize = narrowBase + 16;
/** Every n (and the reference) in [-2^30, 2^30): deltas and ranges fit i32, so the plan runs four at a time. */
export let narrow: bool = false;
// @ts-ignore: decorator
@inline const NARROW_LIMIT: f64 = 1073741824.0;
export const exceptionIndex: usize = memory.data(MAX_EXCEPTIONS << 1, 4);
export const exceptionBits: usize = memory.data(MAX_EXCEPTIONS << 2, 4);
export let exceptionCount: i32 = 0;
/** convertAt's groups of sixteen stored as i32 only: their first slots (at most MAX_LEN / 16). */
const fastStarts: usize = memory.data((MAX_LEN >> 4) << 1, 4);
export let exponent: i32 = 0;
/** The n before the first value (delta blocks start from it). */
export let reference: i64 = 0;
let failedBits: u32 = 0;

// @ts-ignore: decorator
@inline export function inversePow10(e: i32): f64 {
  return load<f64>(INV10 + (<usize>e << 3));
}

// @ts-ignore: decorator
@inline function pow10(e: i32): f64 {
  return load<f64>(POW10 + (<usize>e << 3));
}

/** The decoder's value of n at e. */
// @ts-ignore: decorator
@inline export function decimalValue(n: i64, inv: f64): f32 {
  return <f32>(<f64>n * inv);
}

/** The smallest e from `from` on at which the value round-trips; -1 when none does. */
function minExponent(bits: u32, from: i32 = 0): i32 {
  const v = <f64>reinterpret<f32>(bits);
  if (!(Math.abs(v) < N_LIMIT)) return -1;
  for (let e = from; e <= E_MAX; e++) {
    const r = (v * pow10(e) + MAGIC) - MAGIC;
    if (!(Math.abs(r) < N_LIMIT)) return -1;
    if (reinterpret<u32>(<f32>(r * inversePow10(e))) == bits) return e;
  }
  return -1;
}

/** Samples g..g+lanes of `samples` spread over the n values at src (lanes past them repeat the first). */
// @ts-ignore: decorator
@inline function sampleLanes(src: usize, n: i32, samples: i32, g: i32, lanes: i32): v128 {
  let v = i32x4.splat(load<u32>(src + (<usize>((g * n) / samples) << 2)));
  if (lanes > 1) v = i32x4.replace_lane(v, 1, load<u32>(src + (<usize>(((g + 1) * n) / samples) << 2)));
  if (lanes > 2) v = i32x4.replace_lane(v, 2, load<u32>(src + (<usize>(((g + 2) * n) / samples) << 2)));
  if (lanes > 3) v = i32x4.replace_lane(v, 3, load<u32>(src + (<usize>(((g + 3) * n) / samples) << 2)));
  return v;
}

/** The largest of sampleExponents' lanes' exponents (-1: none fits). */
let sampledExponent: i32 = -1;

/**
 * minExponent for four values at once: each lane's smallest e from `from` on
 * at which it round-trips; returns the lanes that do at some e <= E_MAX and
 * leaves the largest of their exponents in sampledExponent.
 */
function sampleExponents(v: v128, from: i32): v128 {
  const lo = f64x2.promote_low_f32x4(v);
  const hi = f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1));
  const magic = f64x2.splat(MAGIC);
  const limit = f64x2.splat(N_LIMIT);
  let found = i32x4.splat(0);
  sampledExponent = -1;
  for (let e = from; e <= E_MAX; e++) {
    const scale = f64x2.splat(pow10(e));
    const inv = f64x2.splat(inversePow10(e));
    const rLo = f64x2.sub(f64x2.add(f64x2.mul(lo, scale), magic), magic);
    const rHi = f64x2.sub(f64x2.add(f64x2.mul(hi, scale), magic), magic);
    const back = i32x4.shuffle(f32x4.demote_f64x2_zero(f64x2.mul(rLo, inv)), f32x4.demote_f64x2_zero(f64x2.mul(rHi, inv)), 0, 1, 4, 5);
    // Out of range at e is out of range above it too (as minExponent gives up).
    const inRange = i32x4.shuffle(f64x2.lt(f64x2.abs(rLo), limit), f64x2.lt(f64x2.abs(rHi), limit), 0, 2, 4, 6);
    const ok = v128.and(i32x4.eq(back, v), inRange);
    if (v128.any_true(v128.andnot(ok, found))) {
      sampledExponent = e;
      found = v128.or(found, ok);
      if (i32x4.all_true(found)) break;
    }
  }
  return found;
}

/**
 * Fills `ints` (and the exceptions) for the n values at src; false when the
 * values have no decimal form worth coding. The exponent is guessed from a
 * few values spread over the chunk, then every value is verified; too many
 * misfits raise it (at most twice).
 */
export function toIntegers(src: usize, n: i32): bool {
  const samples = n < SAMPLES ? n : SAMPLES;
  let e = -1;
  let misfits = 0;
  for (let g = 0; g < samples; g += 4) {
    // Four samples a step: the smallest exponent from the largest so far on
    // at which each fits, their largest, and how many fit at none.
    const lanes = min(4, samples - g);
    const from = e < 0 ? 0 : e;
    const found = sampleExponents(sampleLanes(src, n, samples, g, lanes), from);
    const fits = <i32>popcnt(<u32>i32x4.bitmask(found) & ((1 << lanes) - 1));
    if (fits < lanes) {
      misfits += lanes - fits;
      if (misfits * 4 > samples) return false;
    }
    if (sampledExponent > e) e = sampledExponent;
  }
  if (e < 0) return false;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (convertAt(src, n, e)) {
      exponent = e;
      return true;
    }
    const higher = minExponent(failedBits);
    if (higher <= e) return false;
    e = higher;
  }
  return false;
}

/**
 * Four values at once: when all four round-trip at e and are narrow, both
 * copies of their n are stored. Adding MAGIC rounds v * 10^e to the nearest
 * integer n and puts it in the low bits (t = 1.5 * 2^52 + n; t - MAGIC is n
 * as f64, +0 for -0 as the decoder's f64(n) is), which the check multiplies
 * back as the decoder does. t's high word is 0x43380000 plus n's sign exactly
 * when t kept the binade, so n is the low word; adding 2^30 keeps it
 * non-negative exactly when |n| is narrow. Returns 1 then; 2 when all four
 * round-trip with wider n (only the f64 copies are stored); 0 when one does
 * not, and they go one by one.
 */
// @ts-ignore: decorator
@inline function convertFour(p: usize, at: usize, scale: v128, inv: v128): i32 {
  const v = v128.load(p);
  const magic = f64x2.splat(MAGIC);
  const tLo = f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(v), scale), magic);
  const tHi = f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)), scale), magic);
  const lo = f64x2.sub(tLo, magic);
  const hi = f64x2.sub(tHi, magic);
  const back = i32x4.shuffle(f32x4.demote_f64x2_zero(f64x2.mul(lo, inv)), f32x4.demote_f64x2_zero(f64x2.mul(hi, inv)), 0, 1, 4, 5);
  const n4 = i32x4.shuffle(tLo, tHi, 0, 2, 4, 6);
  const high = i32x4.shuffle(tLo, tHi, 1, 3, 5, 7);
  const same = i32x4.eq(back, v);
  let narrowOk = v128.and(same, i32x4.eq(high, i32x4.add(i32x4.splat(0x43380000), i32x4.shr_s(n4, 31))));
  narrowOk = v128.and(narrowOk, i32x4.ge_s(i32x4.add(n4, i32x4.splat(<i32>NARROW_LIMIT)), i32x4.splat(0)));
  if (i32x4.all_true(narrowOk)) {
    v128.store(narrowInts + (at >> 1), n4);
    v128.store(reals + at, lo);
    v128.store(reals + at, hi, 16);
    return 1;
  }
  // Wide n: the scalar check (|n| < 2^51 and the value read back), four at once.
  const limit = f64x2.splat(N_LIMIT);
  const inRange = i32x4.shuffle(f64x2.lt(f64x2.abs(lo), limit), f64x2.lt(f64x2.abs(hi), limit), 0, 2, 4, 6);
  if (!i32x4.all_true(v128.and(same, inRange))) return 0;
  v128.store(reals + at, lo);
  v128.store(reals + at, hi, 16);
  return 2;
}

/**
 * convertFour's first case without its branches: stores the i32 copies of
 * the four n (convertAt makes the f64 ones from them only when a chunk turns
 * out not to be narrow, rarely) and returns a mask whose bits are all set
 * when all four round-trip at e and |v| < `limit`, an f32 bound below which
 * |n| < 2^30 for sure (then t's low word is n): one f32 test instead of two
 * f64 ones on n. A value the bound is too strict for (within a millionth of
 * 2^30 / 10^e) only takes convertFour's way, which stores the same n. -0,
 * NaN and infinities fail the round trip or the bound (a NaN compares
 * false). A caller that sees a bit clear converts the same values again
 * with convertFour, which overwrites what this stored.
 */
// @ts-ignore: decorator
@inline function convertFourNarrow(p: usize, at: usize, scale: v128, inv: v128, magic: v128, limit: v128): v128 {
  const v = v128.load(p);
  const tLo = f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(v), scale), magic);
  const tHi = f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)), scale), magic);
  const lo = f64x2.sub(tLo, magic);
  const hi = f64x2.sub(tHi, magic);
  const back = i32x4.shuffle(f32x4.demote_f64x2_zero(f64x2.mul(lo, inv)), f32x4.demote_f64x2_zero(f64x2.mul(hi, inv)), 0, 1, 4, 5);
  v128.store(narrowInts + (at >> 1), i32x4.shuffle(tLo, tHi, 0, 2, 4, 6));
  return v128.and(i32x4.eq(back, v), f32x4.lt(f32x4.abs(v), limit));
}

function convertAt(src: usize, n: i32, e: i32): bool {
  const scale = pow10(e);
  const inv = inversePow10(e);
  const scale2 = f64x2.splat(scale);
  const inv2 = f64x2.splat(inv);
  exceptionCount = 0;
  let firstFit = -1;
  let last: f64 = 0;
  let allNarrow = true;
  // Groups of sixteen whose f64 copies are not written yet (their first slots).
  let fastCount = 0;
  let i = 0;
  const magic2 = f64x2.splat(MAGIC);
  // |v| below this: |v * 10^e| < (2^30 - 2) * (1 - 10^-6) (10^-e as an f64 is off by far
  // less than that margin, the f32 rounding of the bound too), so |n| < 2^30.
  const narrow2 = f32x4.splat(<f32>((NARROW_LIMIT - 2) * 0.999999 * inv));
  while (i < n) {
    // Sixteen at a time with one test, when all are narrow and fit (most
    // values of most chunks); otherwise the same values four at a time.
    if (i + 16 <= n && (i & 3) == 0) {
      const p = src + (<usize>i << 2);
      const at = <usize>i << 3;
      let ok = convertFourNarrow(p, at, scale2, inv2, magic2, narrow2);
      ok = v128.and(ok, convertFourNarrow(p + 16, at + 32, scale2, inv2, magic2, narrow2));
      ok = v128.and(ok, convertFourNarrow(p + 32, at + 64, scale2, inv2, magic2, narrow2));
      ok = v128.and(ok, convertFourNarrow(p + 48, at + 96, scale2, inv2, magic2, narrow2));
      if (i32x4.all_true(ok)) {
        if (firstFit < 0) firstFit = i;
        store<u16>(fastStarts + (<usize>fastCount << 1), <u16>i);
        fastCount++;
        i += 16;
        last = <f64>load<i32>(narrowInts + (<usize>(i - 1) << 2));
        continue;
      }
    }
    const four = i + 4 <= n ? convertFour(src + (<usize>i << 2), <usize>i << 3, scale2, inv2) : 0;
    if (four != 0) {
      // Wide n leave narrowInts unwritten: it is read only when every n is narrow.
      allNarrow &= four == 1;
      if (firstFit < 0) firstFit = i;
      last = load<f64>(reals + (<usize>(i + 3) << 3));
      i += 4;
      continue;
    }
    // One at a time until the next group of four.
    const stop = min(n, (i & ~3) + 4);
    for (; i < stop; i++) {
      const bits = load<u32>(src + (<usize>i << 2));
      const r = (<f64>reinterpret<f32>(bits) * scale + MAGIC) - MAGIC;
      if (Math.abs(r) < N_LIMIT && reinterpret<u32>(<f32>(r * inv)) == bits) {
        last = r;
        if (firstFit < 0) firstFit = i;
      } else {
        if (exceptionCount == MAX_EXCEPTIONS) {
          failedBits = bits;
          return false;
        }
        store<u16>(exceptionIndex + (<usize>exceptionCount << 1), <u16>i);
        store<u32>(exceptionBits + (<usize>exceptionCount << 2), bits);
        exceptionCount++;
      }
      // An exception's slot repeats its neighbour's n: no cost in either FOR or delta.
      store<f64>(reals + (<usize>i << 3), last);
      store<i32>(narrowInts + (<usize>i << 2), <i32><i64>last);
      allNarrow &= last >= -NARROW_LIMIT && last < NARROW_LIMIT;
    }
  }
  if (firstFit < 0) return false;
  // Every slot from firstFit on holds its n in one copy at least: the i32 one
  // for all of them while every n is narrow, else the f64 one once filled in.
  if (!allNarrow) fillReals(fastCount);
  const fill = allNarrow ? <f64>load<i32>(narrowInts + (<usize>firstFit << 2)) : load<f64>(reals + (<usize>firstFit << 3));
  for (let k = 0; k < firstFit; k++) {
    store<f64>(reals + (<usize>k << 3), fill);
    store<i32>(narrowInts + (<usize>k << 2), <i32><i64>fill);
  }
  // The n before the first, for the first delta: one step back along the
  // first two (a counter's first delta is then like the others).
  const second = allNarrow ? <f64>load<i32>(narrowInts + 4) : load<f64>(reals + 8);
  const before = n > 1 ? 2 * fill - second : fill;
  store<f64>(reals - 8, before);
  store<i32>(narrowInts - 4, <i32><i64>before);
  reference = <i64>before;
  narrow = allNarrow && before >= -NARROW_LIMIT && before < NARROW_LIMIT;
  // The reference alone is wide: the plan and the writer take the f64 copies.
  if (allNarrow && !narrow) fillReals(fastCount);
  return true;
}

/** The f64 copies of the groups of sixteen that convertFourNarrow stored as i32 only (exact: |n| < 2^30). */
function fillReals(count: i32): void {
  for (let k = 0; k < count; k++) {
    const g = <usize>load<u16>(fastStarts + (<usize>k << 1));
    const from = narrowInts + (g << 2);
    const to = reals + (g << 3);
    for (let q: usize = 0; q < 16; q += 4) {
      const v = v128.load(from + (q << 2));
      v128.store(to + (q << 3), f64x2.convert_low_i32x4_s(v));
      v128.store(to + (q << 3), f64x2.convert_low_i32x4_s(i32x4.shuffle(v, v, 2, 3, 0, 1)), 16);
    }
  }
}
