// The chunk codecs' one interface (docs/engine.md "Chunk encodings"). A sealed
// chunk's values (up to CHUNK_CAP f32, NaN 0x7fc00000 for a missing sample,
// any other bit pattern a value, NaN payloads included) become one encoded
// block; decoding gives back every bit. The first byte of a block names its
// codec. This file picks the smallest; one file per codec does the work.

/** Bytes an encoding of `len` values may need at most: callers size `out` by it. */
export function encodedBound(len: i32): i32 {
  return (len << 2) + 64;
}

/**
 * Encodes f32 values[0..len) into out[0..): returns the block's size in
 * bytes, or 0 when no codec beats raw float32 (the caller keeps the raw
 * values). PLACEHOLDER until the codecs land: always 0.
 */
export function encodeChunk(values: usize, len: i32, out: usize): i32 {
  return 0;
}

/** Decodes a block of `size` bytes into f32 out[0..); returns the count of values. */
export function decodeChunk(block: usize, size: i32, out: usize): i32 {
  return 0;
}
