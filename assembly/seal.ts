// Sealed chunks: a chunk that is no longer the newest of its series holds its
// values as one block encoded by assembly/codec (no pages), so stored data
// costs what the codecs make of it. The newest chunk stays raw: writes stay
// as fast as on pages.
//
// - Sealing: when a chunk stops being the newest (chunk.ts appendChunk), when
//   a restore loads a chunk that is not the newest (load.ts), and for the
//   chunks on the reseal list (below). A codec answering 0 keeps the pages.
// - Reading: valueRun gives the values of a run of slots, from a page or, for
//   a sealed chunk, from one scratch of CHUNK_CAP f32 it is decoded into. The
//   scratch remembers which chunk it holds and the epoch of that decoding;
//   every seal, unseal and free bumps the epoch, so a stale decoding is never
//   read (a freed chunk's address may come back as another chunk).
// - Writing into a sealed chunk (late samples, overwrites, merges at load)
//   decodes it to pages first (unsealChunk) and puts it on the reseal list,
//   which is sealed again when the call that wrote finishes (ingest, apply,
//   WAL replay, load: resealPending) or the list is full. A chunk on the list
//   knows its place (C_RESEAL), so freeing it takes it off.
import { alloc, allocScratch, free } from "./alloc";
import {
  C_BLOCK, C_BLOCK_SIZE, C_PAGES, C_RESEAL, C_STAMP, cLen, cNext, cPage, cSealed, CHUNK_CAP, countPages, countSealed, PAGE_BYTES,
  PAGE_SLOTS,
} from "./chunk-header";
import { decodeChunk, encodeChunk, encodedBound } from "./codec/index";
import { preAt, preBlock } from "./load-blocks";
import { isPacked, packedValues, putPage, releasePage } from "./pack";

/** StoreOptions.compression: false seals nothing (the engine as before sealed chunks). */
export let compressionOn = false;

export function setCompression(on: bool): void {
  compressionOn = on;
}

// @ts-ignore: decorator
@inline const VALUES_BYTES: usize = <usize>CHUNK_CAP << 2;
/** A raw chunk's values gathered from its pages for the encoder (and to put them back). */
const gathered: usize = memory.data(<i32>VALUES_BYTES, 16);
/** The decoded values of chunk `decodedChunk` as of `decodedEpoch` (slack for a decoder writing whole vectors). */
const decoded: usize = memory.data(<i32>VALUES_BYTES + 64, 16);
let decodedChunk: usize = 0;
let decodedEpoch: u64 = 0;
/** Bumped by every seal, unseal and free of a chunk. */
let epoch: u64 = 1;
/** The encoder's output, encodedBound(CHUNK_CAP) bytes of scratch, allocated at the first seal. */
let encoded: usize = 0;

// ---- reseal list ----

/** Chunks written to while sealed, at most this many at a time (each costs up to 2 KiB of pages until resealed). */
// @ts-ignore: decorator
@inline const RESEAL_LIST_CAP: i32 = 1024;
const resealList: usize = memory.data(RESEAL_LIST_CAP * 4);
let resealCount: i32 = 0;

/** Puts a raw chunk that is not the newest of its series on the reseal list (nothing when compression is off). */
export function resealLater(c: usize): void {
  if (!compressionOn || load<u16>(c, C_RESEAL) != 0) return;
  if (resealCount == RESEAL_LIST_CAP) resealPending();
  store<u32>(resealList + (<usize>resealCount << 2), <u32>c);
  resealCount++;
  store<u16>(c, <u16>resealCount, C_RESEAL);
}

function leaveResealList(c: usize): void {
  const place = <i32>load<u16>(c, C_RESEAL);
  if (place == 0) return;
  store<u16>(c, 0, C_RESEAL);
  resealCount--;
  if (place - 1 == resealCount) return;
  const last = <usize>load<u32>(resealList + (<usize>resealCount << 2));
  store<u32>(resealList + (<usize>(place - 1) << 2), <u32>last);
  store<u16>(last, <u16>place, C_RESEAL);
}

/** Seals the chunks on the reseal list, except one that became the newest of its series meanwhile. */
export function resealPending(): void {
  const n = resealCount;
  resealCount = 0;
  for (let i = 0; i < n; i++) {
    const c = <usize>load<u32>(resealList + (<usize>i << 2));
    store<u16>(c, 0, C_RESEAL);
    if (cNext(c) != 0) sealChunk(c);
  }
}

// ---- sealing ----

/** The encoder's scratch, allocated at the first seal; false when memory ran out. */
function haveEncoded(): bool {
  if (encoded == 0) encoded = allocScratch(<usize>encodedBound(CHUNK_CAP));
  return encoded != 0;
}

/** Encodes `len` contiguous values into `encoded`; the block's size, 0 to keep them raw. */
function encodeValues(values: usize, len: i32): i32 {
  if (!haveEncoded()) return 0;
  const size = encodeChunk(values, len, encoded);
  return size > 0 && size <= 0xffff ? size : 0;
}

/** The last seal stamp handed out; 64 bits never wrap. */
let stampCounter: u64 = 0;

/**
 * A sealed chunk's stamp: a number no other sealing, of this chunk or any
 * other, ever gets. While a chunk stays sealed its values and length cannot
 * change (every write unseals first), so the stamp names its values: the
 * rollup cache (rollup.ts) keys on it and needs no invalidation of its own.
 * It lives in the slots of pages 6 and 7, which are 0 while a chunk is
 * sealed; whoever gives a sealed chunk pages or frees it clears it first.
 */
// @ts-ignore: decorator
@inline export function sealStamp(c: usize): u64 {
  return load<u64>(c, C_STAMP);
}

function setBlock(c: usize, block: usize, size: i32): void {
  store<u32>(c, <u32>block, C_BLOCK);
  store<u16>(c, <u16>size, C_BLOCK_SIZE);
  stampCounter++;
  store<u64>(c, stampCounter, C_STAMP);
  countSealed(1, size);
  epoch++;
}

/**
 * Seals a raw chunk: its pages become one encoded block. The pages are freed
 * before the block is taken, so a shard at its memory cap can still seal (the
 * block fits in what the pages gave back); should the block not be had, the
 * pages come back from the free list they just went to, values and all.
 */
export function sealChunk(c: usize): void {
  if (!compressionOn || cSealed(c)) return;
  const len = cLen(c);
  if (len == 0) return;
  const pages = (len + PAGE_SLOTS - 1) >> 6;
  let packed = 0;
  for (let i = 0; i < pages; i++) {
    const rest = len - i * PAGE_SLOTS;
    const n = rest < PAGE_SLOTS ? rest : PAGE_SLOTS;
    let p = cPage(c, i);
    if (isPacked(p)) {
      p = packedValues(p);
      packed |= 1 << i;
    }
    memory.copy(gathered + <usize>i * PAGE_BYTES, p, <usize>n << 2);
  }
  const size = encodeValues(gathered, len);
  if (size == 0) return;
  releasePages(c);
  const block = alloc(<usize>size);
  if (block == 0) {
    // Packed again, the pages take the blocks of the sizes just freed.
    restorePages(c, gathered, len, packed);
    return;
  }
  memory.copy(block, encoded, <usize>size);
  setBlock(c, block, size);
}

/** Seals a new chunk (no pages yet) straight from `len` contiguous values; false when it stays raw. */
export function sealValues(c: usize, values: usize, len: i32): bool {
  if (!compressionOn || len == 0) return false;
  // A block restore's worker made of these values (load-blocks.ts). The
  // scratch is still taken, so memory is laid out as when encoding here.
  const pre = preBlock(values, len);
  if (pre >= 0) return haveEncoded() && sealEncoded(c, preAt, pre);
  // First the size: the first call allocates `encoded`.
  const size = encodeValues(values, len);
  return sealEncoded(c, encoded, size);
}

/** Seals a new chunk (no pages yet) with a block encodeChunk made of its values (size 0: none); false when it stays raw. */
function sealEncoded(c: usize, from: usize, size: i32): bool {
  if (!compressionOn || size <= 0) return false;
  const block = alloc(<usize>size);
  if (block == 0) return false;
  memory.copy(block, from, <usize>size);
  setBlock(c, block, size);
  return true;
}

/** Frees every page of a chunk (some may lie past its length: a write that ran out of memory half-way). */
function releasePages(c: usize): void {
  for (let i = 0; i < CHUNK_CAP / PAGE_SLOTS; i++) {
    const at = c + C_PAGES + (<usize>i << 2);
    const p = <usize>load<u32>(at);
    if (p == 0) continue;
    releasePage(p);
    store<u32>(at, 0);
  }
}

/**
 * Gives a chunk without pages the pages for `len` values copied from
 * `values` (`values` holds whole pages: len rounded up to PAGE_SLOTS), page i
 * packed when bit i of `packed` is set; false (and no pages) when memory ran
 * out.
 */
function restorePages(c: usize, values: usize, len: i32, packed: i32 = 0): bool {
  const pages = (len + PAGE_SLOTS - 1) >> 6;
  for (let i = 0; i < pages; i++) {
    if (!putPage(c, i, values + <usize>i * PAGE_BYTES, ((packed >> i) & 1) != 0)) {
      releasePages(c);
      return false;
    }
  }
  return true;
}

function releaseBlock(c: usize): void {
  const block = <usize>load<u32>(c, C_BLOCK);
  const size = <i32>load<u16>(c, C_BLOCK_SIZE);
  free(block, <usize>size);
  store<u32>(c, 0, C_BLOCK);
  store<u16>(c, 0, C_BLOCK_SIZE);
  countSealed(-1, -size);
  epoch++;
}

/**
 * Makes a sealed chunk raw for a write: decoded into pages, and on the
 * reseal list unless it is the newest of its series. False when memory ran
 * out (it stays sealed, nothing lost).
 */
export function unsealChunk(c: usize): bool {
  const len = cLen(c);
  // The page slots take pointers now; should they not all be had, the chunk
  // stays sealed with the values it had, and so keeps its stamp.
  const stamp = sealStamp(c);
  store<u64>(c, 0, C_STAMP);
  if (!restorePages(c, sealedValues(c), len)) {
    store<u64>(c, stamp, C_STAMP);
    return false;
  }
  releaseBlock(c);
  if (cNext(c) != 0) resealLater(c);
  return true;
}

/** Before a chunk is freed: off the reseal list, its block freed (the caller frees its pages). */
export function forgetChunk(c: usize): void {
  leaveResealList(c);
  if (cSealed(c)) {
    store<u64>(c, 0, C_STAMP);
    releaseBlock(c);
  } else epoch++;
}

// ---- reading ----

/** The values of a sealed chunk, decoded (once per chunk and epoch) into the scratch. */
function sealedValues(c: usize): usize {
  if (c == decodedChunk && decodedEpoch == epoch) return decoded;
  const len = cLen(c);
  let n = decodeChunk(<usize>load<u32>(c, C_BLOCK), <i32>load<u16>(c, C_BLOCK_SIZE), decoded);
  if (n < 0) n = 0;
  // A block that gives fewer values than the chunk holds reads as missing samples.
  for (let i = n; i < len; i++) store<u32>(decoded + (<usize>i << 2), 0x7fc00000);
  decodedChunk = c;
  decodedEpoch = epoch;
  return decoded;
}

/** Where the run valueRun found ends (exclusive slot index). */
export let runEnd: i32 = 0;

/**
 * Address of slot k of chunk c (k < its length): the slots k..runEnd-1
 * (runEnd <= kEnd) follow it contiguously. A raw chunk's run ends with its
 * page; a sealed chunk's values are decoded into the scratch, valid until
 * valueRun is asked for another sealed chunk or a chunk is sealed, unsealed
 * or freed.
 */
export function valueRun(c: usize, k: i32, kEnd: i32): usize {
  if (load<u32>(c, C_BLOCK) == 0) {
    const pageEnd = (k & ~(PAGE_SLOTS - 1)) + PAGE_SLOTS;
    runEnd = pageEnd < kEnd ? pageEnd : kEnd;
    let p = cPage(c, k >> 6);
    if (isPacked(p)) p = packedValues(p);
    return p + (<usize>(k & (PAGE_SLOTS - 1)) << 2);
  }
  runEnd = kEnd;
  return sealedValues(c) + (<usize>k << 2);
}
