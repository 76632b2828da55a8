// Restore's pre-encoded chunks. A worker thread (src/persist/restore-encoder.ts)
// runs this engine's encoder, in its own instance, over a checkpoint file's
// values while the loading thread is busy with the files before it; loading
// then copies each block instead of encoding it. The pieces it encodes are the
// ones loadSeries seals when a series arrives in order: every 512-value piece
// of a series but its last. Blocks are encodeChunk's bytes for the same
// values, so a chunk is sealed exactly as if it had been encoded here.
//
// Format (little endian): u32 P, u32 end[P], then the blocks one after the
// other. Piece k (counted over the file's series in table order) is
// data[end[k-1] .. end[k]) (end[-1] = 0); an empty block means the encoder
// kept that piece raw.
import { CHUNK_CAP } from "./chunk-header";
import { encodeChunk, encodedBound } from "./codec/index";

/** Pieces of a series of n values at valuesAt that get a block: 0 for a series whose values lie outside the file (loadHost skips it). */
// @ts-ignore: decorator
@inline export function sealedPieceCount(valuesAt: usize, n: usize, bytesLen: usize): u32 {
  if (n == 0 || valuesAt > bytesLen || n > (bytesLen - valuesAt) >> 2 || n > 0x7fffffff) return 0;
  return <u32>((n - 1) / <usize>CHUNK_CAP);
}

/**
 * Encodes the sealed pieces of a file's series (columns u32 valuesAt[nS],
 * u32 valueCount[nS], as in loadHost) into `out` in the format above; returns
 * its size. `out` needs 4 + P * (4 + encodedBound(CHUNK_CAP)) bytes.
 */
export function encodePieces(bytes: usize, bytesLen: usize, valuesAtCol: usize, countCol: usize, nS: u32, out: usize): usize {
  let total: u32 = 0;
  for (let i: usize = 0; i < <usize>nS; i++) {
    total += sealedPieceCount(<usize>load<u32>(valuesAtCol + (i << 2)), <usize>load<u32>(countCol + (i << 2)), bytesLen);
  }
  store<u32>(out, total);
  const ends = out + 4;
  const data = ends + (<usize>total << 2);
  let k: usize = 0;
  let at: usize = 0;
  for (let i: usize = 0; i < <usize>nS; i++) {
    const valuesAt = <usize>load<u32>(valuesAtCol + (i << 2));
    const pieces = sealedPieceCount(valuesAt, <usize>load<u32>(countCol + (i << 2)), bytesLen);
    for (let j: u32 = 0; j < pieces; j++) {
      const values = bytes + valuesAt + (<usize>j * <usize>CHUNK_CAP << 2);
      const size = encodeChunk(values, CHUNK_CAP, data + at);
      // seal.ts keeps a chunk raw when its block would not fit the header's u16 size.
      if (size > 0 && size <= 0xffff) at += <usize>size;
      store<u32>(ends + (k << 2), <u32>at);
      k++;
    }
  }
  return data + at - out;
}

/** Bytes `out` may need for a file of bytesLen bytes, whatever its series. */
export function encodePiecesBound(bytesLen: usize): usize {
  return 4 + (bytesLen / (<usize>CHUNK_CAP << 2)) * (4 + <usize>encodedBound(CHUNK_CAP));
}

let ends: usize = 0;
let data: usize = 0;
let dataLen: u32 = 0;
let count: u32 = 0;
let cursor: u32 = 0;
let seriesBase: u32 = 0;
let seriesPieces: u32 = 0;
/** Where the block preBlock found starts. */
export let preAt: usize = 0;

/** The blocks for the next loadHost (len 0: none); ignored as a whole when their directory does not fit. */
export function useBlocks(blocks: usize, len: usize): void {
  count = 0;
  cursor = 0;
  seriesPieces = 0;
  if (len < 4) return;
  const p = load<u32>(blocks);
  if (<u64>p * 4 + 4 > <u64>len) return;
  count = p;
  ends = blocks + 4;
  data = ends + (<usize>p << 2);
  dataLen = <u32>(len - 4 - (<usize>p << 2));
}

/** The next series of the table, in order, has these values (see sealedPieceCount). */
export function nextSeriesBlocks(valuesAt: usize, n: usize, bytesLen: usize): void {
  const pieces = sealedPieceCount(valuesAt, n, bytesLen);
  seriesBase = cursor;
  seriesPieces = cursor + pieces <= count ? pieces : 0;
  cursor += pieces;
}

/**
 * The block of the current series' piece at value p of len values: its size
 * (its bytes at preAt), 0 when the encoder kept it raw, -1 when there is none
 * (not a piece that was encoded, or no blocks).
 */
export function preBlock(p: i32, len: i32): i32 {
  if (len != CHUNK_CAP || p % CHUNK_CAP != 0) return -1;
  const k = <u32>(p / CHUNK_CAP);
  if (k >= seriesPieces) return -1;
  const i = seriesBase + k;
  const from: u32 = i == 0 ? 0 : load<u32>(ends + (<usize>(i - 1) << 2));
  const to = load<u32>(ends + (<usize>i << 2));
  if (to < from || to > dataLen || to - from > 0xffff) return -1;
  preAt = data + <usize>from;
  // A block names its codec and length first (codec/layout.ts): one for another piece length is not this piece's.
  if (to - from >= 3 && load<u16>(preAt, 1) != <u16>CHUNK_CAP) return -1;
  return <i32>(to - from);
}
