// Packed pages: the full pages of the newest chunk of a series, each encoded
// on its own while the chunk fills. A raw chunk's page pointer with bit 0 set
// is a packed page: a block of [u16 size][size bytes of one encoded chunk of
// PAGE_SLOTS values] (assembly/codec; allocations are 16-byte aligned, so
// bit 0 of a pointer is free for the tag).
//
// Why: every series has a newest chunk, and held raw it costs up to 2 KiB
// until it is sealed. With the full pages packed, it holds one raw page (the
// one being written) beside blocks a fifth of a page's size, so the memory
// the newest chunks take at their fullest, which stays touched for good
// (linear memory never shrinks), is a fraction of it. Sealing the chunk
// encodes its 512 values again as one block (smaller than the packed pages
// together) and frees them.
//
// A write into a packed page (a late sample, an overwrite) unpacks it first.
// The chunk's next page to be started packs it again when no packed page lies
// between them (packPagesBelow).
import { alloc, free } from "./alloc";
import { C_PAGES, countPages, PAGE_BYTES, PAGE_SLOTS } from "./chunk-header";
import { decodeChunk, encodeChunk } from "./codec/index";
import { preAt, preBlock } from "./load-blocks";

// @ts-ignore: decorator
@inline export const PACKED_TAG: usize = 1;
// @ts-ignore: decorator
@inline const SIZE_BYTES: usize = 2;

/** Bytes of the packed pages' blocks (their size fields included). */
export let packedBytes: u64 = 0;
export let packedCount: u64 = 0;

/** The encoder's output for one page. */
const encodedPage: usize = memory.data(<i32>PAGE_BYTES + 64, 16); // encodedBound(PAGE_SLOTS)
/** The values of packed page `decodedPage` as of `decodedEpoch` (slack for a decoder writing whole vectors). */
const decodedValues: usize = memory.data(<i32>PAGE_BYTES + 64, 16);
let decodedPage: usize = 0;
let decodedEpoch: u64 = 0;
/** Bumped whenever a packed block is freed: its address may come back holding other values. */
let epoch: u64 = 1;

/** The epoch of packed blocks: while it stays, every packed block still allocated holds the bytes it was packed with. */
// @ts-ignore: decorator
@inline export function packEpoch(): u64 {
  return epoch;
}

// @ts-ignore: decorator
@inline export function isPacked(p: usize): bool {
  return (p & PACKED_TAG) != 0;
}

function countPacked(n: i32, bytes: i32): void {
  packedCount = <u64>(<i64>packedCount + <i64>n);
  packedBytes = <u64>(<i64>packedBytes + <i64>bytes);
}

/**
 * Packs the PAGE_SLOTS values at `values` into a block for page `i` of `c`
 * (whose pointer is replaced; the caller frees what it held). False when
 * no codec makes them smaller or no block can be had.
 */
function packInto(c: usize, i: i32, values: usize): bool {
  // A block restore's worker made of these values, if any (load-blocks.ts).
  const pre = preBlock(values, PAGE_SLOTS);
  const from = pre >= 0 ? preAt : encodedPage;
  const size = pre >= 0 ? pre : encodeChunk(values, PAGE_SLOTS, encodedPage);
  if (size == 0) return false;
  const block = alloc(SIZE_BYTES + <usize>size);
  if (block == 0) return false;
  store<u16>(block, <u16>size);
  memory.copy(block + SIZE_BYTES, from, <usize>size);
  store<u32>(c + C_PAGES + (<usize>i << 2), <u32>(block | PACKED_TAG));
  countPacked(1, <i32>SIZE_BYTES + size);
  return true;
}

/**
 * Packs the raw pages of `c` just below page `below` (all of them full):
 * from page below-1 down to the first that is packed already or does not
 * pack (it stays raw). So a series no codec shrinks costs one try a page,
 * not one for every page before it again; a page unpacked by a late write
 * below a packed one stays raw until the chunk is sealed. The block is taken
 * before the page is freed, so a page always has its values somewhere.
 */
export function packPagesBelow(c: usize, below: i32): void {
  for (let i = below - 1; i >= 0; i--) {
    const at = c + C_PAGES + (<usize>i << 2);
    const p = <usize>load<u32>(at);
    if (p == 0 || isPacked(p) || !packInto(c, i, p)) return;
    free(p, PAGE_BYTES);
    countPages(-1);
  }
}

/** Page `i` of `c`, packed, as a raw page again; its address, 0 when memory ran out (it stays packed). */
export function unpackPage(c: usize, i: i32): usize {
  const at = c + C_PAGES + (<usize>i << 2);
  const tagged = <usize>load<u32>(at);
  const values = packedValues(tagged);
  const p = alloc(PAGE_BYTES);
  if (p == 0) return 0;
  memory.copy(p, values, PAGE_BYTES);
  releasePage(tagged);
  store<u32>(at, <u32>p);
  countPages(1);
  return p;
}

/** Frees a page pointer of a raw chunk, raw or packed (the caller clears it). */
export function releasePage(p: usize): void {
  if (isPacked(p)) {
    const block = p & ~PACKED_TAG;
    const bytes = SIZE_BYTES + <usize>load<u16>(block);
    free(block, bytes);
    countPacked(-1, -<i32>bytes);
    epoch++;
  } else {
    free(p, PAGE_BYTES);
    countPages(-1);
  }
}

/**
 * Gives page `i` of `c` (no pointer yet) the PAGE_SLOTS values at `values`,
 * packed when `packed`, else (or when packing fails) raw. False when memory
 * ran out.
 */
export function putPage(c: usize, i: i32, values: usize, packed: bool): bool {
  if (packed && packInto(c, i, values)) return true;
  const p = alloc(PAGE_BYTES);
  if (p == 0) return false;
  memory.copy(p, values, PAGE_BYTES);
  store<u32>(c + C_PAGES + (<usize>i << 2), <u32>p);
  countPages(1);
  return true;
}

/** The PAGE_SLOTS values of a packed page, decoded (once per block and epoch) into a scratch. */
export function packedValues(tagged: usize): usize {
  if (tagged == decodedPage && decodedEpoch == epoch) return decodedValues;
  const block = tagged & ~PACKED_TAG;
  let n = decodeChunk(block + SIZE_BYTES, <i32>load<u16>(block), decodedValues);
  if (n < 0) n = 0;
  // A block that gives fewer values than a page holds reads as missing samples.
  for (let k = n; k < PAGE_SLOTS; k++) store<u32>(decodedValues + (<usize>k << 2), 0x7fc00000);
  decodedPage = tagged;
  decodedEpoch = epoch;
  return decodedValues;
}
