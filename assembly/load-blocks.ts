// Restore's blocks encoded ahead. A worker thread (src/persist/restore-worker.ts)
// runs this engine's encoder, in its own instance, over a `.bin`'s values while
// the loading thread is busy with the files before it; loading then copies a
// block where it would have called the encoder. A block is keyed by where its
// values lie in the file and how many there are, and the encoder is a pure
// function of those values, so a block taken is the block loading would have
// made: loading's own path (allocations, stamps, counters) is untouched, and
// any call it makes that has no block (a piece that continues a chunk of an
// earlier file, another frequency, a merge) encodes as before.
//
// What the worker encodes, per series in table order: its 512-value pieces but
// the last (loading seals them), then the full 64-value pages of the last
// piece (the newest chunk's pages that loading packs, pack.ts).
//
// Format (little endian): u32 count, u32 entries, u32 end[entries], then the
// blocks one after the other. Entry k is data[end[k-1] .. end[k]) (end[-1] =
// 0); an empty one means the encoder kept those values raw. Only the first
// `count` entries are there (the worker stops where its room ends).
import { CHUNK_CAP, PAGE_SLOTS } from "./chunk-header";
import { encodeChunk, encodedBound } from "./codec/index";

/** Sealed pieces of a series of `n` values (0: the series is one that loading skips for its bounds). */
// @ts-ignore: decorator
@inline function sealedPieces(n: usize): u32 {
  return <u32>((n - 1) / <usize>CHUNK_CAP);
}

/** Full pages of the last piece of `n` values after `sealed` pieces (its last page stays raw). */
// @ts-ignore: decorator
@inline function lastPieceFullPages(n: usize, sealed: u32): u32 {
  const last = n - <usize>sealed * <usize>CHUNK_CAP;
  return <u32>((last + <usize>PAGE_SLOTS - 1) / <usize>PAGE_SLOTS) - 1;
}

/** Entries of a series of `n` values at `valuesAt` (0 when they lie outside the file: loadHost skips it). */
function entriesOf(valuesAt: usize, n: usize, bytesLen: usize): u32 {
  if (n == 0 || valuesAt > bytesLen || n > (bytesLen - valuesAt) >> 2 || n > 0x7fffffff) return 0;
  const sealed = sealedPieces(n);
  return sealed + lastPieceFullPages(n, sealed);
}

/** Encoder output for a block: seal.ts keeps a chunk raw when its block would not fit the header's u16 size. */
// @ts-ignore: decorator
@inline function blockSize(size: i32): u32 {
  return size > 0 && size <= 0xffff ? <u32>size : 0;
}

/** Set by encodePieces when the blocks reached their limit: later calls for the file add nothing. */
export let piecesFull = false;

/**
 * The worker's half: encodes the entries of series [first, last) of a file
 * (columns u32 valuesAt[nS], u32 valueCount[nS], as in loadHost) into `out`
 * in the format above, at most `limit` bytes of it; returns its size. The
 * worker calls it for one run of series after another (first = 0 starts the
 * file), so that it can stop between runs when loading wants the file. `out`
 * needs limit + encodedBound(512) bytes (the encoder may write past what is
 * kept).
 */
export function encodePieces(bytes: usize, bytesLen: usize, valuesAtCol: usize, countCol: usize, nS: u32, out: usize, limit: usize,
  first: u32, last: u32): usize {
  const ends = out + 8;
  if (first == 0) {
    piecesFull = false;
    let entries: u32 = 0;
    for (let i: usize = 0; i < <usize>nS; i++) {
      entries += entriesOf(<usize>load<u32>(valuesAtCol + (i << 2)), <usize>load<u32>(countCol + (i << 2)), bytesLen);
    }
    store<u32>(out, 0);
    store<u32>(out, entries, 4);
    if (<usize>8 + (<usize>entries << 2) > limit) piecesFull = true;
  }
  const entries = load<u32>(out, 4);
  const data = ends + (<usize>entries << 2);
  let k = load<u32>(out);
  let at: usize = k == 0 ? 0 : <usize>load<u32>(ends + (<usize>(k - 1) << 2));
  if (piecesFull) return data + at - out;
  const room = limit - (data - out);
  if (last > nS) last = nS;
  for (let i: usize = <usize>first; i < <usize>last; i++) {
    const valuesAt = <usize>load<u32>(valuesAtCol + (i << 2));
    const n = <usize>load<u32>(countCol + (i << 2));
    if (entriesOf(valuesAt, n, bytesLen) == 0) continue;
    const values = bytes + valuesAt;
    const sealed = sealedPieces(n);
    const pages = lastPieceFullPages(n, sealed);
    for (let j: u32 = 0; j < sealed + pages; j++) {
      const len = j < sealed ? CHUNK_CAP : PAGE_SLOTS;
      const from = j < sealed ? <usize>j * <usize>CHUNK_CAP : <usize>sealed * <usize>CHUNK_CAP + <usize>(j - sealed) * <usize>PAGE_SLOTS;
      const size = blockSize(encodeChunk(values + (from << 2), len, data + at));
      if (at + <usize>size > room) {
        piecesFull = true;
        store<u32>(out, k);
        return data + at - out;
      }
      at += <usize>size;
      store<u32>(ends + (<usize>k << 2), <u32>at);
      k++;
    }
  }
  store<u32>(out, k);
  return data + at - out;
}

/** Bytes past `limit` that encodePieces may write into. */
export function encodePiecesSlack(): usize {
  return <usize>encodedBound(CHUNK_CAP);
}

// ---- the loading half ----

let active = false;
let ends: usize = 0;
let data: usize = 0;
let dataLen: usize = 0;
let count: u32 = 0;
/** Entries of the series before the current one. */
let cursor: u32 = 0;
let seriesBase: u32 = 0;
let seriesValues: usize = 0;
let seriesSealed: u32 = 0;
let seriesPages: u32 = 0;
/** Where the block preBlock found starts. */
export let preAt: usize = 0;

/** The blocks for the next loadHost (len 0: none); ignored as a whole when their directory does not fit. */
export function useBlocks(blocks: usize, len: usize): void {
  active = false;
  cursor = 0;
  seriesSealed = 0;
  seriesPages = 0;
  if (len < 8) return;
  const c = load<u32>(blocks);
  const entries = load<u32>(blocks, 4);
  if (c > entries || <u64>entries * 4 + 8 > <u64>len) return;
  count = c;
  ends = blocks + 8;
  data = ends + (<usize>entries << 2);
  dataLen = len - 8 - (<usize>entries << 2);
  active = true;
}

/** The table is loaded: no blocks for whatever comes next. */
export function dropBlocks(): void {
  active = false;
}

/** The next series of the table, in table order, skipped or not (entries are numbered so). */
export function nextSeriesBlocks(bytes: usize, valuesAt: usize, n: usize, bytesLen: usize): void {
  if (!active) return;
  const e = entriesOf(valuesAt, n, bytesLen);
  seriesBase = cursor;
  cursor += e;
  if (e == 0) {
    seriesSealed = 0;
    seriesPages = 0;
    return;
  }
  seriesValues = bytes + valuesAt;
  seriesSealed = sealedPieces(n);
  seriesPages = lastPieceFullPages(n, seriesSealed);
}

/**
 * The block encoded ahead for the `len` values at `values` of the current
 * series: its size (its bytes at preAt), 0 when the encoder kept them raw,
 * -1 when there is none (values that are not an entry's, or no blocks).
 */
export function preBlock(values: usize, len: i32): i32 {
  if (!active || values < seriesValues || ((values - seriesValues) & 3) != 0) return -1;
  const q = (values - seriesValues) >> 2;
  let k: u32;
  if (len == CHUNK_CAP) {
    if ((q & <usize>(CHUNK_CAP - 1)) != 0 || q / <usize>CHUNK_CAP >= <usize>seriesSealed) return -1;
    k = seriesBase + <u32>(q / <usize>CHUNK_CAP);
  } else if (len == PAGE_SLOTS) {
    const lastStart = <usize>seriesSealed * <usize>CHUNK_CAP;
    if (q < lastStart || ((q - lastStart) & <usize>(PAGE_SLOTS - 1)) != 0 || (q - lastStart) / <usize>PAGE_SLOTS >= <usize>seriesPages) return -1;
    k = seriesBase + seriesSealed + <u32>((q - lastStart) / <usize>PAGE_SLOTS);
  } else return -1;
  if (k >= count) return -1;
  const from: usize = k == 0 ? 0 : <usize>load<u32>(ends + (<usize>(k - 1) << 2));
  const to = <usize>load<u32>(ends + (<usize>k << 2));
  if (to < from || to > dataLen || to - from > 0xffff) return -1;
  if (to - from > 0 && to - from < 3) return -1;
  preAt = data + from;
  // A block names its length after the codec byte (codec/layout.ts): one for another length is not these values'.
  if (to - from >= 3 && load<u16>(preAt, 1) != <u16>len) return -1;
  return <i32>(to - from);
}
