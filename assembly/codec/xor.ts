// XOR (codec 4), for values without a short decimal form: each 32-bit pattern
// XOR the one before (Gorilla, Pelkonen et al. VLDB 2015), but with the
// meaningful-bit window fixed per block of 64 values rather than per value,
// so decoding is plain unpacking instead of a bit-serial parse. Payload after
// header and layout:
//   u32 LE first value's bits (x_0 of the first block is then 0),
//   per block of c = min(64, rest) values, x_j = bits_j ^ bits_{j-1}:
//     u8 head: bits 0-5 = width w (0..32), bit 7 = zero mask follows,
//     if w > 0: u8 shift s = trailing zeros common to the block's x_j,
//     if mask: u64 LE, bit j = 1 when x_j != 0,
//     fields (x_j >> s) of w bits for every j (no mask) or the nonzero x_j (mask).
// The mask is used when it is smaller: repeated values then cost a bit each.
import { packedBytes, packTail, readableEnd, safeFields, unpackAt, widthMask } from "./bits";
import { prefixXor4, SIMD_MAX_WIDTH, simdFields, unpack4Shl, unpack4Wide, unpackTable, unpackWideTable } from "./unpack";
import { PACK_SLACK, packXorOr } from "./pack-or";
import { blockLen, blockPresent, expand, MAX_LEN, packedTarget, payloadAt } from "./layout";

export const CODEC_XOR: i32 = 4;

// @ts-ignore: decorator
@inline const BLOCK: i32 = 64;
// @ts-ignore: decorator
@inline const HEAD_MASK: i32 = 0x80;
// @ts-ignore: decorator
@inline const MAX_BLOCKS: i32 = MAX_LEN / BLOCK;

const planHead: usize = memory.data(MAX_BLOCKS, 8);
const planShift: usize = memory.data(MAX_BLOCKS, 8);
const planMask: usize = memory.data(MAX_BLOCKS << 3, 8);
let planCount: i32 = 0;

/**
 * Bytes of the payload for the n values at src, planning the blocks for
 * writeXor; -1 as soon as it is clear the payload cannot get below `budget`
 * (the other candidate's size): past it, or well over its pace after two
 * blocks.
 */
export function xorPayloadBytes(src: usize, n: i32, budget: i32, rivalTo: usize = 0): i32 {
  let bytes = 4;
  planCount = (n + BLOCK - 1) / BLOCK;
  const zero = i32x4.splat(0);
  for (let b = 0; b < planCount; b++) {
    const from = b * BLOCK;
    const c = min(BLOCK, n - from);
    const p = src + (<usize>from << 2);
    let anyV = zero;
    let zeros: u64 = 0;
    let j = 0;
    // Sixteen at a time: the zero tests narrowed to one byte mask.
    for (; j + 16 <= c; j += 16) {
      const q = p + (<usize>j << 2);
      let x0 = v128.xor(v128.load(q), v128.load(q - 4));
      if (from + j == 0) x0 = i32x4.replace_lane(x0, 0, 0);
      const x1 = v128.xor(v128.load(q, 16), v128.load(q, 12));
      const x2 = v128.xor(v128.load(q, 32), v128.load(q, 28));
      const x3 = v128.xor(v128.load(q, 48), v128.load(q, 44));
      anyV = v128.or(anyV, v128.or(v128.or(x0, x1), v128.or(x2, x3)));
      const z01 = i16x8.narrow_i32x4_s(i32x4.eq(x0, zero), i32x4.eq(x1, zero));
      const z23 = i16x8.narrow_i32x4_s(i32x4.eq(x2, zero), i32x4.eq(x3, zero));
      zeros |= <u64>i8x16.bitmask(i8x16.narrow_i16x8_s(z01, z23)) << <u64>j;
    }
    for (; j + 4 <= c; j += 4) {
      const q = p + (<usize>j << 2);
      // The value before the first is the first itself (x_0 = 0).
      let x = v128.xor(v128.load(q), v128.load(q - 4));
      if (from + j == 0) x = i32x4.replace_lane(x, 0, 0);
      anyV = v128.or(anyV, x);
      zeros |= <u64>i32x4.bitmask(i32x4.eq(x, zero)) << <u64>j;
    }
    let any = i32x4.extract_lane(anyV, 0) | i32x4.extract_lane(anyV, 1) | i32x4.extract_lane(anyV, 2) | i32x4.extract_lane(anyV, 3);
    for (; j < c; j++) {
      const q = p + (<usize>j << 2);
      const x = from + j == 0 ? 0 : load<u32>(q) ^ load<u32>(q - 4);
      any |= x;
      zeros |= <u64>(x == 0) << <u64>j;
    }
    const nonzero = ~zeros & (c == 64 ? <u64>-1 : (<u64>1 << <u64>c) - 1);
    store<u64>(planMask + (<usize>b << 3), nonzero);
    if (any == 0) {
      store<u8>(planHead + <usize>b, 0);
      bytes += 1;
    } else {
      const shift = <i32>ctz(any);
      const w = 32 - <i32>clz(any) - shift;
      store<u8>(planShift + <usize>b, <u8>shift);
      const plain = 2 + packedBytes(c, w);
      const masked = 10 + packedBytes(<i32>popcnt(nonzero), w);
      if (masked < plain) {
        store<u8>(planHead + <usize>b, <u8>(w | HEAD_MASK));
        bytes += masked;
      } else {
        store<u8>(planHead + <usize>b, <u8>w);
        bytes += plain;
      }
    }
    if (bytes >= budget || (b >= 1 && <i64>bytes * <i64>planCount * 2 > <i64>budget * <i64>(b + 1) * 3)) return -1;
    // The rival's blocks cover the same values: a quarter behind it after two blocks, XOR seldom catches up.
    if (rivalTo != 0 && b >= 1 && b + 1 < planCount && bytes * 4 > load<i32>(rivalTo + (<usize>b << 2)) * 5) return -1;
  }
  return bytes;
}

/** Packs (x_j >> shift) for c values at src after prev (only nonzero x_j when `masked`). */
function packXor(q: usize, src: usize, c: i32, w: u32, shift: u32, prev: u32, masked: bool): usize {
  let acc: u64 = 0;
  let bits: u32 = 0;
  for (let j = 0; j < c; j++) {
    const cur = load<u32>(src + (<usize>j << 2));
    const x = cur ^ prev;
    prev = cur;
    if (masked && x == 0) continue;
    const v = <u64>(x >> shift);
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

/**
 * Writes the payload planned by the last xorPayloadBytes(n); returns the
 * address after it. `limit`: the end of the output (a block's area is packed
 * the fast way when PACK_SLACK bytes past it are still inside).
 */
export function writeXor(p: usize, src: usize, n: i32, limit: usize): usize {
  let prev = load<u32>(src);
  store<u32>(p, prev);
  p += 4;
  for (let b = 0; b < planCount; b++) {
    const from = b * BLOCK;
    const c = min(BLOCK, n - from);
    const q = src + (<usize>from << 2);
    const head = <i32>load<u8>(planHead + <usize>b);
    const w = <u32>(head & 0x3f);
    store<u8>(p, <u8>head);
    p++;
    if (w == 0) {
      prev = load<u32>(q + (<usize>(c - 1) << 2));
      continue;
    }
    const shift = <u32>load<u8>(planShift + <usize>b);
    store<u8>(p, <u8>shift);
    p++;
    const masked = (head & HEAD_MASK) != 0;
    if (masked) {
      store<u64>(p, load<u64>(planMask + (<usize>b << 3)));
      p += 8;
    }
    const nonzero = load<u64>(planMask + (<usize>b << 3));
    const count = masked ? <i32>popcnt(nonzero) : c;
    p = p + <usize>packedBytes(count, w) + PACK_SLACK <= limit ? packXorOr(p, q, c, w, shift, prev, masked, nonzero) : packXor(p, q, c, w, shift, prev, masked);
    prev = load<u32>(q + (<usize>(c - 1) << 2));
  }
  return p;
}

// ---- decoding ----
//
// Decoding is unpacking (bits.ts, four fields at a time: unpack4 up to width
// 25, unpack4Wide past it) and a running XOR: cur ^= field << shift. A plain block does the
// running XOR four lanes at a time (prefixXor4); a masked block unpacks its
// nonzero fields first and then spreads them without a branch per slot, as
// its bits (values that repeat or not) are as good as random to a predictor.

/** The nonzero x_j of a masked block, unpacked; one slot of slack, which the spreading reads past the last. */
const fields: usize = memory.data((BLOCK + 8) << 2, 16);

/** `count` fields of w bits at `area`, each shifted left by `shift`, into dst. */
function unpackShifted(dst: usize, area: usize, count: i32, w: i32, shift: u32, end: usize): void {
  let j = 0;
  if (w <= SIMD_MAX_WIDTH) {
    const stop = simdFields(area, end, count, w);
    if (stop > 0) {
      const even = unpackTable(w, 0);
      const odd = unpackTable(w, 1);
      const s0 = v128.load(even);
      const m0 = v128.load(even, 16);
      const s1 = v128.load(odd);
      const m1 = v128.load(odd, 16);
      const fieldMask = i32x4.splat(<i32>(<u32>widthMask(w) << shift));
      for (; j < stop; j += 8) {
        const at = dst + (<usize>j << 2);
        v128.store(at, unpack4Shl(area, j, w, s0, m0, shift, fieldMask));
        v128.store(at, unpack4Shl(area, j + 4, w, s1, m1, shift, fieldMask), 16);
      }
    }
  } else if (w <= 32) {
    const stop = simdFields(area, end, count, w);
    if (stop > 0) {
      const even = unpackWideTable(w, 0);
      const odd = unpackWideTable(w, 1);
      // The shift goes into the multipliers (w + shift <= 32, so nothing of the field is lost).
      const mul = i32x4.shl(v128.load(even, 32), shift);
      const mulOdd = i32x4.shl(v128.load(odd, 32), shift);
      const fieldMask = i32x4.splat(<i32>(<u32>widthMask(w) << shift));
      for (; j < stop; j += 8) {
        const at = dst + (<usize>j << 2);
        v128.store(at, unpack4Wide(area, j, w, even, mul, fieldMask));
        v128.store(at, unpack4Wide(area, j + 4, w, odd, mulOdd, fieldMask), 16);
      }
    }
  }
  const mask = widthMask(w);
  let bit = <u32>(j * w);
  const safe = safeFields(area, end, count, w);
  for (; j < safe; j++, bit += <u32>w) {
    store<u32>(dst + (<usize>j << 2), <u32>((load<u64>(area + <usize>(bit >> 3)) >> <u64>(bit & 7)) & mask) << shift);
  }
  for (; j < count; j++, bit += <u32>w) store<u32>(dst + (<usize>j << 2), <u32>unpackAt(area, bit, mask, end) << shift);
}

/** Per 4-bit piece of a zero mask: the swizzle that puts the next fields in the lanes of its set bits (0 elsewhere). */
const spreadTable: usize = memory.data(16 * 16, 16);
let spreadReady = false;

function buildSpreadTable(): void {
  for (let m = 0; m < 16; m++) {
    let rank = 0;
    for (let lane = 0; lane < 4; lane++) {
      const at = spreadTable + <usize>(m * 16 + lane * 4);
      const set = (m >> lane) & 1;
      // Index 0x80 is past the 16 bytes: swizzle gives 0 there.
      for (let b = 0; b < 4; b++) store<u8>(at + <usize>b, set != 0 ? <u8>(rank * 4 + b) : 0x80);
      rank += set;
    }
  }
  spreadReady = true;
}

/**
 * A masked block's c slots after `cur` into q, from its fields (already in
 * `fields`): four slots at a time, the mask's four bits choosing a swizzle of
 * the next fields; returns the last value.
 */
// @ts-ignore: decorator
@inline function spreadMasked(q: usize, c: i32, nonzero: u64, cur: u32): u32 {
  if (!spreadReady) buildSpreadTable();
  let k: usize = 0;
  let j = 0;
  let cur4 = i32x4.splat(cur);
  for (; j + 4 <= c; j += 4) {
    const m = <usize>(nonzero >> <u64>j) & 15;
    // Reads up to 3 fields past the last (slack in `fields`); the swizzle zeroes them.
    const x = i8x16.swizzle(v128.load(fields + (k << 2)), v128.load(spreadTable + (m << 4)));
    const v = v128.xor(prefixXor4(x), cur4);
    v128.store(q + (<usize>j << 2), v);
    cur4 = i32x4.shuffle(v, v, 3, 3, 3, 3);
    k += <usize>popcnt(m);
  }
  cur = <u32>i32x4.extract_lane(cur4, 0);
  for (; j < c; j++) {
    const set = <u32>(nonzero >> <u64>j) & 1;
    cur ^= load<u32>(fields + (k << 2)) & (0 - set);
    k += <usize>set;
    store<u32>(q + (<usize>j << 2), cur);
  }
  return cur;
}

/** A plain block: c values of w > 0 bits after `cur` into q; returns the last. */
// @ts-ignore: decorator
@inline function decodePlain(q: usize, area: usize, c: i32, w: i32, shift: u32, cur: u32, end: usize): u32 {
  let j = 0;
  if (w <= SIMD_MAX_WIDTH) {
    const stop = simdFields(area, end, c, w);
    if (stop > 0) {
      const even = unpackTable(w, 0);
      const odd = unpackTable(w, 1);
      const s0 = v128.load(even);
      const m0 = v128.load(even, 16);
      const s1 = v128.load(odd);
      const m1 = v128.load(odd, 16);
      const fieldMask = i32x4.splat(<i32>(<u32>widthMask(w) << shift));
      let cur4 = i32x4.splat(cur);
      for (; j < stop; j += 8) {
        const a = v128.xor(prefixXor4(unpack4Shl(area, j, w, s0, m0, shift, fieldMask)), cur4);
        const b = v128.xor(prefixXor4(unpack4Shl(area, j + 4, w, s1, m1, shift, fieldMask)), i32x4.shuffle(a, a, 3, 3, 3, 3));
        cur4 = i32x4.shuffle(b, b, 3, 3, 3, 3);
        const at = q + (<usize>j << 2);
        v128.store(at, a);
        v128.store(at, b, 16);
      }
      cur = <u32>i32x4.extract_lane(cur4, 0);
    }
  } else {
    // Unpacked first, then XORed four lanes at a time.
    unpackShifted(fields, area, c, w, shift, end);
    let cur4 = i32x4.splat(cur);
    for (; j + 4 <= c; j += 4) {
      const v = v128.xor(prefixXor4(v128.load(fields + (<usize>j << 2))), cur4);
      v128.store(q + (<usize>j << 2), v);
      cur4 = i32x4.shuffle(v, v, 3, 3, 3, 3);
    }
    cur = <u32>i32x4.extract_lane(cur4, 0);
    for (; j < c; j++) {
      cur ^= load<u32>(fields + (<usize>j << 2));
      store<u32>(q + (<usize>j << 2), cur);
    }
    return cur;
  }
  const mask = widthMask(w);
  let bit = <u32>(j * w);
  const safe = safeFields(area, end, c, w);
  for (; j < safe; j++, bit += <u32>w) {
    cur ^= <u32>((load<u64>(area + <usize>(bit >> 3)) >> <u64>(bit & 7)) & mask) << shift;
    store<u32>(q + (<usize>j << 2), cur);
  }
  for (; j < c; j++, bit += <u32>w) {
    cur ^= <u32>unpackAt(area, bit, mask, end) << shift;
    store<u32>(q + (<usize>j << 2), cur);
  }
  return cur;
}

/** Decodes the payload at payloadAt (block ends at `end`) into out; -1 when it is not a block of ours. */
export function decodeXor(out: usize, end: usize): i32 {
  let p = payloadAt;
  if (p + 4 > end) return -1;
  let cur = load<u32>(p);
  p += 4;
  const dst = packedTarget(out);
  const n = blockPresent;
  // The fields' loads may reach past the block (readableEnd); its checks stay with `end`.
  const reach = readableEnd(end);
  for (let from = 0; from < n; from += BLOCK) {
    const c = min(BLOCK, n - from);
    const q = dst + (<usize>from << 2);
    if (p >= end) return -1;
    const head = <i32>load<u8>(p);
    const w = head & 0x3f;
    p++;
    if (w == 0) {
      const splat = i32x4.splat(cur);
      let j = 0;
      for (; j + 4 <= c; j += 4) v128.store(q + (<usize>j << 2), splat);
      for (; j < c; j++) store<u32>(q + (<usize>j << 2), cur);
      continue;
    }
    if (w > 32 || p >= end) return -1;
    const shift = <u32>load<u8>(p) & 31;
    // The encoder's window: shift = trailing zeros, w + shift = 32 - leading zeros.
    if (<i32>shift + w > 32) return -1;
    p++;
    if ((head & HEAD_MASK) != 0) {
      if (p + 8 > end) return -1;
      // Bits past the block's c slots are not slots: they neither count nor take a field.
      const nonzero = load<u64>(p) & (c == BLOCK ? <u64>-1 : (<u64>1 << <u64>c) - 1);
      p += 8;
      const count = <i32>popcnt(nonzero);
      unpackShifted(fields, p, count, w, shift, reach);
      cur = spreadMasked(q, c, nonzero, cur);
      p += <usize>packedBytes(count, w);
    } else {
      cur = decodePlain(q, p, c, w, shift, cur, reach);
      p += <usize>packedBytes(c, w);
    }
  }
  if (p > end) return -1;
  expand(out);
  return blockLen;
}
