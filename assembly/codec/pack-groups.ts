// DECIMAL's i32 fields and XOR's in groups of eight (pack-or.ts), one loop
// per width 1..28 so that every shift and byte offset is a constant of the
// loop it is in. With the width a variable, x64's shifts all wanted the count
// in cl, and V8 spilled and reloaded around each of them: ~130 instructions a
// group of eight at widths 15-28 (callgrind, sines, 2026-12-03).
//
// Eight fields are w bytes, so every group starts on a byte, w bytes after the
// one before. Each store holds its own fields and the bits of the byte it
// starts in that the store before left there; later stores overwrite the
// zeros past their fields. Up to 8 bytes past the groups are written.

/**
 * Four fields from the values at p (`second`: the next four). DECIMAL
 * (`isXor` false): n_j - base (FOR: `before` all 0) or n_j - n_{j-1} - base
 * (delta: all 1) of i32 n. XOR: (bits_j ^ bits_{j-1}) >> shift, the first
 * value's x (at `src`) being `firstX` (its value before is the block before's
 * last, or the chunk's first, not the word before it in memory).
 */
// @ts-ignore: decorator
@inline function fields(p: usize, src: usize, base4: v128, before: v128, shift: u32, firstX: i32, isXor: bool, second: bool): v128 {
  const o: usize = second ? 16 : 0;
  if (isXor) {
    let x = v128.xor(v128.load(p + o), v128.load(p + o - 4));
    if (!second && p == src) x = i32x4.replace_lane(x, 0, firstX);
    return i32x4.shr_u(x, shift);
  }
  return i32x4.sub(i32x4.sub(v128.load(p + o), v128.and(v128.load(p + o - 4), before)), base4);
}

/** Widths 1..14: two halves of four fields joined (4w <= 56 bits), at bits 0 and 4w. */
// @ts-ignore: decorator
@inline function quads(q: usize, src: usize, groups: i32, w: u32, base4: v128, before: v128, shift: u32, firstX: i32, isXor: bool): void {
  const w2 = <u64>w << 1;
  const half = <usize>((w << 2) >> 3);
  const s = <u64>((w << 2) & 7);
  const r = <u64>half << 3;
  let at = q;
  let p = src;
  const end = src + (<usize>groups << 5);
  for (; p < end; p += 32) {
    const a = fields(p, src, base4, before, shift, firstX, isXor, false);
    const b = fields(p, src, base4, before, shift, firstX, isXor, true);
    // Lanes 0 and 2: field 2k | field 2k+1 << w (2w <= 28 bits).
    const pa = v128.or(a, i32x4.shl(i32x4.shuffle(a, a, 1, 0, 3, 0), w));
    const pb = v128.or(b, i32x4.shl(i32x4.shuffle(b, b, 1, 0, 3, 0), w));
    const fa = <u64><u32>i32x4.extract_lane(pa, 0) | (<u64><u32>i32x4.extract_lane(pa, 2) << w2);
    const fb = <u64><u32>i32x4.extract_lane(pb, 0) | (<u64><u32>i32x4.extract_lane(pb, 2) << w2);
    store<u64>(at, fa);
    store<u64>(at + half, (fb << s) | (fa >> r));
    at += <usize>w;
  }
}

/** Widths 15..28: four pairs of fields joined (2w <= 56 bits), at bits 0, 2w, 4w, 6w. */
// @ts-ignore: decorator
@inline function pairs(q: usize, src: usize, groups: i32, w: u32, base4: v128, before: v128, shift: u32, firstX: i32, isXor: bool): void {
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
  let at = q;
  let p = src;
  const end = src + (<usize>groups << 5);
  for (; p < end; p += 32) {
    const a = fields(p, src, base4, before, shift, firstX, isXor, false);
    const b = fields(p, src, base4, before, shift, firstX, isXor, true);
    // Each u64 lane's pair joined in place: its low field (shifted up and down to clear the
    // high one: no mask constant, which V8 would rebuild every turn), its high one moved to bit w.
    const ja = v128.or(i64x2.shr_u(i64x2.shl(a, 32), 32), i64x2.shl(i64x2.shr_u(a, 32), w));
    const jb = v128.or(i64x2.shr_u(i64x2.shl(b, 32), 32), i64x2.shl(i64x2.shr_u(b, 32), w));
    const f0 = <u64>i64x2.extract_lane(ja, 0);
    const f1 = <u64>i64x2.extract_lane(ja, 1);
    const f2 = <u64>i64x2.extract_lane(jb, 0);
    const f3 = <u64>i64x2.extract_lane(jb, 1);
    store<u64>(at, f0);
    store<u64>(at + o1, (f1 << s1) | (f0 >> r1));
    store<u64>(at + o2, (f2 << s2) | (f1 >> r2));
    store<u64>(at + o3, (f3 << s3) | (f2 >> r3));
    at += <usize>w;
  }
}

/**
 * The first `groups` groups of eight DECIMAL fields of width w (1..28) of the
 * i32 n at src into the area at q: n_j - base, or n_j - n_{j-1} - base when `delta`.
 */
export function packGroups(q: usize, src: usize, groups: i32, w: u32, base: i32, delta: bool): void {
  const base4 = i32x4.splat(base);
  // FOR subtracts 0 instead of the n before: one loop for both modes.
  const before = i32x4.splat(delta ? -1 : 0);
  const shift: u32 = 0;
  const firstX: i32 = 0;
  switch (w) {
    case 1: quads(q, src, groups, 1, base4, before, shift, firstX, false); break;
    case 2: quads(q, src, groups, 2, base4, before, shift, firstX, false); break;
    case 3: quads(q, src, groups, 3, base4, before, shift, firstX, false); break;
    case 4: quads(q, src, groups, 4, base4, before, shift, firstX, false); break;
    case 5: quads(q, src, groups, 5, base4, before, shift, firstX, false); break;
    case 6: quads(q, src, groups, 6, base4, before, shift, firstX, false); break;
    case 7: quads(q, src, groups, 7, base4, before, shift, firstX, false); break;
    case 8: quads(q, src, groups, 8, base4, before, shift, firstX, false); break;
    case 9: quads(q, src, groups, 9, base4, before, shift, firstX, false); break;
    case 10: quads(q, src, groups, 10, base4, before, shift, firstX, false); break;
    case 11: quads(q, src, groups, 11, base4, before, shift, firstX, false); break;
    case 12: quads(q, src, groups, 12, base4, before, shift, firstX, false); break;
    case 13: quads(q, src, groups, 13, base4, before, shift, firstX, false); break;
    case 14: quads(q, src, groups, 14, base4, before, shift, firstX, false); break;
    case 15: pairs(q, src, groups, 15, base4, before, shift, firstX, false); break;
    case 16: pairs(q, src, groups, 16, base4, before, shift, firstX, false); break;
    case 17: pairs(q, src, groups, 17, base4, before, shift, firstX, false); break;
    case 18: pairs(q, src, groups, 18, base4, before, shift, firstX, false); break;
    case 19: pairs(q, src, groups, 19, base4, before, shift, firstX, false); break;
    case 20: pairs(q, src, groups, 20, base4, before, shift, firstX, false); break;
    case 21: pairs(q, src, groups, 21, base4, before, shift, firstX, false); break;
    case 22: pairs(q, src, groups, 22, base4, before, shift, firstX, false); break;
    case 23: pairs(q, src, groups, 23, base4, before, shift, firstX, false); break;
    case 24: pairs(q, src, groups, 24, base4, before, shift, firstX, false); break;
    case 25: pairs(q, src, groups, 25, base4, before, shift, firstX, false); break;
    case 26: pairs(q, src, groups, 26, base4, before, shift, firstX, false); break;
    case 27: pairs(q, src, groups, 27, base4, before, shift, firstX, false); break;
    case 28: pairs(q, src, groups, 28, base4, before, shift, firstX, false); break;
  }
}

/**
 * The first `groups` groups of eight XOR fields of width w (1..28) of the
 * values at src into the area at q: (bits_j ^ bits_{j-1}) >> shift, bits_{-1} being `prev`.
 */
export function packXorGroups(q: usize, src: usize, groups: i32, w: u32, shift: u32, prev: u32): void {
  const base4 = i32x4.splat(0);
  const before = base4;
  const firstX = <i32>(load<u32>(src) ^ prev);
  switch (w) {
    case 1: quads(q, src, groups, 1, base4, before, shift, firstX, true); break;
    case 2: quads(q, src, groups, 2, base4, before, shift, firstX, true); break;
    case 3: quads(q, src, groups, 3, base4, before, shift, firstX, true); break;
    case 4: quads(q, src, groups, 4, base4, before, shift, firstX, true); break;
    case 5: quads(q, src, groups, 5, base4, before, shift, firstX, true); break;
    case 6: quads(q, src, groups, 6, base4, before, shift, firstX, true); break;
    case 7: quads(q, src, groups, 7, base4, before, shift, firstX, true); break;
    case 8: quads(q, src, groups, 8, base4, before, shift, firstX, true); break;
    case 9: quads(q, src, groups, 9, base4, before, shift, firstX, true); break;
    case 10: quads(q, src, groups, 10, base4, before, shift, firstX, true); break;
    case 11: quads(q, src, groups, 11, base4, before, shift, firstX, true); break;
    case 12: quads(q, src, groups, 12, base4, before, shift, firstX, true); break;
    case 13: quads(q, src, groups, 13, base4, before, shift, firstX, true); break;
    case 14: quads(q, src, groups, 14, base4, before, shift, firstX, true); break;
    case 15: pairs(q, src, groups, 15, base4, before, shift, firstX, true); break;
    case 16: pairs(q, src, groups, 16, base4, before, shift, firstX, true); break;
    case 17: pairs(q, src, groups, 17, base4, before, shift, firstX, true); break;
    case 18: pairs(q, src, groups, 18, base4, before, shift, firstX, true); break;
    case 19: pairs(q, src, groups, 19, base4, before, shift, firstX, true); break;
    case 20: pairs(q, src, groups, 20, base4, before, shift, firstX, true); break;
    case 21: pairs(q, src, groups, 21, base4, before, shift, firstX, true); break;
    case 22: pairs(q, src, groups, 22, base4, before, shift, firstX, true); break;
    case 23: pairs(q, src, groups, 23, base4, before, shift, firstX, true); break;
    case 24: pairs(q, src, groups, 24, base4, before, shift, firstX, true); break;
    case 25: pairs(q, src, groups, 25, base4, before, shift, firstX, true); break;
    case 26: pairs(q, src, groups, 26, base4, before, shift, firstX, true); break;
    case 27: pairs(q, src, groups, 27, base4, before, shift, firstX, true); break;
    case 28: pairs(q, src, groups, 28, base4, before, shift, firstX, true); break;
  }
}
