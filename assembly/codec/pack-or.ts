// Bit packing with a branch-free writer, for areas the encoder may overrun by
// a few bytes: the pending bits (fewer than 8 after each step) and the next
// field (or two or four joined, at most 56 bits) go to memory as one
// unaligned u64 store every step, then the writer moves on by the whole
// bytes done. No branch a field, where an accumulator flushing whole words
// needs one, and no load of what was just stored (an OR into memory would
// wait on the store before it). The bytes are those of bits.ts's packing:
// fields LSB first, the last byte's unused bits 0.
import { packedBytes } from "./bits";
import { packGroups, packXorGroups } from "./pack-groups";

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
  let acc: u64 = 0;
  let bits: u64 = 0;
  const w64 = <u64>w;
  // Whole groups of eight fields (pack-groups.ts), up to width 28.
  const groups = w <= 28 ? c >> 3 : 0;
  if (groups != 0) packGroups(q, src, groups, w, <i32>base, delta);
  let j = groups << 3;
  let at = q + <usize>(groups * <i32>w);
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
  if (!masked && w <= 28 && c >= 8) {
    // Whole groups of eight fields (pack-groups.ts).
    const groups = c >> 3;
    packXorGroups(q, src, groups, w, shift, prev);
    j = groups << 3;
    at = q + <usize>(groups * <i32>w);
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
