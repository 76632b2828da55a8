// A series is a chain of chunks, newest last, each with a start, a capacity
// (512 slots, or the length of a piece loaded from disk) and 32-bit values.
// Values live in 64-slot pages allocated as slots are reached, so the newest
// chunk of a series costs only what it holds; older chunks are sealed
// (seal.ts: one encoded block each) when compression is on. Rules of the
// reference (cc-backend buffer.go): first chunk at ts - floor(f/2); idx >= cap
// opens a new chunk at ts - floor(f/2); overwrite below len; NaN fill above it.
import { alloc, free } from "./alloc";
import {
  addSamples, C_CAP, C_DIRTY, C_LEN, C_NEXT, C_PAGES, C_PREV, C_SAVED, C_START, CHUNK_BYTES, CHUNK_CAP, cCap, cLen, cNext,
  countChunks, countPages, cPage, cPrev, cSaved, cSealed, cStart, NO_DIRTY, PAGE_BYTES, PAGE_SLOTS, WRITE_NO_MEMORY,
  WRITE_NO_ROOM, WRITE_OK,
} from "./chunk-header";
import { isPacked, packPagesBelow, releasePage, unpackPage } from "./pack";
import { compressionOn, forgetChunk, resealLater, sealChunk, unsealChunk } from "./seal";

export function newChunk(start: i64, cap: i32): usize {
  const c = alloc(CHUNK_BYTES);
  if (c == 0) return 0;
  // Four vector stores: cheaper than a call to memory.fill for 64 bytes.
  const zero = i64x2.splat(0);
  v128.store(c, zero);
  v128.store(c, zero, 16);
  v128.store(c, zero, 32);
  v128.store(c, zero, 48);
  store<i64>(c, start, C_START);
  store<u16>(c, <u16>cap, C_CAP);
  store<u16>(c, NO_DIRTY, C_DIRTY);
  countChunks(1);
  return c;
}

export function freeChunk(c: usize): void {
  forgetChunk(c);
  // Every page slot: a write that ran out of memory half-way may have left pages past the length.
  for (let i = 0; i < CHUNK_CAP / PAGE_SLOTS; i++) {
    const p = cPage(c, i);
    if (p != 0) releasePage(p);
  }
  addSamples(-cLen(c));
  countChunks(-1);
  free(c, CHUNK_BYTES);
}

/** Makes sure the pages holding slots [from, to] exist; false when memory runs out. */
export function ensurePages(c: usize, from: i32, to: i32): bool {
  for (let i = from >> 6; i <= to >> 6; i++) {
    const at = c + C_PAGES + (<usize>i << 2);
    if (load<u32>(at) == 0) {
      const p = alloc(PAGE_BYTES);
      if (p == 0) return false;
      store<u32>(at, <u32>p);
      countPages(1);
    }
  }
  return true;
}

/** Slots [from, to) of existing pages become missing samples. */
export function fillNaN(c: usize, from: i32, to: i32): void {
  // slots [from, to)
  let i = from;
  while (i < to) {
    const page = cPage(c, i >> 6);
    const end = min(to, (i & ~63) + 64);
    const bits: u32 = 0x7fc00000;
    for (let k = i; k < end; k++) store<u32>(page + (<usize>(k & 63) << 2), bits);
    i = end;
  }
}

/**
 * Writes slot idx (< cap) of a chunk (a sealed one is unsealed first, a
 * packed page unpacked); false when a page could not be had.
 */
export function chunkWrite(c: usize, idx: i32, value: f32): bool {
  if (cSealed(c) && !unsealChunk(c)) return false;
  const len = cLen(c);
  let page: usize;
  if (idx >= len) {
    if (!ensurePages(c, len, idx)) return false;
    if (idx > len) fillNaN(c, len, idx);
    store<u16>(c, <u16>(idx + 1), C_LEN);
    addSamples(idx + 1 - len);
    // A page started in the newest chunk: the full ones below it are packed
    // (pack.ts). Older chunks written to are sealed whole when the call ends.
    const pageIndex = idx >> 6;
    if (len > 0 && pageIndex > ((len - 1) >> 6) && compressionOn && cNext(c) == 0) packPagesBelow(c, pageIndex);
    page = cPage(c, pageIndex);
  } else {
    page = cPage(c, idx >> 6);
    if (isPacked(page)) {
      page = unpackPage(c, idx >> 6);
      if (page == 0) return false;
    }
  }
  store<f32>(page + (<usize>(idx & 63) << 2), value);
  if (idx < cSaved(c)) store<u16>(c, <u16>idx, C_SAVED);
  if (<u16>idx < load<u16>(c, C_DIRTY)) store<u16>(c, <u16>idx, C_DIRTY);
  return true;
}

// @ts-ignore: decorator
@inline function halfFreq(f: i64): i64 {
  return f / 2;
}

/**
 * Writes one sample into the series whose newest chunk is stored at `slot`.
 * Late samples go into the older chunk that covers them, or a chunk inserted
 * into the gap or before the oldest chunk (see insertBetween).
 */
export function writeSample(slot: usize, f: i64, ts: i64, value: f32, prepend: bool = false): i32 {
  const head = <usize>load<u32>(slot);
  if (head == 0) return appendChunk(slot, 0, f, ts, value);
  const start = cStart(head);
  if (ts < start) return writeLate(head, f, ts, value, prepend);
  const idx64 = (ts - start) / f;
  if (idx64 >= <i64>cCap(head)) return appendChunk(slot, head, f, ts, value);
  return chunkWrite(head, <i32>idx64, value) ? WRITE_OK : WRITE_NO_MEMORY;
}

/**
 * Opens a new newest chunk at ts - floor(f/2) after `head` (0: first chunk).
 * Every chunk holds at least one slot. `head` is sealed first: a shard at its
 * memory cap then finds room for the new chunk in what that gave back.
 */
function appendChunk(slot: usize, head: usize, f: i64, ts: i64, value: f32): i32 {
  if (head != 0) sealChunk(head);
  const c = newChunk(ts - halfFreq(f), CHUNK_CAP);
  if (c == 0) return WRITE_NO_MEMORY;
  if (!chunkWrite(c, 0, value)) {
    freeChunk(c);
    return WRITE_NO_MEMORY;
  }
  store<u32>(c, <u32>head, C_PREV);
  if (head != 0) store<u32>(head, <u32>c, C_NEXT);
  store<u32>(slot, <u32>c);
  return WRITE_OK;
}

/**
 * A sample before the newest chunk's start. One older than everything opens a
 * new oldest chunk: on the oldest chunk's grid (ours: the reference drops it;
 * the ingest window decides beforehand what is too old), or with `prepend`
 * (loading a file's series sample by sample) at ts - floor(f/2).
 */
function writeLate(head: usize, f: i64, ts: i64, value: f32, prepend: bool): i32 {
  let newer = head;
  let c = cPrev(head);
  while (c != 0) {
    const start = cStart(c);
    if (ts >= start) {
      const idx64 = (ts - start) / f;
      if (idx64 < <i64>cCap(c)) return chunkWrite(c, <i32>idx64, value) ? WRITE_OK : WRITE_NO_MEMORY;
      return insertBetween(c, newer, f, ts, value);
    }
    newer = c;
    c = cPrev(c);
  }
  return insertBetween(0, newer, f, ts, value, prepend);
}

/**
 * Opens a chunk for ts between `older` (0: none) and `newer` (ours: the
 * reference drops such a sample). buffer.read steps into the next chunk only
 * once, when t passes the older chunk's capacity, and reads the slot covering
 * t there. So the new chunk sits on the older chunk's grid at or after its
 * end, and holds only whole slots before `newer` starts: wherever a read
 * leaves `older`, it lands on a slot of the new chunk or before it, and
 * leaving the new chunk it lands no further than slot 0 of `newer`. A sample
 * whose slot does not fit whole before `newer` is refused (WRITE_NO_ROOM).
 * Before everything (`older` = 0) no read arrives from an older chunk; the
 * chunk takes `newer`'s grid, so at least the slot covering ts fits: the
 * same placement as in a gap. Loading (`ownGrid`) opens it at ts - floor(f/2)
 * instead, cut to end by `newer`'s start.
 */
function insertBetween(older: usize, newer: usize, f: i64, ts: i64, value: f32, ownGrid: bool = false): i32 {
  const nextStart = cStart(newer);
  let start: i64;
  let cap64: i64;
  if (older != 0) {
    const olderStart = cStart(older);
    start = olderStart + ((ts - olderStart) / f) * f;
    cap64 = (nextStart - start) / f;
    if (cap64 < 1) return WRITE_NO_ROOM;
  } else if (!ownGrid) {
    // ts < nextStart: the whole steps back from `newer` to the slot covering ts.
    cap64 = (nextStart - ts + f - 1) / f;
    start = nextStart - cap64 * f;
  } else {
    start = ts - halfFreq(f);
    cap64 = (nextStart - start) / f;
    if (cap64 < 1) {
      start = nextStart - f;
      cap64 = 1;
    }
  }
  if (cap64 > <i64>CHUNK_CAP) cap64 = <i64>CHUNK_CAP;
  const c = newChunk(start, <i32>cap64);
  if (c == 0) return WRITE_NO_MEMORY;
  store<u32>(c, <u32>older, C_PREV);
  store<u32>(c, <u32>newer, C_NEXT);
  store<u32>(newer, <u32>c, C_PREV);
  if (older != 0) store<u32>(older, <u32>c, C_NEXT);
  const idx = <i32>((ts - start) / f);
  if (!chunkWrite(c, idx, value)) {
    // Unlink again so no empty chunk stays behind.
    store<u32>(newer, <u32>older, C_PREV);
    if (older != 0) store<u32>(older, <u32>newer, C_NEXT);
    freeChunk(c);
    return WRITE_NO_MEMORY;
  }
  // Never the newest: sealed when the call that wrote it is done.
  resealLater(c);
  return WRITE_OK;
}

export function oldestChunk(head: usize): usize {
  let c = head;
  while (cPrev(c) != 0) c = cPrev(c);
  return c;
}

/** Frees every chunk of a series whose end (firstWrite + len*f) is before t; returns the new head and counts in `freedCount`. */
export let freedCount: i32 = 0;
export function freeBefore(head: usize, f: i64, t: i64): usize {
  let c = oldestChunk(head);
  let newHead = head;
  while (c != 0) {
    const next = cNext(c);
    const end = cStart(c) + halfFreq(f) + <i64>cLen(c) * f;
    if (end < t) {
      const prev = cPrev(c);
      if (prev != 0) store<u32>(prev, <u32>next, C_NEXT);
      if (next != 0) store<u32>(next, <u32>prev, C_PREV);
      if (c == newHead) newHead = prev;
      freeChunk(c);
      freedCount++;
    }
    c = next;
  }
  return newHead;
}
