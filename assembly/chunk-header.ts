// The 64-byte chunk header, its accessors and the shard's chunk counters.
// A chunk holds its values one of two ways:
//   raw:    up to 8 pages of 64 f32 (C_PAGES), allocated as slots are reached
//           (the full ones of the newest chunk packed: pack.ts);
//   sealed: one encoded block (C_BLOCK, C_BLOCK_SIZE; assembly/codec), no pages.
// seal.ts turns one into the other; everything else reads values through
// seal.ts valueRun, whatever the form.

// @ts-ignore: decorator
@inline export const C_START: usize = 0; // i64
// @ts-ignore: decorator
@inline export const C_PREV: usize = 8;
// @ts-ignore: decorator
@inline export const C_NEXT: usize = 12;
// @ts-ignore: decorator
@inline export const C_LEN: usize = 16; // u16
// @ts-ignore: decorator
@inline export const C_CAP: usize = 18; // u16
// @ts-ignore: decorator
@inline export const C_SAVED: usize = 20; // u16: slots [0, saved) are on disk
// @ts-ignore: decorator
@inline export const C_DIRTY: usize = 22; // u16: lowest slot written since the last export (0xffff: none)
// @ts-ignore: decorator
@inline export const C_BLOCK: usize = 24; // u32: the encoded block of a sealed chunk (0: raw)
// @ts-ignore: decorator
@inline export const C_BLOCK_SIZE: usize = 28; // u16: its size in bytes
// @ts-ignore: decorator
@inline export const C_RESEAL: usize = 30; // u16: 1 + its index on the reseal list (0: not on it)
// @ts-ignore: decorator
@inline export const C_PAGES: usize = 32; // 8 x u32 (all 0 while sealed, but for C_STAMP)
// @ts-ignore: decorator
@inline export const C_STAMP: usize = 56; // u64, sealed only (the slots of pages 6 and 7): see seal.ts setBlock
// @ts-ignore: decorator
@inline export const CHUNK_BYTES: usize = 64;
// @ts-ignore: decorator
@inline export const CHUNK_CAP: i32 = 512;
// @ts-ignore: decorator
@inline export const PAGE_SLOTS: i32 = 64;
// @ts-ignore: decorator
@inline export const PAGE_BYTES: usize = 256;
// @ts-ignore: decorator
@inline export const NO_DIRTY: u16 = 0xffff;
// @ts-ignore: decorator
@inline export const NAN32: f32 = reinterpret<f32>(0x7fc00000);

export const WRITE_OK: i32 = 0;
export const WRITE_NO_MEMORY: i32 = 2;
/** A late sample in a gap narrower than a slot of the older chunk's grid. */
export const WRITE_NO_ROOM: i32 = 3;

export let chunkCount: u64 = 0;
export let sampleCount: u64 = 0;
/** Pages of raw chunks (PAGE_BYTES each). */
export let pageCount: u64 = 0;
/** Sealed chunks and the bytes of their encoded blocks. */
export let sealedCount: u64 = 0;
export let sealedBytes: u64 = 0;

// @ts-ignore: decorator
@inline export function cStart(c: usize): i64 {
  return load<i64>(c, C_START);
}
// @ts-ignore: decorator
@inline export function cPrev(c: usize): usize {
  return <usize>load<u32>(c, C_PREV);
}
// @ts-ignore: decorator
@inline export function cNext(c: usize): usize {
  return <usize>load<u32>(c, C_NEXT);
}
// @ts-ignore: decorator
@inline export function cLen(c: usize): i32 {
  return <i32>load<u16>(c, C_LEN);
}
// @ts-ignore: decorator
@inline export function cCap(c: usize): i32 {
  return <i32>load<u16>(c, C_CAP);
}
// @ts-ignore: decorator
@inline export function cSaved(c: usize): i32 {
  return <i32>load<u16>(c, C_SAVED);
}
// @ts-ignore: decorator
@inline export function cSealed(c: usize): bool {
  return load<u32>(c, C_BLOCK) != 0;
}
/** Page `pageIndex` of a raw chunk (0 when not allocated; always 0 for a sealed chunk; bit 0 set: packed, pack.ts). */
// @ts-ignore: decorator
@inline export function cPage(c: usize, pageIndex: i32): usize {
  return <usize>load<u32>(c + C_PAGES + (<usize>pageIndex << 2));
}

/** For chunks filled outside chunkWrite (loaded pieces). */
export function addSamples(n: i32): void {
  sampleCount = <u64>(<i64>sampleCount + <i64>n);
}

// Counts change by signed amounts (frees are negative).
export function countChunks(n: i32): void {
  chunkCount = <u64>(<i64>chunkCount + <i64>n);
}

export function countPages(n: i32): void {
  pageCount = <u64>(<i64>pageCount + <i64>n);
}

export function countSealed(n: i32, bytes: i32): void {
  sealedCount = <u64>(<i64>sealedCount + <i64>n);
  sealedBytes = <u64>(<i64>sealedBytes + <i64>bytes);
}
