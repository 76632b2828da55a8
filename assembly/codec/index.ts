// The chunk codecs' one interface (docs/engine.md "Chunk encodings"). A sealed
// chunk's values (up to 512 f32, NaN 0x7fc00000 for a missing sample, any
// other bit pattern a value, NaN payloads included) become one encoded block;
// decoding gives back every bit. The first byte of a block names its codec.
// This file picks the smallest; one file per codec does the work.
import { CODEC_ALL_MISSING, CODEC_CONSTANT, decodeAllMissing, decodeConstant, isConstant, writeConstant } from "./constant";
import { CODEC_DECIMAL, decimalPayloadBytes, planBytesTo, decodeDecimal, writeDecimal } from "./decimal";
import { HEADER_BYTES, layoutBytes, MAX_LEN, presentCount, readHeader, scanMissing, writeHeader } from "./layout";
import { CODEC_XOR, decodeXor, writeXor, xorPayloadBytes } from "./xor";

export { CODEC_ALL_MISSING, CODEC_CONSTANT, CODEC_DECIMAL, CODEC_XOR };
/** encodeWith: the smallest codec, as encodeChunk chooses. */
export const CODEC_BEST: i32 = 0;

/** Bytes an encoding of `len` values may need at most: callers size `out` by it. */
export function encodedBound(len: i32): i32 {
  return (len << 2) + 64;
}

/**
 * Encodes f32 values[0..len) into out[0..): returns the block's size in
 * bytes, or 0 when no codec gets below len*4 - 64 bytes (the caller keeps the
 * raw values, so a chunk never costs more than raw float32 and a block is
 * kept only when it saves a page's worth).
 */
export function encodeChunk(values: usize, len: i32, out: usize): i32 {
  return encodeWith(values, len, out, CODEC_BEST);
}

/**
 * encodeChunk with the choice made (tests, bench): `codec` 1..4 encodes with
 * that codec alone and returns 0 when it does not apply (CONSTANT on varying
 * values, ALL-MISSING on a value, DECIMAL without a decimal form) or would
 * pass encodedBound(len).
 */
export function encodeWith(values: usize, len: i32, out: usize, codec: i32): i32 {
  if (len < 1 || len > MAX_LEN) return 0;
  const src = scanMissing(values, len);
  const n = presentCount;
  const best = codec == CODEC_BEST;
  // The size must stay below this.
  const limit = best ? (len << 2) - 64 : encodedBound(len) + 1;
  if (n == 0) {
    if ((!best && codec != CODEC_ALL_MISSING) || HEADER_BYTES >= limit) return 0;
    writeHeader(out, CODEC_ALL_MISSING, false);
    return HEADER_BYTES;
  }
  if (codec == CODEC_ALL_MISSING) return 0;
  const head = HEADER_BYTES + layoutBytes;
  if (best || codec == CODEC_CONSTANT) {
    if (isConstant(src, n)) {
      if (head + 4 >= limit) return 0;
      writeConstant(writeHeader(out, CODEC_CONSTANT, true), src);
      return head + 4;
    }
    if (!best) return 0;
  }
  let chosen = 0;
  let payload = i32.MAX_VALUE;
  if (best || codec == CODEC_DECIMAL) {
    const d = decimalPayloadBytes(src, n);
    if (d >= 0) {
      chosen = CODEC_DECIMAL;
      payload = d;
    }
  }
  // Below half a byte a value, the XOR codec does not win: skip measuring it.
  if (codec == CODEC_XOR || (best && payload > (n >> 1))) {
    const x = xorPayloadBytes(src, n, best ? payload : i32.MAX_VALUE, best && chosen == CODEC_DECIMAL ? planBytesTo : 0);
    if (x >= 0 && x < payload) {
      chosen = CODEC_XOR;
      payload = x;
    }
  }
  if (chosen == 0 || head + payload >= limit) return 0;
  const p = writeHeader(out, chosen, true);
  const limit_ = out + <usize>encodedBound(len);
  const end = chosen == CODEC_DECIMAL ? writeDecimal(p, n, limit_) : writeXor(p, src, n, limit_);
  return <i32>(end - out);
}

/**
 * Decodes a block of `size` bytes into f32 out[0..len); returns len, the
 * count of values written (0 when the block is not one of ours).
 */
export function decodeChunk(block: usize, size: i32, out: usize): i32 {
  if (!readHeader(block, size)) return 0;
  const end = block + <usize>size;
  const codec = <i32>load<u8>(block) & 15;
  let r = -1;
  if (codec == CODEC_DECIMAL) r = decodeDecimal(out, end);
  else if (codec == CODEC_XOR) r = decodeXor(out, end);
  else if (codec == CODEC_CONSTANT) r = decodeConstant(out, end);
  else if (codec == CODEC_ALL_MISSING) r = decodeAllMissing(out);
  return r < 0 ? 0 : r;
}
