// The chunk codecs' one interface (docs/engine.md "Chunk encodings"). A sealed
// chunk's values (up to CHUNK_CAP f32, NaN 0x7fc00000 for a missing sample,
// any other bit pattern a value, NaN payloads included) become one encoded
// block; decoding gives back every bit. The first byte of a block names its
// codec. This file picks the smallest; one file per codec does the work.
//
// TEMPORARY (branch `sealed`): two trivial codecs so that every path of the
// sealed chunks (variable block sizes, decode into the read scratch, unseal,
// reseal) runs in the tests until the real codecs (branch `codecs`) replace
// this file: kind 1 = every value the same 32 bits (8 bytes), kind 2 = the
// raw f32 behind a 4-byte header. Block: u8 kind, u8 0, u16 count, then data.

/** Bytes an encoding of `len` values may need at most: callers size `out` by it. */
export function encodedBound(len: i32): i32 {
  return (len << 2) + 64;
}

/**
 * Encodes f32 values[0..len) into out[0..): returns the block's size in
 * bytes, or 0 when no codec beats raw float32 (the caller keeps the raw
 * values).
 */
export function encodeChunk(values: usize, len: i32, out: usize): i32 {
  if (len <= 0) return 0;
  const first = load<u32>(values);
  let same = true;
  for (let i = 1; i < len; i++) {
    if (load<u32>(values + (<usize>i << 2)) != first) {
      same = false;
      break;
    }
  }
  store<u16>(out, <u16>len, 2);
  if (same) {
    store<u8>(out, 1);
    store<u8>(out, 0, 1);
    store<u32>(out, first, 4);
    return 8;
  }
  store<u8>(out, 2);
  store<u8>(out, 0, 1);
  memory.copy(out + 4, values, <usize>len << 2);
  return 4 + (len << 2);
}

/** Decodes a block of `size` bytes into f32 out[0..); returns the count of values. */
export function decodeChunk(block: usize, size: i32, out: usize): i32 {
  if (size < 4) return 0;
  const kind = load<u8>(block);
  const len = <i32>load<u16>(block, 2);
  if (kind == 1 && size == 8) {
    const bits = load<u32>(block, 4);
    for (let i = 0; i < len; i++) store<u32>(out + (<usize>i << 2), bits);
    return len;
  }
  if (kind == 2 && size == 4 + (len << 2)) {
    memory.copy(out, block + 4, <usize>len << 2);
    return len;
  }
  return 0;
}
