// DECIMAL's bit packing (the block format is in decimal.ts): the fields of a
// block, n_j - base (frame of reference) or n_j - n_{j-1} - base (delta), LSB
// first. The differences come four (i32 copies) or two (f64 copies) at a time
// from SIMD, and are joined into one wider field before they reach the
// accumulator (x0 | x1 << w, and for w <= 15 all four), so the serial part
// of the loop runs a quarter or half as often. The bytes are those of
// bits.ts's one-field-at-a-time packing.
import { packTail } from "./bits";

/**
 * Packs c fields of width w (1..57) for the i32 copies of n at src (src - 4
 * holds n_{-1}); returns the address after the area.
 */
export function packNarrow(q: usize, src: usize, c: i32, w: u32, base: i64, delta: bool): usize {
  let acc: u64 = 0;
  let bits: u32 = 0;
  let j = 0;
  const base4 = i32x4.splat(<i32>base);
  if (w <= 31) {
    // Four fields joined (4w bits) below 16 bits a field, two (2w bits) up to 31.
    const quad = w <= 15;
    const fw: u32 = quad ? w << 2 : w << 1;
    for (; j + 4 <= c; j += 4) {
      const p = src + (<usize>j << 2);
      let v = v128.load(p);
      if (delta) v = i32x4.sub(v, v128.load(p - 4));
      v = i32x4.sub(v, base4);
      const even = i64x2.extend_low_i32x4_u(i32x4.shuffle(v, v, 0, 2, 0, 2));
      const odd = i64x2.extend_low_i32x4_u(i32x4.shuffle(v, v, 1, 3, 1, 3));
      const pairs = v128.or(even, i64x2.shl(odd, <i32>w));
      const lo = <u64>i64x2.extract_lane(pairs, 0);
      const hi = <u64>i64x2.extract_lane(pairs, 1);
      if (quad) {
        const f = lo | (hi << <u64>(w << 1));
        acc |= f << <u64>bits;
        bits += fw;
        if (bits >= 64) {
          store<u64>(q, acc);
          q += 8;
          bits -= 64;
          acc = f >> <u64>(fw - bits);
        }
      } else {
        acc |= lo << <u64>bits;
        bits += fw;
        if (bits >= 64) {
          store<u64>(q, acc);
          q += 8;
          bits -= 64;
          acc = lo >> <u64>(fw - bits);
        }
        acc |= hi << <u64>bits;
        bits += fw;
        if (bits >= 64) {
          store<u64>(q, acc);
          q += 8;
          bits -= 64;
          acc = hi >> <u64>(fw - bits);
        }
      }
    }
  }
  for (; j < c; j++) {
    const p = src + (<usize>j << 2);
    let n = <i64>load<i32>(p);
    if (delta) n -= <i64>load<i32>(p - 4);
    const v = <u64>(n - base);
    acc |= v << <u64>bits;
    bits += w;
    if (bits >= 64) {
      store<u64>(q, acc);
      q += 8;
      bits -= 64;
      acc = v >> <u64>(w - bits);
    }
  }
  return packTail(q, acc, bits);
}

// @ts-ignore: decorator
@inline const TWO_52: f64 = 4503599627370496.0;
// @ts-ignore: decorator
@inline const LOW_52: i64 = 0xfffffffffffff;

/**
 * packNarrow for the f64 copies of n (exact integers, |n| < 2^51; src - 8
 * holds n_{-1}). Up to width 51 a difference d (exact in f64) becomes an
 * integer as the low 52 bits of d + 2^52, two at a time.
 */
export function packWide(q: usize, src: usize, c: i32, w: u32, base: i64, delta: bool): usize {
  let acc: u64 = 0;
  let bits: u32 = 0;
  let j = 0;
  if (w <= 51) {
    const base2 = f64x2.splat(<f64>base);
    const two52 = f64x2.splat(TWO_52);
    const low52 = i64x2.splat(LOW_52);
    const pair = w <= 31;
    const fw: u32 = pair ? w << 1 : w;
    for (; j + 2 <= c; j += 2) {
      const p = src + (<usize>j << 3);
      let v = v128.load(p);
      if (delta) v = f64x2.sub(v, v128.load(p - 8));
      const d = v128.and(f64x2.add(f64x2.sub(v, base2), two52), low52);
      const lo = <u64>i64x2.extract_lane(d, 0);
      const hi = <u64>i64x2.extract_lane(d, 1);
      if (pair) {
        const f = lo | (hi << <u64>w);
        acc |= f << <u64>bits;
        bits += fw;
        if (bits >= 64) {
          store<u64>(q, acc);
          q += 8;
          bits -= 64;
          acc = f >> <u64>(fw - bits);
        }
      } else {
        acc |= lo << <u64>bits;
        bits += fw;
        if (bits >= 64) {
          store<u64>(q, acc);
          q += 8;
          bits -= 64;
          acc = lo >> <u64>(fw - bits);
        }
        acc |= hi << <u64>bits;
        bits += fw;
        if (bits >= 64) {
          store<u64>(q, acc);
          q += 8;
          bits -= 64;
          acc = hi >> <u64>(fw - bits);
        }
      }
    }
  }
  for (; j < c; j++) {
    const p = src + (<usize>j << 3);
    let n = <i64>load<f64>(p);
    if (delta) n -= <i64>load<f64>(p - 8);
    const v = <u64>(n - base);
    acc |= v << <u64>bits;
    bits += w;
    if (bits >= 64) {
      store<u64>(q, acc);
      q += 8;
      bits -= 64;
      acc = v >> <u64>(w - bits);
    }
  }
  return packTail(q, acc, bits);
}
