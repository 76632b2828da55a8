// DECIMAL (codec 3), second half: the integers of decimal-exponent.ts in
// blocks of 64 present values, each block frame-of-reference or delta coded
// with its own base and width (so one jump costs one block), whichever is
// smaller. Payload after header and layout:
//   u8 e (0..15), u8 x (exceptions, 0..24),
//   x times: u16 LE index among the present values, u32 LE bit pattern,
//   varint zigzag(ref): the n before the first block's first delta,
//   then per block of c = min(64, rest) values:
//     u8 mode: bit 7 = delta, bits 0-6 = width w (0..57),
//     varint zigzag(base),
//     ceil(c*w/8) bytes: c fields of w bits (bits.ts).
//   FOR:   n_j = base + field_j.
//   delta: n_j = n_{j-1} + base + field_j, n_{-1} the previous block's last n (ref for the first).
// A value is f32(f64(n) * 10^-e); an exception's index then takes its bits.
import { bitWidth, getVarint, packBegin, packedBytes, packEnd, packPut, putVarint, unpackAt, unzigzag, varintBytes, varintEnd, widthMask, zigzag } from "./bits";
import { decimalValue, E_MAX, exceptionBits, exceptionCount, exceptionIndex, exponent, inversePow10, ints, MAX_EXCEPTIONS, toIntegers } from "./decimal-exponent";
import { blockLen, blockPresent, expand, MAX_LEN, packedTarget, payloadAt } from "./layout";

export const CODEC_DECIMAL: i32 = 3;

// @ts-ignore: decorator
@inline const BLOCK: i32 = 64;
// @ts-ignore: decorator
@inline const MODE_DELTA: i32 = 0x80;
// @ts-ignore: decorator
@inline const MAX_BLOCKS: i32 = MAX_LEN / BLOCK;

const planMode: usize = memory.data(MAX_BLOCKS, 8);
const planBase: usize = memory.data(MAX_BLOCKS << 3, 8);
let planCount: i32 = 0;

/**
 * Bytes of the payload for the n values at src, or -1 when they have no
 * decimal form worth coding; plans the blocks for writeDecimal.
 */
export function decimalPayloadBytes(src: usize, n: i32): i32 {
  if (!toIntegers(src, n)) return -1;
  const ref = load<i64>(ints);
  let bytes = 2 + exceptionCount * 6 + varintBytes(zigzag(ref));
  let prev = ref;
  planCount = (n + BLOCK - 1) / BLOCK;
  for (let b = 0; b < planCount; b++) {
    const from = b * BLOCK;
    const c = min(BLOCK, n - from);
    let lo = i64.MAX_VALUE;
    let hi = i64.MIN_VALUE;
    let dlo = i64.MAX_VALUE;
    let dhi = i64.MIN_VALUE;
    const p = ints + (<usize>from << 3);
    for (let j = 0; j < c; j++) {
      const v = load<i64>(p + (<usize>j << 3));
      const d = v - prev;
      prev = v;
      lo = min(lo, v);
      hi = max(hi, v);
      dlo = min(dlo, d);
      dhi = max(dhi, d);
    }
    const forBytes = 1 + varintBytes(zigzag(lo)) + packedBytes(c, bitWidth(<u64>(hi - lo)));
    const deltaBytes = 1 + varintBytes(zigzag(dlo)) + packedBytes(c, bitWidth(<u64>(dhi - dlo)));
    if (deltaBytes < forBytes) {
      store<u8>(planMode + <usize>b, <u8>(MODE_DELTA | bitWidth(<u64>(dhi - dlo))));
      store<i64>(planBase + (<usize>b << 3), dlo);
      bytes += deltaBytes;
    } else {
      store<u8>(planMode + <usize>b, <u8>bitWidth(<u64>(hi - lo)));
      store<i64>(planBase + (<usize>b << 3), lo);
      bytes += forBytes;
    }
  }
  return bytes;
}

/** Writes the payload planned by the last decimalPayloadBytes(n); returns the address after it. */
export function writeDecimal(p: usize, n: i32): usize {
  store<u8>(p, <u8>exponent);
  store<u8>(p, <u8>exceptionCount, 1);
  p += 2;
  for (let k = 0; k < exceptionCount; k++) {
    store<u16>(p, load<u16>(exceptionIndex + (<usize>k << 1)));
    store<u32>(p, load<u32>(exceptionBits + (<usize>k << 2)), 2);
    p += 6;
  }
  let prev = load<i64>(ints);
  p = putVarint(p, zigzag(prev));
  for (let b = 0; b < planCount; b++) {
    const from = b * BLOCK;
    const c = min(BLOCK, n - from);
    const mode = <i32>load<u8>(planMode + <usize>b);
    const base = load<i64>(planBase + (<usize>b << 3));
    const w = <u32>(mode & 0x7f);
    store<u8>(p, <u8>mode);
    p = putVarint(p + 1, zigzag(base));
    const src = ints + (<usize>from << 3);
    if (w == 0) {
      prev = load<i64>(src + (<usize>(c - 1) << 3));
      continue;
    }
    packBegin(p);
    if ((mode & MODE_DELTA) != 0) {
      for (let j = 0; j < c; j++) {
        const v = load<i64>(src + (<usize>j << 3));
        packPut(<u64>(v - prev - base), w);
        prev = v;
      }
    } else {
      for (let j = 0; j < c; j++) packPut(<u64>(load<i64>(src + (<usize>j << 3)) - base), w);
      prev = load<i64>(src + (<usize>(c - 1) << 3));
    }
    p = packEnd();
  }
  return p;
}

/** Decodes the payload at payloadAt (block ends at `end`) into out; -1 when it is not a block of ours. */
export function decodeDecimal(out: usize, end: usize): i32 {
  let p = payloadAt;
  if (p + 2 > end) return -1;
  const e = <i32>load<u8>(p);
  const x = <i32>load<u8>(p, 1);
  if (e > E_MAX || x > MAX_EXCEPTIONS) return -1;
  const exceptionsAt = p + 2;
  p = exceptionsAt + <usize>(x * 6);
  if (p > end) return -1;
  const inv = inversePow10(e);
  let prev = unzigzag(getVarint(p, end));
  p = varintEnd;
  const dst = packedTarget(out);
  const n = blockPresent;
  for (let from = 0; from < n; from += BLOCK) {
    const c = min(BLOCK, n - from);
    if (p >= end) return -1;
    const mode = <i32>load<u8>(p);
    const base = unzigzag(getVarint(p + 1, end));
    const area = varintEnd;
    const w = mode & 0x7f;
    const q = dst + (<usize>from << 2);
    if (w > 57) return -1;
    let cur = prev;
    if ((mode & MODE_DELTA) != 0) {
      if (w == 0) {
        for (let j = 0; j < c; j++) {
          cur += base;
          store<f32>(q + (<usize>j << 2), decimalValue(cur, inv));
        }
      } else {
        const mask = widthMask(w);
        for (let j = 0; j < c; j++) {
          cur += base + <i64>unpackAt(area, <u32>(j * w), mask, end);
          store<f32>(q + (<usize>j << 2), decimalValue(cur, inv));
        }
      }
    } else if (w == 0) {
      const value = f32x4.splat(decimalValue(base, inv));
      let j = 0;
      for (; j + 4 <= c; j += 4) v128.store(q + (<usize>j << 2), value);
      for (; j < c; j++) store<f32>(q + (<usize>j << 2), f32x4.extract_lane(value, 0));
      cur = base;
    } else {
      const mask = widthMask(w);
      for (let j = 0; j < c; j++) {
        cur = base + <i64>unpackAt(area, <u32>(j * w), mask, end);
        store<f32>(q + (<usize>j << 2), decimalValue(cur, inv));
      }
    }
    prev = cur;
    p = area + <usize>packedBytes(c, w);
  }
  if (p > end) return -1;
  for (let k = 0; k < x; k++) {
    const at = exceptionsAt + <usize>(k * 6);
    const index = <i32>load<u16>(at);
    if (index < n) store<u32>(dst + (<usize>index << 2), load<u32>(at, 2));
  }
  expand(out);
  return blockLen;
}
