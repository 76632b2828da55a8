// Four bit-packed fields (bits.ts layout, LSB first) at a time, for widths
// 1..25: one 16-byte load from the group's first byte, a swizzle that puts
// each field's four bytes in its lane, a multiply by 2^(32 - w - shift) that
// moves each lane's field to its top bits (wasm SIMD has no per-lane shift),
// then one shift right by 32 - w. A field then never spans more than 4 bytes
// (shift <= 7, shift + w <= 32). Groups of four start at field j = 4k, bit
// 4kw: its bit within the byte is 0 or 4 only, so two patterns a width.
// Decoders use it only where the load stays before the block's end.

// @ts-ignore: decorator
@inline export const SIMD_MAX_WIDTH: i32 = 25;

/** Per width and group parity: 16 swizzle indices, then 4 u32 multipliers. */
const tables: usize = memory.data((SIMD_MAX_WIDTH + 1) * 2 * 32, 16);
let tablesReady = false;

function buildTables(): void {
  for (let w = 1; w <= SIMD_MAX_WIDTH; w++) {
    for (let g = 0; g < 2; g++) {
      const t = groupTable(w, g);
      const first = (4 * g * w) & 7;
      for (let i = 0; i < 4; i++) {
        const bit = first + i * w;
        const byte = bit >> 3;
        for (let b = 0; b < 4; b++) store<u8>(t + <usize>(i * 4 + b), <u8>(byte + b));
        store<u32>(t + 16 + <usize>(i << 2), <u32>1 << <u32>(32 - w - (bit & 7)));
      }
    }
  }
  tablesReady = true;
}

// @ts-ignore: decorator
@inline function groupTable(w: i32, parity: i32): usize {
  return tables + (<usize>((w << 1) | parity) << 5);
}

/** The table of a width for groups at even (parity 0) or odd positions; builds them the first time. */
// @ts-ignore: decorator
@inline export function unpackTable(w: i32, parity: i32): usize {
  if (!tablesReady) buildTables();
  return groupTable(w, parity);
}

/** Fields j..j+3 (j a multiple of 4) of width w of the area, with the group's table `t`. */
// @ts-ignore: decorator
@inline export function unpack4(area: usize, j: i32, w: i32, swizzle: v128, scale: v128): v128 {
  const raw = v128.load(area + <usize>((j * w) >> 3));
  return i32x4.shr_u(i32x4.mul(i8x16.swizzle(raw, swizzle), scale), <i32>(32 - w));
}

/**
 * unpack4 with each field shifted left by `shift` (w + shift <= 32): the
 * shift right stops `shift` short and `fieldMask` (the width's mask shifted
 * by `shift`) drops the bits that lay below the field. One variable shift
 * instead of two (each costs three instructions on x64).
 */
// @ts-ignore: decorator
@inline export function unpack4Shl(area: usize, j: i32, w: i32, swizzle: v128, scale: v128, shift: u32, fieldMask: v128): v128 {
  const raw = v128.load(area + <usize>((j * w) >> 3));
  return v128.and(i32x4.shr_u(i32x4.mul(i8x16.swizzle(raw, swizzle), scale), <i32>(32 - <u32>w - shift)), fieldMask);
}

/**
 * unpack4 for a loop that keeps its own pointer (`at`, the group's first
 * byte) and a fixed shift: `low` (lowMultipliers) puts each field at bits
 * 7..7+w, `high` (the width's mask at bit 7) drops what lay beside it, and
 * the shift right is then by a constant (a variable one costs three more
 * instructions on x64, and the address of the group two or three).
 */
// @ts-ignore: decorator
@inline export function unpack4Low(at: usize, swizzle: v128, low: v128, high: v128): v128 {
  return i32x4.shr_u(v128.and(i32x4.mul(i8x16.swizzle(v128.load(at), swizzle), low), high), 7);
}

/** A group table's multipliers (2^(32 - w - shift), w <= 25) made 2^(7 - shift), for unpack4Low. */
// @ts-ignore: decorator
@inline export function lowMultipliers(scale: v128, w: i32): v128 {
  return i32x4.shr_u(scale, SIMD_MAX_WIDTH - w);
}

/** Bytes from a group's first byte that unpack4 reads. */
// @ts-ignore: decorator
@inline export const GROUP_LOAD: i32 = 16;

/** Fields before this many of c can be read by unpack4 in groups of eight without passing `end`. */
// @ts-ignore: decorator
@inline export function simdFields(area: usize, end: usize, c: i32, w: i32): i32 {
  // Group j+4's load (the later one) must end by `end`.
  let j = c & ~7;
  while (j > 0 && area + <usize>(((j - 4) * w) >> 3) + <usize>GROUP_LOAD > end) j -= 8;
  return j;
}

/** Four i32 lanes summed from the left: [a, a+b, a+b+c, a+b+c+d]. */
// @ts-ignore: decorator
@inline export function prefixSum4(d: v128): v128 {
  // Lanes 3, 4, 5, 6 of (zero, d) are bytes 12..27 in a row: one palignr on
  // x64, where 0, 4, 5, 6 takes a shuffle of zero and a blend.
  const zero = i32x4.splat(0);
  const s = i32x4.add(d, i32x4.shuffle(zero, d, 3, 4, 5, 6));
  return i32x4.add(s, i32x4.shuffle(zero, s, 2, 3, 4, 5));
}

/** Four f32 values f32(f64(n) * inv) of four i32 n, as the scalar decoder computes them. */
// @ts-ignore: decorator
@inline export function decimalValues4(n4: v128, inv: v128): v128 {
  const lo = f32x4.demote_f64x2_zero(f64x2.mul(f64x2.convert_low_i32x4_s(n4), inv));
  const hi = f32x4.demote_f64x2_zero(f64x2.mul(f64x2.convert_low_i32x4_s(i32x4.shuffle(n4, n4, 2, 3, 0, 1)), inv));
  return i32x4.shuffle(lo, hi, 0, 1, 4, 5);
}

/** Four i32 lanes XORed from the left: [a, a^b, a^b^c, a^b^c^d]. */
// @ts-ignore: decorator
@inline export function prefixXor4(d: v128): v128 {
  const zero = i32x4.splat(0);
  const s = v128.xor(d, i32x4.shuffle(zero, d, 3, 4, 5, 6));
  return v128.xor(s, i32x4.shuffle(zero, s, 2, 3, 4, 5));
}

// Widths 26..32, where a field may span 5 bytes: per lane, t = the four bytes
// after the field's first byte u, and M = 2^(8 - its bit within u); then
// (t * M + ((u * M) >> 8)) mod 2^32 is the 40 bits from u on shifted right by
// that bit, and a mask keeps the field. A group's four fields end by bit
// first + 4w <= 128, so the bytes a field needs lie in the 16 loaded (t's
// last byte, past them, is then one the field does not need: swizzle gives 0).

/** Per width and group parity: 16 swizzle indices for t, 16 for u, 4 u32 multipliers. */
const wideTables: usize = memory.data(33 * 2 * 48, 16);
let wideReady = false;

function buildWideTables(): void {
  for (let w = SIMD_MAX_WIDTH + 1; w <= 32; w++) {
    for (let g = 0; g < 2; g++) {
      const t = wideGroupTable(w, g);
      const first = (4 * g * w) & 7;
      for (let i = 0; i < 4; i++) {
        const bit = first + i * w;
        const byte = bit >> 3;
        for (let b = 0; b < 4; b++) {
          const at = byte + 1 + b;
          store<u8>(t + <usize>(i * 4 + b), at < 16 ? <u8>at : 0x80);
          store<u8>(t + 16 + <usize>(i * 4 + b), b == 0 ? <u8>byte : 0x80);
        }
        store<u32>(t + 32 + <usize>(i << 2), <u32>1 << <u32>(8 - (bit & 7)));
      }
    }
  }
  wideReady = true;
}

// @ts-ignore: decorator
@inline function wideGroupTable(w: i32, parity: i32): usize {
  return wideTables + <usize>((w << 1) | parity) * 48;
}

/** The wide table of a width 26..32 for groups at even (parity 0) or odd positions; builds them the first time. */
// @ts-ignore: decorator
@inline export function unpackWideTable(w: i32, parity: i32): usize {
  if (!wideReady) buildWideTables();
  return wideGroupTable(w, parity);
}

/**
 * Fields j..j+3 (j a multiple of 4) of width w (26..32) of the area, each
 * shifted left by s (w + s <= 32), with the group's wide table `t`: `mul` is
 * its multipliers shifted left by s and `fieldMask` the width's mask shifted
 * by s (what lay below the field goes).
 */
// @ts-ignore: decorator
@inline export function unpack4Wide(area: usize, j: i32, w: i32, t: usize, mul: v128, fieldMask: v128): v128 {
  const raw = v128.load(area + <usize>((j * w) >> 3));
  const hi = i32x4.mul(i8x16.swizzle(raw, v128.load(t)), mul);
  const lo = i32x4.shr_u(i32x4.mul(i8x16.swizzle(raw, v128.load(t, 16)), mul), 8);
  return v128.and(i32x4.add(hi, lo), fieldMask);
}
