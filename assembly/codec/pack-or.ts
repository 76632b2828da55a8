// Bit packing with a branch-free writer, for areas the encoder may overrun by
// a few bytes: the pending bits (fewer than 8 after each step) and the next
// field (or two or four joined, at most 56 bits) go to memory as one
// unaligned u64 store every step, then the writer moves on by the whole
// bytes done. No branch a field, where an accumulator flushing whole words
// needs one, and no load of what was just stored (an OR into memory would
// wait on the store before it). The bytes are those of bits.ts's packing:
// fields LSB first, the last byte's unused bits 0.
import { packedBytes } from "./bits";

/** Bytes past a packed area these packers may write (the last store's 8 bytes). */
// @ts-ignore: decorator
@inline export const PACK_SLACK: usize = 8;

/**
 * DECIMAL's fields (decimal-pack.ts packNarrow) for the i32 copies of n at
 * src, w 1..56: n_j - base, or n_j - n_{j-1} - base when `delta`. Writes up to
 * PACK_SLACK bytes past the area; returns the address after the area.
 */
export function packNarrowOr(q: usize, src: usize, c: i32, w: u32, base: i64, delta: bool): usize {
  const bytes = packedBytes(c, <i32>w);
  const base4 = i32x4.splat(<i32>base);
  // FOR subtracts 0 instead of the n before: one loop for both modes.
  const before = i32x4.splat(delta ? -1 : 0);
  let at = q;
  let acc: u64 = 0;
  let bits: u64 = 0;
  let j = 0;
  const w64 = <u64>w;
  // Eight fields are w bytes, so every group of eight starts on a byte, w
  // bytes after the one before: the byte offsets and shifts inside a group
  // are the same for all groups, and a group waits on no running bit count
  // (the chain of adds and shifts through every field bounded this loop).
  // Each store holds its own fields and the bits of the byte it starts in
  // that the store before left there; later stores overwrite the zeros
  // past their fields.
  if (w <= 14) {
    // Two halves of four fields joined (4w <= 56 bits): at bits 0 and 4w.
    const w2 = w64 << 1;
    const half = <usize>((w << 2) >> 3);
    const s = <u64>((w << 2) & 7);
    const r = <u64>half << 3;
    for (; j + 8 <= c; j += 8) {
      const p = src + (<usize>j << 2);
      const a = i32x4.sub(i32x4.sub(v128.load(p), v128.and(v128.load(p - 4), before)), base4);
      const b = i32x4.sub(i32x4.sub(v128.load(p, 16), v128.and(v128.load(p, 12), before)), base4);
      // Lanes 0 and 2: field 2k | field 2k+1 << w (2w <= 28 bits).
      const pa = v128.or(a, i32x4.shl(i32x4.shuffle(a, a, 1, 0, 3, 0), w));
      const pb = v128.or(b, i32x4.shl(i32x4.shuffle(b, b, 1, 0, 3, 0), w));
      const fa = <u64><u32>i32x4.extract_lane(pa, 0) | (<u64><u32>i32x4.extract_lane(pa, 2) << w2);
      const fb = <u64><u32>i32x4.extract_lane(pb, 0) | (<u64><u32>i32x4.extract_lane(pb, 2) << w2);
      store<u64>(at, fa);
      store<u64>(at + half, (fb << s) | (fa >> r));
      at += <usize>w;
    }
  } else if (w <= 28) {
    // Four pairs of fields joined (2w <= 56 bits): at bits 0, 2w, 4w, 6w.
    const w2 = w << 1;
    const o1 = <usize>(w2 >> 3);
    const o2 = <usize>((w2 << 1) >> 3);
    const o3 = <usize>((w2 * 3) >> 3);
    const s1 = <u64>(w2 & 7);
    const s2 = <u64>((w2 << 1) & 7);
    const s3 = <u64>((w2 * 3) & 7);
    // Where the byte a pair starts in begins, counted from the pair before's first bit.
    const r1 = <u64>o1 << 3;
    const r2 = (<u64>o2 << 3) - <u64>w2;
    const r3 = (<u64>o3 << 3) - (<u64>w2 << 1);
    for (; j + 8 <= c; j += 8) {
      const p = src + (<usize>j << 2);
      const a = i32x4.sub(i32x4.sub(v128.load(p), v128.and(v128.load(p - 4), before)), base4);
      const b = i32x4.sub(i32x4.sub(v128.load(p, 16), v128.and(v128.load(p, 12), before)), base4);
      const f0 = <u64><u32>i32x4.extract_lane(a, 0) | (<u64><u32>i32x4.extract_lane(a, 1) << w64);
      const f1 = <u64><u32>i32x4.extract_lane(a, 2) | (<u64><u32>i32x4.extract_lane(a, 3) << w64);
      const f2 = <u64><u32>i32x4.extract_lane(b, 0) | (<u64><u32>i32x4.extract_lane(b, 1) << w64);
      const f3 = <u64><u32>i32x4.extract_lane(b, 2) | (<u64><u32>i32x4.extract_lane(b, 3) << w64);
      store<u64>(at, f0);
      store<u64>(at + o1, (f1 << s1) | (f0 >> r1));
      store<u64>(at + o2, (f2 << s2) | (f1 >> r2));
      store<u64>(at + o3, (f3 << s3) | (f2 >> r3));
      at += <usize>w;
    }
  }
  // The rest one at a time, from the byte the groups ended on.
  for (; j < c; j++) {
    const p = src + (<usize>j << 2);
    let n = <i64>load<i32>(p);
    if (delta) n -= <i64>load<i32>(p - 4);
    acc |= <u64>(n - base) << bits;
    store<u64>(at, acc);
    bits += w64;
    at += <usize>(bits >> 3);
    acc >>= bits & ~7;
    bits &= 7;
  }
  return q + <usize>bytes;
}

/**
 * XOR's fields (xor.ts packXor): (bits_j ^ bits_{j-1}) >> shift in w bits
 * (1..32) for the c values at src after prev, the zero ones left out when
 * `masked` (the set bits of `nonzero` say which). Writes up to PACK_SLACK bytes past the
 * area; returns the address after it.
 */
export function packXorOr(q: usize, src: usize, c: i32, w: u32, shift: u32, prev: u32, masked: bool, nonzero: u64): usize {
  const count = masked ? <i32>popcnt(nonzero) : c;
  const bytes = packedBytes(count, <i32>w);
  let at = q;
  let acc: u64 = 0;
  let bits: u64 = 0;
  const w64 = <u64>w;
  let j = 0;
  if (!masked && w <= 28) {
    const first = load<u32>(src) ^ prev;
    acc = <u64>(first >> shift);
    store<u64>(at, acc);
    bits = w64;
    at += <usize>(bits >> 3);
    acc >>= bits & ~7;
    bits &= 7;
    j = 1;
    const fw = w64 << 1;
    for (; j + 4 <= c; j += 4) {
      const p = src + (<usize>j << 2);
      const x = i32x4.shr_u(v128.xor(v128.load(p), v128.load(p - 4)), shift);
      const f0 = <u64><u32>i32x4.extract_lane(x, 0) | (<u64><u32>i32x4.extract_lane(x, 1) << w64);
      const f1 = <u64><u32>i32x4.extract_lane(x, 2) | (<u64><u32>i32x4.extract_lane(x, 3) << w64);
      acc |= f0 << bits;
      store<u64>(at, acc);
      bits += fw;
      at += <usize>(bits >> 3);
      acc >>= bits & ~7;
      bits &= 7;
      acc |= f1 << bits;
      store<u64>(at, acc);
      bits += fw;
      at += <usize>(bits >> 3);
      acc >>= bits & ~7;
      bits &= 7;
    }
    prev = load<u32>(src + (<usize>(j - 1) << 2));
  }
  if (masked) {
    // Only the nonzero x_j, found by the mask's set bits (x_0 against prev).
    let m = nonzero;
    while (m != 0) {
      const k = <usize>ctz(m);
      m &= m - 1;
      const p = src + (k << 2);
      const x = load<u32>(p) ^ (k == 0 ? prev : load<u32>(p - 4));
      acc |= <u64>(x >> shift) << bits;
      store<u64>(at, acc);
      bits += w64;
      at += <usize>(bits >> 3);
      acc >>= bits & ~7;
      bits &= 7;
    }
    j = c;
  }
  for (; j < c; j++) {
    const cur = load<u32>(src + (<usize>j << 2));
    const x = cur ^ prev;
    prev = cur;
    acc |= <u64>(x >> shift) << bits;
    store<u64>(at, acc);
    bits += w64;
    at += <usize>(bits >> 3);
    acc >>= bits & ~7;
    bits &= 7;
  }
  // The last store holds every pending bit; an area with none left has them all.
  if (bits != 0 || at == q) store<u64>(at, acc);
  return q + <usize>bytes;
}
