// The block header every codec shares, and where the missing samples are.
// A block starts with: byte 0 = codec id (bits 0-3) | missing layout << 4
// (bits 4-5); bytes 1-2 = len (u16 LE). The layout then says which of the len
// slots hold a value (missing = exactly 0x7fc00000; any other pattern, NaN
// payloads too, is a value):
//   NONE   (0): every slot, nothing follows.
//   BITMAP (1): ceil(len/8) bytes, slot i present when bit i (LSB first) is 1.
//   RANGE  (2): u16 first, u16 count: slots [first, first+count) present.
//   LIST   (3): u8 k (1..255), k x u16 ascending missing slots.
// The smallest that applies is chosen. The codec then codes the present
// values in slot order; a decoder writes them packed and `expand` spreads them.

// @ts-ignore: decorator
@inline export const MAX_LEN: i32 = 512;
// @ts-ignore: decorator
@inline export const MISSING_BITS: u32 = 0x7fc00000;
// @ts-ignore: decorator
@inline export const HEADER_BYTES: i32 = 3;

export const LAYOUT_NONE: i32 = 0;
export const LAYOUT_BITMAP: i32 = 1;
export const LAYOUT_RANGE: i32 = 2;
export const LAYOUT_LIST: i32 = 3;

/** Present slots of the last scan, one bit each (8 x u64 for 512 slots). */
const presentMask: usize = memory.data(MAX_LEN >> 3, 16);
/** The present values of the last scan, packed (when some were missing). */
const packedValues: usize = memory.data(MAX_LEN << 2, 16);

export let presentCount: i32 = 0;
export let firstPresent: i32 = 0;
export let layout: i32 = LAYOUT_NONE;
export let layoutBytes: i32 = 0;
let scanLen: i32 = 0;

/** Bit i set when value i of the 16 at p is missing: four compares narrowed to one byte mask. */
// @ts-ignore: decorator
@inline function missing16(p: usize, missing: v128): u64 {
  const a = i16x8.narrow_i32x4_s(i32x4.eq(v128.load(p), missing), i32x4.eq(v128.load(p, 16), missing));
  const b = i16x8.narrow_i32x4_s(i32x4.eq(v128.load(p, 32), missing), i32x4.eq(v128.load(p, 48), missing));
  return <u64>i8x16.bitmask(i8x16.narrow_i16x8_s(a, b));
}

/**
 * Finds the missing slots of values[0..len) and chooses the layout; returns
 * the present values in slot order (`values` itself when none is missing).
 */
export function scanMissing(values: usize, len: i32): usize {
  scanLen = len;
  const missing = i32x4.splat(MISSING_BITS);
  const words = (len + 63) >> 6;
  let count = 0;
  let first = -1;
  let last = -1;
  for (let w = 0; w < words; w++) {
    const base = w << 6;
    let bits: u64 = 0;
    if (base + 64 <= len) {
      const p = values + (<usize>base << 2);
      const m = missing16(p, missing) | (missing16(p + 64, missing) << 16) | (missing16(p + 128, missing) << 32) | (missing16(p + 192, missing) << 48);
      bits = ~m;
    } else {
      for (let i = base; i < len; i++) {
        if (load<u32>(values + (<usize>i << 2)) != MISSING_BITS) bits |= <u64>1 << <u64>(i - base);
      }
    }
    store<u64>(presentMask + (<usize>w << 3), bits);
    if (bits != 0) {
      if (first < 0) first = base + <i32>ctz(bits);
      last = base + 63 - <i32>clz(bits);
      count += <i32>popcnt(bits);
    }
  }
  presentCount = count;
  firstPresent = first;
  const nMissing = len - count;
  if (nMissing == 0 || count == 0) {
    layout = LAYOUT_NONE;
    layoutBytes = 0;
    return values;
  }
  layout = LAYOUT_BITMAP;
  layoutBytes = (len + 7) >> 3;
  if (count == last - first + 1 && 4 < layoutBytes) {
    layout = LAYOUT_RANGE;
    layoutBytes = 4;
  }
  if (nMissing <= 255 && 1 + 2 * nMissing < layoutBytes) {
    layout = LAYOUT_LIST;
    layoutBytes = 1 + 2 * nMissing;
  }
  if (layout == LAYOUT_RANGE) return values + (<usize>first << 2);
  // Run by run rather than bit by bit: a chunk of real data misses a sample
  // or two, so its present values are a few long runs, each one copy.
  let q = packedValues;
  for (let w = 0; w < words; w++) {
    let bits = load<u64>(presentMask + (<usize>w << 3));
    const src = values + (<usize>(w << 6) << 2);
    while (bits != 0) {
      const start = ctz(bits);
      const run = ctz(~(bits >> start)); // 64 when the run reaches bit 63 from bit 0
      const from = src + (<usize>start << 2);
      // Vectors, not memory.copy: these runs are short, and memory.copy
      // leaves WebAssembly for the host's memmove on every call.
      const bytes = <usize>run << 2;
      let k: usize = 0;
      for (; k + 64 <= bytes; k += 64) {
        v128.store(q + k, v128.load(from + k));
        v128.store(q + k, v128.load(from + k, 16), 16);
        v128.store(q + k, v128.load(from + k, 32), 32);
        v128.store(q + k, v128.load(from + k, 48), 48);
      }
      for (; k + 16 <= bytes; k += 16) v128.store(q + k, v128.load(from + k));
      for (; k < bytes; k += 4) store<u32>(q + k, load<u32>(from + k));
      q += bytes;
      bits = start + run >= 64 ? 0 : bits & (<u64>-1 << (start + run));
    }
  }
  return packedValues;
}

/** Writes the header and the layout of the last scan; returns the address after them. */
export function writeHeader(out: usize, codec: i32, withLayout: bool): usize {
  const lay = withLayout ? layout : LAYOUT_NONE;
  store<u8>(out, <u8>(codec | (lay << 4)));
  store<u16>(out, <u16>scanLen, 1);
  let p = out + HEADER_BYTES;
  if (lay == LAYOUT_BITMAP) {
    // Word by word (memory.copy would call out of WebAssembly for these few bytes).
    const bytes = <usize>((scanLen + 7) >> 3);
    let k: usize = 0;
    for (; k + 8 <= bytes; k += 8) store<u64>(p + k, load<u64>(presentMask + k));
    for (; k < bytes; k++) store<u8>(p + k, load<u8>(presentMask + k));
    return p + bytes;
  }
  if (lay == LAYOUT_RANGE) {
    store<u16>(p, <u16>firstPresent);
    store<u16>(p, <u16>presentCount, 2);
    return p + 4;
  }
  if (lay == LAYOUT_LIST) {
    store<u8>(p, <u8>(scanLen - presentCount));
    p++;
    const words = (scanLen + 63) >> 6;
    for (let w = 0; w < words; w++) {
      const valid = w == words - 1 && (scanLen & 63) != 0 ? (<u64>1 << <u64>(scanLen & 63)) - 1 : <u64>-1;
      let gaps = ~load<u64>(presentMask + (<usize>w << 3)) & valid;
      while (gaps != 0) {
        store<u16>(p, <u16>((w << 6) + <i32>ctz(gaps)));
        p += 2;
        gaps &= gaps - 1;
      }
    }
  }
  return p;
}

// ---- decoding ----

export let blockLen: i32 = 0;
export let blockLayout: i32 = 0;
/** Present values the block holds. */
export let blockPresent: i32 = 0;
/** Where the layout's data starts and the codec's payload starts. */
let layoutAt: usize = 0;
export let payloadAt: usize = 0;

/** Reads header and layout of a block; false when they do not fit its size. */
export function readHeader(block: usize, size: i32): bool {
  if (size < HEADER_BYTES) return false;
  blockLayout = (<i32>load<u8>(block) >> 4) & 3;
  blockLen = <i32>load<u16>(block, 1);
  if (blockLen > MAX_LEN) return false;
  layoutAt = block + HEADER_BYTES;
  let bytes = 0;
  blockPresent = blockLen;
  if (blockLayout == LAYOUT_BITMAP) {
    bytes = (blockLen + 7) >> 3;
    if (HEADER_BYTES + bytes > size) return false;
    let n = 0;
    for (let i = 0; i < bytes; i++) n += <i32>popcnt(load<u8>(layoutAt + <usize>i));
    // Bits past len would make the decoder write past out + len.
    if (n > blockLen) return false;
    blockPresent = n;
  } else if (blockLayout == LAYOUT_RANGE) {
    bytes = 4;
    if (HEADER_BYTES + bytes > size) return false;
    const first = <i32>load<u16>(layoutAt);
    blockPresent = <i32>load<u16>(layoutAt, 2);
    if (first + blockPresent > blockLen) return false;
  } else if (blockLayout == LAYOUT_LIST) {
    if (HEADER_BYTES + 1 > size) return false;
    const k = <i32>load<u8>(layoutAt);
    bytes = 1 + 2 * k;
    if (HEADER_BYTES + bytes > size || k > blockLen) return false;
    blockPresent = blockLen - k;
  }
  payloadAt = layoutAt + <usize>bytes;
  return true;
}

/** Where a decoder writes the present values so that `expand` needs the fewest moves. */
export function packedTarget(out: usize): usize {
  return blockLayout == LAYOUT_RANGE ? out + (<usize>load<u16>(layoutAt) << 2) : out;
}

/** Spreads the packed present values to their slots and fills missing slots with 0x7fc00000. */
export function expand(out: usize): void {
  const len = blockLen;
  if (blockLayout == LAYOUT_NONE) return;
  if (blockLayout == LAYOUT_RANGE) {
    const first = <i32>load<u16>(layoutAt);
    fillMissing(out, 0, first);
    fillMissing(out, first + blockPresent, len);
    return;
  }
  let k = blockPresent;
  if (blockLayout == LAYOUT_LIST) {
    // From the end: each run of values between two missing slots moves once.
    let j = <i32>load<u8>(layoutAt) - 1;
    let end = len;
    while (j >= 0) {
      const gap = <i32>load<u16>(layoutAt + 1 + (<usize>j << 1));
      const run = end - gap - 1;
      if (run < 0 || run > k) return; // not a block of ours
      k -= run;
      memory.copy(out + (<usize>(gap + 1) << 2), out + (<usize>k << 2), <usize>run << 2);
      store<u32>(out + (<usize>gap << 2), MISSING_BITS);
      end = gap;
      j--;
    }
    return;
  }
  for (let i = len - 1; i >= 0; i--) {
    const present = (load<u8>(layoutAt + <usize>(i >> 3)) >> <u8>(i & 7)) & 1;
    if (present != 0) {
      k--;
      store<u32>(out + (<usize>i << 2), load<u32>(out + (<usize>k << 2)));
    } else {
      store<u32>(out + (<usize>i << 2), MISSING_BITS);
    }
  }
}

export function fillMissing(out: usize, from: i32, to: i32): void {
  for (let i = from; i < to; i++) store<u32>(out + (<usize>i << 2), MISSING_BITS);
}
