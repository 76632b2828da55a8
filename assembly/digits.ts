// Decimal digits of unsigned integers, two at a time.

export const DIGIT_PAIRS: usize = memory.data<u8>([
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
@inline export function decimalLength32(v: u32): i32 {
  if (v < 100000) {
    if (v < 100) return v < 10 ? 1 : 2;
    return v < 1000 ? 3 : v < 10000 ? 4 : 5;
  }
  if (v < 10000000) return v < 1000000 ? 6 : 7;
  return v < 100000000 ? 8 : v < 1000000000 ? 9 : 10;
}

export function decimalLength(v: u64): i32 {
  if (v <= 0xffffffff) return decimalLength32(<u32>v);
  let n = 10;
  let x = v / 10000000000;
  while (x > 0) {
    x /= 10;
    n++;
  }
  return n;
}

/** Writes v (at most `len` digits) as exactly `len` digits, zero-padded, at dst. */
// @ts-ignore: decorator
@inline export function putDigits32(dst: usize, v: u32, len: i32): void {
  let x = v;
  let pos = dst + <usize>len;
  let n = len;
  while (n >= 2) {
    const q = x / 100;
    pos -= 2;
    store<u16>(pos, load<u16>(DIGIT_PAIRS + (<usize>(x - q * 100) << 1)));
    x = q;
    n -= 2;
  }
  if (n == 1) store<u8>(pos - 1, <u8>(48 + x));
}

export function putDigits(dst: usize, v: u64, len: i32): void {
  if (v <= 0xffffffff) {
    putDigits32(dst, <u32>v, len);
    return;
  }
  // The low 8 digits (zero-padded), then the rest.
  const hi = v / 100000000;
  putDigits32(dst + <usize>(len - 8), <u32>(v - hi * 100000000), 8);
  putDigits(dst, hi, len - 8);
}

const POW10_32: usize = memory.data<u32>([1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000]);

/** v (below 10^8) as 8 ASCII digits with leading zeros, the first in the lowest byte. */
// @ts-ignore: decorator
@inline export function digits8(v: u32): u64 {
  const hi = v / 10000;
  const lo = v - hi * 10000;
  const hh = hi / 100;
  const lh = lo / 100;
  return <u64>load<u16>(DIGIT_PAIRS + (<usize>hh << 1)) |
    (<u64>load<u16>(DIGIT_PAIRS + (<usize>(hi - hh * 100) << 1)) << 16) |
    (<u64>load<u16>(DIGIT_PAIRS + (<usize>lh << 1)) << 32) |
    (<u64>load<u16>(DIGIT_PAIRS + (<usize>(lo - lh * 100) << 1)) << 48);
}

/** The last `len` (1..8) of the 8 digits of v (below 10^8) at p, as one 8-byte store. */
// @ts-ignore: decorator
@inline export function putLast8(p: usize, v: u32, len: u32): void {
  store<u64>(p, digits8(v) >> ((8 - <u64>len) << 3));
}

/** Decimal digits of v: floor(log10(v)) + 1 from its bit length (1233 / 4096 ~ log10(2)); 1 for 0. */
// @ts-ignore: decorator
@inline export function digitCount(v: u32): u32 {
  const w = v | 1;
  const approx = ((32 - clz<u32>(w)) * 1233) >> 12;
  return approx + <u32>(w >= load<u32>(POW10_32 + (<usize>approx << 2)));
}

/**
 * v in decimal at p, returning the end; below 10^8 with few branches, as one
 * 8-byte store (up to 7 bytes of scratch after the digits).
 */
export function putUint32(p: usize, v: u32): usize {
  if (v >= 100000000) {
    const len = decimalLength32(v);
    putDigits32(p, v, len);
    return p + <usize>len;
  }
  const len = digitCount(v);
  putLast8(p, v, len);
  return p + <usize>len;
}
