// Bit packing without an accumulator, for areas the encoder may overrun by a
// few bytes: the area (and 8 bytes after it) is zeroed first, then each field
// (or two or four joined, at most 57 bits) is ORed in with one unaligned u64
// load and store at its byte, shifted by its bit within that byte. No branch
// a field, where the accumulator needs one a flush. The bytes are those of
// bits.ts's packing: fields LSB first, the last byte's unused bits 0.
import { packedBytes } from "./bits";

/** Bytes past a packed area these packers may write (zeroing rounds up to vectors). */
// @ts-ignore: decorator
@inline export const PACK_SLACK: usize = 24;

// @ts-ignore: decorator
@inline function orAt(q: usize, bit: u32, f: u64): void {
  const at = q + <usize>(bit >> 3);
  store<u64>(at, load<u64>(at) | (f << <u64>(bit & 7)));
}

// @ts-ignore: decorator
@inline function zeroArea(q: usize, bytes: i32): void {
  const zero = i32x4.splat(0);
  for (let k = 0; k < bytes + 8; k += 16) v128.store(q + <usize>k, zero);
}

/**
 * DECIMAL's fields (decimal-pack.ts packNarrow) for the i32 copies of n at
 * src, w 1..57: n_j - base, or n_j - n_{j-1} - base when `delta`. Writes up to
 * PACK_SLACK bytes past the area; returns the address after the area.
 */
export function packNarrowOr(q: usize, src: usize, c: i32, w: u32, base: i64, delta: bool): usize {
  const bytes = packedBytes(c, <i32>w);
  zeroArea(q, bytes);
  const base4 = i32x4.splat(<i32>base);
  // FOR subtracts 0 instead of the n before: one loop for both modes.
  const before = i32x4.splat(delta ? -1 : 0);
  let bit: u32 = 0;
  let j = 0;
  if (w <= 14) {
    // Four fields joined: 4w + 7 <= 63 bits.
    const w2 = <u64>(w << 1);
    for (; j + 4 <= c; j += 4) {
      const p = src + (<usize>j << 2);
      const v = i32x4.sub(i32x4.sub(v128.load(p), v128.and(v128.load(p - 4), before)), base4);
      // Lanes 0 and 2: field 2k | field 2k+1 << w (2w <= 28 bits).
      const pairs = v128.or(v, i32x4.shl(i32x4.shuffle(v, v, 1, 0, 3, 0), w));
      const f = <u64><u32>i32x4.extract_lane(pairs, 0) | (<u64><u32>i32x4.extract_lane(pairs, 2) << w2);
      orAt(q, bit, f);
      bit += w << 2;
    }
  } else if (w <= 28) {
    // Eight fields a step as four pairs of 2w bits (<= 56): eight fields are
    // w bytes, so pair k of every step sits at the same byte b_k and bit s_k
    // from the step's first byte, and the shifts are made in SIMD.
    const w1 = <i32>w;
    const s1 = (w1 << 1) & 7;
    const s2 = (w1 << 2) & 7;
    const s3 = (w1 * 6) & 7;
    const b1 = <usize>((w1 << 1) >> 3);
    const b2 = <usize>((w1 << 2) >> 3);
    const b3 = <usize>((w1 * 6) >> 3);
    const high = i64x2.replace_lane(i64x2.splat(0), 1, -1);
    let at = q;
    for (; j + 8 <= c; j += 8) {
      const p = src + (<usize>j << 2);
      const u = i32x4.sub(i32x4.sub(v128.load(p), v128.and(v128.load(p - 4), before)), base4);
      const v = i32x4.sub(i32x4.sub(v128.load(p, 16), v128.and(v128.load(p, 12), before)), base4);
      const a = v128.or(i64x2.extend_low_i32x4_u(i32x4.shuffle(u, u, 0, 2, 0, 2)), i64x2.shl(i64x2.extend_low_i32x4_u(i32x4.shuffle(u, u, 1, 3, 1, 3)), w1));
      const b = v128.or(i64x2.extend_low_i32x4_u(i32x4.shuffle(v, v, 0, 2, 0, 2)), i64x2.shl(i64x2.extend_low_i32x4_u(i32x4.shuffle(v, v, 1, 3, 1, 3)), w1));
      const a2 = v128.bitselect(i64x2.shl(a, s1), a, high);
      const b2v = v128.bitselect(i64x2.shl(b, s3), i64x2.shl(b, s2), high);
      store<u64>(at, load<u64>(at) | <u64>i64x2.extract_lane(a2, 0));
      store<u64>(at + b1, load<u64>(at + b1) | <u64>i64x2.extract_lane(a2, 1));
      store<u64>(at + b2, load<u64>(at + b2) | <u64>i64x2.extract_lane(b2v, 0));
      store<u64>(at + b3, load<u64>(at + b3) | <u64>i64x2.extract_lane(b2v, 1));
      at += <usize>w1;
    }
    bit = <u32>(j * w1);
  }
  for (; j < c; j++, bit += w) {
    const p = src + (<usize>j << 2);
    let n = <i64>load<i32>(p);
    if (delta) n -= <i64>load<i32>(p - 4);
    orAt(q, bit, <u64>(n - base));
  }
  return q + <usize>bytes;
}

/**
 * XOR's fields (xor.ts packXor): (bits_j ^ bits_{j-1}) >> shift in w bits
 * (1..32) for the c values at src after prev, the zero ones left out when
 * `masked`. Writes up to PACK_SLACK bytes past the area; returns the address
 * after it.
 */
export function packXorOr(q: usize, src: usize, c: i32, w: u32, shift: u32, prev: u32, masked: bool, count: i32): usize {
  const bytes = packedBytes(count, <i32>w);
  zeroArea(q, bytes);
  let bit: u32 = 0;
  let j = 0;
  if (!masked) {
    // The value before the first of this block is prev.
    const first = load<u32>(src) ^ prev;
    orAt(q, 0, <u64>(first >> shift));
    bit = w;
    j = 1;
    const w1 = <u64>w;
    if (w <= 28) {
      for (; j + 4 <= c; j += 4) {
        const p = src + (<usize>j << 2);
        const x = i32x4.shr_u(v128.xor(v128.load(p), v128.load(p - 4)), shift);
        orAt(q, bit, <u64><u32>i32x4.extract_lane(x, 0) | (<u64><u32>i32x4.extract_lane(x, 1) << w1));
        orAt(q, bit + (w << 1), <u64><u32>i32x4.extract_lane(x, 2) | (<u64><u32>i32x4.extract_lane(x, 3) << w1));
        bit += w << 2;
      }
    }
    for (; j < c; j++, bit += w) {
      const p = src + (<usize>j << 2);
      orAt(q, bit, <u64>((load<u32>(p) ^ load<u32>(p - 4)) >> shift));
    }
    return q + <usize>bytes;
  }
  for (; j < c; j++) {
    const cur = load<u32>(src + (<usize>j << 2));
    const x = cur ^ prev;
    prev = cur;
    orAt(q, bit, <u64>(x >> shift));
    // A zero field is ORed in and not counted: the next one takes its place.
    bit += x != 0 ? w : 0;
  }
  return q + <usize>bytes;
}
