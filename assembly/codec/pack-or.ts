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
    // Two fields joined: 2w + 7 <= 63 bits.
    const w1 = <u64>w;
    const w2 = w << 1;
    for (; j + 4 <= c; j += 4) {
      const p = src + (<usize>j << 2);
      const v = i32x4.sub(i32x4.sub(v128.load(p), v128.and(v128.load(p - 4), before)), base4);
      const f0 = <u64><u32>i32x4.extract_lane(v, 0) | (<u64><u32>i32x4.extract_lane(v, 1) << w1);
      const f1 = <u64><u32>i32x4.extract_lane(v, 2) | (<u64><u32>i32x4.extract_lane(v, 3) << w1);
      orAt(q, bit, f0);
      orAt(q, bit + w2, f1);
      bit += w << 2;
    }
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
