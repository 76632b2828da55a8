// 32-bit floats as JSON numbers: the shortest decimal that reads back to the
// same float (the closest one when several are as short), laid out the way
// JavaScript's Number#toString prints it, NaN and infinities as null.
//
// Ryu finds those digits for every float. Metric values are mostly integers or
// numbers with a few decimals between 0.001 and 2^24; for those an exact
// integer test finds the same digits several times faster (formatF32), and
// formatF32Ryu keeps the plain Ryu route for the tests that compare both.
import { DIGIT_PAIRS, decimalLength32, digitCount, putDigits32, putLast8, putUint32 } from "./digits";
import { ryu32, ryuDigits, ryuExponent } from "./ryu";
import { initValueTexts } from "./value-texts";

const POW10: usize = memory.data<u64>([
  1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000, 10000000000, 100000000000,
]);

// ".ddd" less its trailing zeros for each fraction 1..999 of a number with
// three decimals (bytes 0-3), and its length (byte 4).
const FRAC3: usize = memory.data(1000 * 8, 8);

export function initFloatFormat(): void {
  initValueTexts();
  for (let f: u32 = 1; f < 1000; f++) {
    const text = 0x2e | ((48 + f / 100) << 8) | ((48 + f / 10 % 10) << 16) | ((48 + f % 10) << 24);
    const len: u64 = f % 100 == 0 ? 2 : f % 10 == 0 ? 3 : 4;
    store<u64>(FRAC3 + (<usize>f << 3), <u64>text | (len << 32));
  }
}

// Floats m / 2^s with s <= 33 (from 2^-10 on) take the fast routes: m * 10^(k+2)
// stays below 2^63 there (k below).
const FAST_MIN_EXPONENT: u32 = 150 - 33; // biased

/**
 * Whether r / 10^k reads back as x = m / 2^s, given n = m * 10^k and pk = 10^k:
 * whether |r / 10^k - x| stays inside half of x's spacing, in integers:
 * |d| = |r * 2^s - n| against 10^k / 2. Below a power of two (`lopsided`) the
 * spacing is half as wide. A candidate never lies exactly on the edge: for
 * s <= k, n / 2^s is whole and d = 0; for s > k, d is a multiple of 2^k and
 * 10^k / 2 (or / 4) is not. Without branches: the sign of d is a coin toss.
 */
// @ts-ignore: decorator
@inline function readsBack(r: u64, n: u64, s: u64, pk: u64, lopsided: bool): bool {
  const d = <i64>((r << s) - n);
  const neg = d >> 63;
  return <u64>((d ^ neg) - neg) << (1 + (<u64>lopsided & <u64>neg)) < pk;
}

/** n / 2^s rounded to the nearest integer, ties to even. */
// @ts-ignore: decorator
@inline function roundShift(n: u64, s: u64): u64 {
  return (n + ((<u64>1 << (s - 1)) - 1) + ((n >> s) & 1)) >> s;
}

/**
 * x = m / 2^s (not a whole number; 1 <= s <= 33) in plain notation at p;
 * returns the end, or 0 when the shortest form needs more decimals than
 * tried here (Ryu then decides).
 *
 * With k the largest number of decimals whose step 10^-k is wider than x's
 * spacing 2^-s, at most one k-decimal reads back as x, and if one does, it is
 * the nearest: the shortest form is then it, less its trailing zeros. When
 * none does, the shortest form has more decimals: the nearest (k+1)- or
 * (k+2)-decimal. (At a power of two, whose spacing is lopsided, the neighbour
 * on the far side of the nearest could in principle be the one; for the 33
 * powers of two here it is not, as the exhaustive check shows.)
 */
function putFraction(p: usize, m: u32, s: u32, lopsided: bool): usize {
  const sh = <u64>s;
  let k = (s * 78913) >> 18; // floor(s * log10(2)): 10^k < 2^s
  let pk = load<u64>(POW10 + (<usize>k << 3));
  let n = <u64>m * pk;
  let r = roundShift(n, sh);
  if (readsBack(r, n, sh, pk, lopsided)) {
    // r < 2^24 here; it is no multiple of 10^k (x is not whole).
    let v = <u32>r;
    while (v % 100 == 0) {
      v /= 100;
      k -= 2;
    }
    if (v % 10 == 0) {
      v /= 10;
      k--;
    }
    return putPlain(p, m, s, v, k);
  }
  for (let extra = 0; extra < 2; extra++) {
    k++;
    pk = load<u64>(POW10 + (<usize>k << 3));
    n = <u64>m * pk;
    r = roundShift(n, sh);
    if (readsBack(r, n, sh, pk, lopsided)) return putPlain(p, m, s, <u32>r, k);
  }
  return 0;
}

/** v / 10^k (at most 9 digits, not a whole number) with the integer part of m / 2^s. */
// @ts-ignore: decorator
@inline function putPlain(p: usize, m: u32, s: u32, v: u32, k: u32): usize {
  if (s >= 24) {
    // Below 1: "0.", the zeros after the point, the digits.
    store<u64>(p, 0x3030303030302e30); // "0.000000"
    if (v >= 100000000) {
      const q = p + 2 + <usize>(k - 9);
      putDigits32(q, v, 9);
      return q + 9;
    }
    const len = digitCount(v);
    const q = p + 2 + <usize>(k - len);
    putLast8(q, v, len);
    return q + <usize>len;
  }
  // 1 <= x < 2^23: k <= 8 decimals.
  const ip = m >> s;
  const q = putSmall(p, ip);
  store<u8>(q, 46);
  putLast8(q + 1, v - ip * <u32>load<u64>(POW10 + (<usize>k << 3)), k);
  return q + 1 + <usize>k;
}

/** v at p; returns the end. One and two digits (the usual integer part) without a branch. */
// @ts-ignore: decorator
@inline function putSmall(p: usize, v: u32): usize {
  if (v < 100) {
    const pair = <u32>load<u16>(DIGIT_PAIRS + (<usize>v << 1));
    const one = v < 10;
    store<u16>(p, <u16>select<u32>(pair >> 8, pair, one));
    return p + 2 - <usize>one;
  }
  if (v < 10000) {
    // Three or four digits (clock rates, gigabytes) as one 4-byte store.
    const hi = v / 100;
    const text = <u32>load<u16>(DIGIT_PAIRS + (<usize>hi << 1)) | (<u32>load<u16>(DIGIT_PAIRS + (<usize>(v - hi * 100) << 1)) << 16);
    const three = v < 1000;
    store<u32>(p, text >> (<u32>three << 3));
    return p + 4 - <usize>three;
  }
  return putUint32(p, v);
}

/**
 * A 32-bit float as JSON at p, returning the end: null for NaN and
 * infinities, otherwise the shortest digits that read back to the same float,
 * laid out like JavaScript's Number#toString (plain for 1e-6 <= |x| < 1e21,
 * exponent otherwise). Writes at most 24 bytes, scratch after the number
 * included.
 */
export function formatF32(at: usize, x: f32): usize {
  return formatF32Inline(at, x);
}

/**
 * formatF32 with its commonest route inlined into loops over many values:
 * 2^-10 <= |x| < 2^14 (s >= 10) with at most three decimals, whole numbers
 * included. There at most one 3-decimal number reads back as x.
 */
// @ts-ignore: decorator
@inline export function formatF32Inline(at: usize, x: f32): usize {
  const bits = reinterpret<u32>(x);
  const s: u32 = 150 - ((bits >> 23) & 0xff); // wraps from 2^24 on
  if (s - 10 <= 33 - 10) {
    const mant = bits & 0x7fffff;
    const n = <u64>(mant | 0x800000) * 1000;
    // Rounded half up: at a tie |d| = 2^(s-1) >= 512 reads back either way
    // round, so ties to even (roundShift) is not needed here. readsBack as
    // one unsigned range test: -500 < d < 500, or -250 < d at a power of two.
    const r = (n + (<u64>1 << (<u64>s - 1))) >> s;
    const lo: u64 = mant == 0 ? 249 : 499;
    if ((r << s) - n + lo < lo + 500) {
      store<u8>(at, 45);
      const v = <u32>r;
      const ip = v / 1000;
      const q = putSmall(at + <usize>(bits >> 31), ip);
      // Fraction 0 (a whole number) is empty text of length 0.
      const frac = load<u64>(FRAC3 + (<usize>(v - ip * 1000) << 3));
      store<u32>(q, <u32>frac);
      return q + <usize>(frac >> 32);
    }
  } else if (s <= 9 && (bits & ((1 << s) - 1)) == 0) {
    // Whole numbers from 2^14 to 2^24: exact and already shortest.
    store<u8>(at, 45);
    return putUint32(at + <usize>(bits >> 31), ((bits & 0x7fffff) | 0x800000) >> s);
  }
  return formatF32Rest(at, x);
}

/** formatF32 past the inlined route. */
function formatF32Rest(at: usize, x: f32): usize {
  const bits = reinterpret<u32>(x);
  const e = (bits >> 23) & 0xff;
  if (e == 0xff) {
    store<u32>(at, 0x6c6c756e); // "null"
    return at + 4;
  }
  store<u8>(at, 45);
  const p = at + <usize>(bits >> 31);
  const mant = bits & 0x7fffff;
  if (e >= FAST_MIN_EXPONENT && e <= 150) {
    const m = mant | 0x800000;
    const s = 150 - e;
    // Whole numbers below 2^24 are exact and already shortest.
    if (s == 0 || (s < 24 && (m << (32 - s)) == 0)) return putUint32(p, m >> s);
    const end = putFraction(p, m, s, mant == 0);
    if (end != 0) return end;
  } else if ((bits & 0x7fffffff) == 0) {
    store<u8>(p, 48);
    return p + 1;
  }
  return putShortest(p, bits & 0x7fffffff);
}

/** formatF32 by Ryu alone: what the fast routes must match byte for byte (tests). */
export function formatF32Ryu(at: usize, x: f32): usize {
  const bits = reinterpret<u32>(x);
  if ((bits & 0x7f800000) == 0x7f800000) {
    store<u32>(at, 0x6c6c756e);
    return at + 4;
  }
  store<u8>(at, 45);
  const p = at + <usize>(bits >> 31);
  if ((bits & 0x7fffffff) == 0) {
    store<u8>(p, 48);
    return p + 1;
  }
  return putShortest(p, bits & 0x7fffffff);
}

/** A finite, positive, non-zero float by Ryu's digits. */
function putShortest(at: usize, bits: u32): usize {
  let p = at;
  ryu32(bits);
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
    let ex = n - 1;
    if (ex < 0) {
      store<u8>(p, 45);
      ex = -ex;
    } else {
      store<u8>(p, 43);
    }
    p++;
    const el = decimalLength32(<u32>ex);
    putDigits32(p, <u32>ex, el);
    p += <usize>el;
  }
  return p;
}
