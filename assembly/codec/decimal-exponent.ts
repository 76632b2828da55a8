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
/**
 * Vector constants, loaded so that V8 keeps them in registers instead of
 * rebuilding them in every loop turn: MAGIC in both f64 lanes (0), the
 * sign-clearing mask in four i32 lanes (16), N_LIMIT in both f64 lanes (32),
 * the f64 sign-clearing mask (48). 64 bytes aligned to 4 where convertAt's list
 * of fast groups was: the static data keeps its size, so every address after
 * it (chunks, and the rollup cache's slots hashed from them) stays as it was.
 */
const CONSTANTS: usize = memory.data<u64>([MAGIC_BITS, MAGIC_BITS, 0x7fffffff7fffffff, 0x7fffffff7fffffff, 0x4320000000000000, 0x4320000000000000, 0x7fffffffffffffff, 0x7fffffffffffffff], 4);
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

/** Sample k of `samples` spread over n values: k * n / samples, a shift for the usual 16 (and k itself when n < 16, all of them sampled). */
// @ts-ignore: decorator
@inline function sampleAt(src: usize, n: i32, k: i32): u32 {
  return load<u32>(src + (<usize>(n < SAMPLES ? k : (k * n) >> 4) << 2));
}

/** Samples g..g+lanes (sampleAt) of the n values at src (lanes past them repeat the first). */
// @ts-ignore: decorator
@inline function sampleLanes(src: usize, n: i32, g: i32, lanes: i32): v128 {
  let v = i32x4.splat(sampleAt(src, n, g));
  if (lanes > 1) v = i32x4.replace_lane(v, 1, sampleAt(src, n, g + 1));
  if (lanes > 2) v = i32x4.replace_lane(v, 2, sampleAt(src, n, g + 2));
  if (lanes > 3) v = i32x4.replace_lane(v, 3, sampleAt(src, n, g + 3));
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
  const magic = v128.load(CONSTANTS);
  const limit = v128.load(CONSTANTS, 32);
  const absMask = v128.load(CONSTANTS, 48);
  let found = i32x4.splat(0);
  sampledExponent = -1;
  for (let e = from; e <= E_MAX; e++) {
    const scale = f64x2.splat(pow10(e));
    const inv = f64x2.splat(inversePow10(e));
    const rLo = f64x2.sub(f64x2.add(f64x2.mul(lo, scale), magic), magic);
    const rHi = f64x2.sub(f64x2.add(f64x2.mul(hi, scale), magic), magic);
    const back = i32x4.shuffle(f32x4.demote_f64x2_zero(f64x2.mul(rLo, inv)), f32x4.demote_f64x2_zero(f64x2.mul(rHi, inv)), 0, 1, 4, 5);
    // Out of range at e is out of range above it too (as minExponent gives up).
    const inRange = i32x4.shuffle(f64x2.lt(v128.and(rLo, absMask), limit), f64x2.lt(v128.and(rHi, absMask), limit), 0, 2, 4, 6);
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
    const found = sampleExponents(sampleLanes(src, n, g, lanes), from);
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

// ---- converting every value at the chosen exponent ----
//
// Which value fits (round-trips at e with |n| < 2^51) and its n decide every
// output (the n, the exceptions in slot order, the reference, narrow), so
// the values may be grouped any way: most go sixteen at a time with one
// test, whose n are stored before the test and stored again one by one when
// it fails. While every n so far is narrow, only the i32 copies are kept;
// the first wide n turns the chunk wide: the f64 copies are made for the
// slots before it, and from then on only they are kept.

let wide: bool = false;
let firstFit: i32 = -1;
let convertScale: f64 = 0;
let convertInv: f64 = 0;

/**
 * Four values at p: their n go to slot `at` of the chunk's copy (i32 while
 * narrow, f64 once wide); returns a mask with a bit set in each lane whose
 * value does not round-trip at e or whose |v| is above `bound` (the bits of
 * the largest f32 at which n is narrow, wide: below 2^51, for sure; gt_s is
 * one x64 compare where ge_s is two). A value the
 * bound is too strict for (within a millionth of it) only takes the slow way,
 * which stores the same n. -0, NaN and infinities fail the round trip or the
 * bound (their sign-cleared bits compare above it).
 */
// @ts-ignore: decorator
@inline function convertFour(p: usize, at: usize, scale: v128, inv: v128, magic: v128, absMask: v128, bound: v128, isWide: bool): v128 {
  const v = v128.load(p);
  const tLo = f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(v), scale), magic);
  const tHi = f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)), scale), magic);
  const lo = f64x2.sub(tLo, magic);
  const hi = f64x2.sub(tHi, magic);
  if (isWide) {
    v128.store(reals + (at << 3), lo);
    v128.store(reals + (at << 3), hi, 16);
  } else {
    // Below the bound |n| < 2^30, so t's low word is n.
    v128.store(narrowInts + (at << 2), i32x4.shuffle(tLo, tHi, 0, 2, 4, 6));
  }
  const back = i32x4.shuffle(f32x4.demote_f64x2_zero(f64x2.mul(lo, inv)), f32x4.demote_f64x2_zero(f64x2.mul(hi, inv)), 0, 1, 4, 5);
  return v128.or(v128.xor(back, v), i32x4.gt_s(v128.and(v, absMask), bound));
}

/** The f64 copies of the n in slots [0, to) from the i32 ones (a few past `to` too: harmless, they are written again). */
function widen(to: i32): void {
  for (let k = 0; k < to; k += 4) {
    const v = v128.load(narrowInts + (<usize>k << 2));
    v128.store(reals + (<usize>k << 3), f64x2.convert_low_i32x4_s(v));
    v128.store(reals + (<usize>k << 3), f64x2.convert_low_i32x4_s(i32x4.shuffle(v, v, 2, 3, 0, 1)), 16);
  }
  wide = true;
}

/** n of slot i as f64, from the copy kept. */
// @ts-ignore: decorator
@inline function slotN(i: i32): f64 {
  return wide ? load<f64>(reals + (<usize>i << 3)) : <f64>load<i32>(narrowInts + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline function storeN(i: i32, r: f64): void {
  if (wide) store<f64>(reals + (<usize>i << 3), r);
  else store<i32>(narrowInts + (<usize>i << 2), <i32><i64>r);
}

/**
 * Values [i, to) one at a time, the exact test; an exception's slot repeats
 * the n before it (0 before the first fit; convertAt fills those slots), so
 * that it costs nothing in either FOR or delta. False at the 25th exception.
 */
function convertOneByOne(src: usize, i: i32, to: i32): bool {
  const scale = convertScale;
  const inv = convertInv;
  for (; i < to; i++) {
    const bits = load<u32>(src + (<usize>i << 2));
    const r = (<f64>reinterpret<f32>(bits) * scale + MAGIC) - MAGIC;
    if (Math.abs(r) < N_LIMIT && reinterpret<u32>(<f32>(r * inv)) == bits) {
      if (firstFit < 0) firstFit = i;
      if (!wide && !(r >= -NARROW_LIMIT && r < NARROW_LIMIT)) widen(i);
      storeN(i, r);
    } else {
      if (exceptionCount == MAX_EXCEPTIONS) {
        failedBits = bits;
        return false;
      }
      store<u16>(exceptionIndex + (<usize>exceptionCount << 1), <u16>i);
      store<u32>(exceptionBits + (<usize>exceptionCount << 2), bits);
      exceptionCount++;
      storeN(i, i > 0 ? slotN(i - 1) : 0);
    }
  }
  return true;
}

/** Values [i, i + 4): four at once when all fit below the bound, else one at a time. */
// @ts-ignore: decorator
@inline function convertFourOrOne(src: usize, i: i32, scale: v128, inv: v128, magic: v128, absMask: v128, narrowBound: v128, wideBound: v128): bool {
  const p = src + (<usize>i << 2);
  const bad = wide
    ? convertFour(p, <usize>i, scale, inv, magic, absMask, wideBound, true)
    : convertFour(p, <usize>i, scale, inv, magic, absMask, narrowBound, false);
  if (!v128.any_true(bad)) {
    if (firstFit < 0) firstFit = i;
    return true;
  }
  return convertOneByOne(src, i, i + 4);
}

function convertAt(src: usize, n: i32, e: i32): bool {
  const scale = pow10(e);
  const inv = inversePow10(e);
  convertScale = scale;
  convertInv = inv;
  const scale2 = f64x2.splat(scale);
  const inv2 = f64x2.splat(inv);
  const magic2 = v128.load(CONSTANTS);
  const absMask = v128.load(CONSTANTS, 16);
  // |v| below these: |v * 10^e| < limit * (1 - 10^-6) (10^-e as an f64 is off
  // by far less than that margin, the f32 rounding of the bound too), so
  // |n| < 2^30 (narrow) or < 2^51; compared as the sign-cleared bits.
  const narrowBound = i32x4.splat(reinterpret<i32>(<f32>((NARROW_LIMIT - 2) * 0.999999 * inv)) - 1);
  const wideBound = i32x4.splat(reinterpret<i32>(<f32>((N_LIMIT - 2) * 0.999999 * inv)) - 1);
  exceptionCount = 0;
  firstFit = -1;
  wide = false;
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const p = src + (<usize>i << 2);
    const at = <usize>i;
    let bad: v128;
    if (wide) {
      bad = convertFour(p, at, scale2, inv2, magic2, absMask, wideBound, true);
      bad = v128.or(bad, convertFour(p + 16, at + 4, scale2, inv2, magic2, absMask, wideBound, true));
      bad = v128.or(bad, convertFour(p + 32, at + 8, scale2, inv2, magic2, absMask, wideBound, true));
      bad = v128.or(bad, convertFour(p + 48, at + 12, scale2, inv2, magic2, absMask, wideBound, true));
    } else {
      bad = convertFour(p, at, scale2, inv2, magic2, absMask, narrowBound, false);
      bad = v128.or(bad, convertFour(p + 16, at + 4, scale2, inv2, magic2, absMask, narrowBound, false));
      bad = v128.or(bad, convertFour(p + 32, at + 8, scale2, inv2, magic2, absMask, narrowBound, false));
      bad = v128.or(bad, convertFour(p + 48, at + 12, scale2, inv2, magic2, absMask, narrowBound, false));
    }
    if (!v128.any_true(bad)) {
      if (firstFit < 0) firstFit = i;
      continue;
    }
    // An exception or a wide n among them: four at a time, the group that holds it one by one.
    for (let k = i; k < i + 16; k += 4) {
      if (!convertFourOrOne(src, k, scale2, inv2, magic2, absMask, narrowBound, wideBound)) return false;
    }
  }
  for (; i + 4 <= n; i += 4) {
    if (!convertFourOrOne(src, i, scale2, inv2, magic2, absMask, narrowBound, wideBound)) return false;
  }
  if (!convertOneByOne(src, i, n)) return false;
  if (firstFit < 0) return false;
  // The slots before the first fit take its n.
  const fill = slotN(firstFit);
  for (let k = 0; k < firstFit; k++) storeN(k, fill);
  // The n before the first, for the first delta: one step back along the
  // first two (a counter's first delta is then like the others).
  const before = n > 1 ? 2 * fill - slotN(1) : fill;
  store<f64>(reals - 8, before);
  store<i32>(narrowInts - 4, <i32><i64>before);
  reference = <i64>before;
  narrow = !wide && before >= -NARROW_LIMIT && before < NARROW_LIMIT;
  // The reference alone is wide: the plan and the writer take the f64 copies.
  if (!wide && !narrow) widen(n);
  return true;
}
