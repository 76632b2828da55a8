// Rollups of packed pages of newest chunks not in step (lockstep-pieces.ts):
// a child whose newest chunk started a slot late has its page boundaries a
// slot off its siblings', so the read cuts the chunks' stretch where any
// child's page starts or ends, and each cut lies in one page of every child
// (a 63-slot and a 1-slot one a page for one child shifted by a slot). Such
// a cut's sums are kept as rollup-pages.ts keeps a page's: keyed by a copy
// of the n blocks' bytes (the bytes decide the values, whatever happened to
// the blocks in between), with the addresses of the last comparison taken
// instead while the pack epoch stays (no packed block freed since); and by
// the children's offsets in their pages, relative to series 0's, so that a
// group read at other offsets (or in step: rollup-pages.ts, another kind)
// is another entry. An entry holds the sums of every slot x of series 0's
// page whose slot x + rel[s] each child's page has.
import { cPage, PAGE_SLOTS } from "./chunk-header";
import { isPacked, PACKED_TAG, packEpoch, packedValues } from "./pack";
import { addValues, newEntry, rollupBudget, slotOf } from "./rollup";

// @ts-ignore: decorator
@inline export const KIND_PACKED_SHIFTED: u32 = 3;

// Entry: u32 allocated size, u32 n, u32 len, u32 KIND_PACKED_SHIFTED, u64 hash,
// u64 the pack epoch of the last comparison, u32 lo, 12 bytes 0, len x f64
// sums (padded to 16), n x i32 offsets (padded to 16), n x u32 the block
// addresses of the last comparison (padded to 16), then each block's bytes
// ([u16 size][size bytes]) padded with zeros to a multiple of 16.
// @ts-ignore: decorator
@inline const HEADER: usize = 48;

/** Series 0's slot in its page of the sums packedShiftedSums returned. */
export let shiftedPageLo: i32 = 0;

const LANES: usize = memory.data<u8>([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);

// @ts-ignore: decorator
@inline function padded(bytes: usize): usize {
  return (bytes + 15) & ~<usize>15;
}

// @ts-ignore: decorator
@inline function pageWord(chunks: usize, pageOf: usize, s: i32): usize {
  const q = <usize>s << 2;
  return cPage(<usize>load<u32>(chunks + q), <i32>load<u32>(pageOf + q));
}

/**
 * The sums of the n raw chunks at chunks[0..n), child s read from page
 * pageOf[s] at slot offs[s] of it (u32 each), when each of those pages is
 * packed; 0 when one is not or the sums cannot be cached. The caller reads
 * them from series 0's slot offs[0] - shiftedPageLo on.
 */
export function packedShiftedSums(chunks: usize, pageOf: usize, offs: usize, n: i32): usize {
  if (rollupBudget == 0) return 0;
  const o0 = <i32>load<u32>(offs);
  let lo: i32 = 0;
  let hi: i32 = PAGE_SLOTS;
  let h: u64 = 0x27d4eb2f165667c5 ^ <u64>n;
  for (let s = 0; s < n; s++) {
    const rel = <i32>load<u32>(offs + (<usize>s << 2)) - o0;
    if (-rel > lo) lo = -rel;
    if (PAGE_SLOTS - rel < hi) hi = PAGE_SLOTS - rel;
    h = (h ^ <u64><u32>rel) * 0xff51afd7ed558ccd;
  }
  // The slot by the group's first, middle and last chunk and page: the bytes decide the rest.
  for (let j = 0; j < 3; j++) {
    const s = j == 0 ? 0 : j == 1 ? n >> 1 : n - 1;
    const q = <usize>s << 2;
    h = (h ^ (h >> 33) ^ <u64>load<u32>(chunks + q) ^ (<u64>load<u32>(pageOf + q) << 32)) * 0xff51afd7ed558ccd;
  }
  h ^= h >> 33;
  const len = hi - lo;
  const sumsBytes = padded(<usize>len << 3);
  const rels = HEADER + sumsBytes;
  const addresses = rels + padded(<usize>n << 2);
  const copiesAt = addresses + padded(<usize>n << 2);
  shiftedPageLo = lo;
  const at = slotOf(h);
  const e = <usize>load<u32>(at);
  if (e != 0 && load<u64>(e, 16) == h && load<u32>(e, 12) == KIND_PACKED_SHIFTED && <i32>load<u32>(e, 4) == n
    && <i32>load<u32>(e, 8) == len && <i32>load<u32>(e, 32) == lo && sameOffsets(e + rels, offs, n, o0)) {
    if (load<u64>(e, 24) == packEpoch() && sameAddresses(e + addresses, chunks, pageOf, n)) return e + HEADER;
    if (!allPacked(chunks, pageOf, n)) return 0;
    if (sameBlocks(e, e + addresses, e + copiesAt, chunks, pageOf, n)) {
      store<u64>(e, packEpoch(), 24);
      return e + HEADER;
    }
  } else if (!allPacked(chunks, pageOf, n)) return 0;
  let copies: usize = 0;
  for (let s = 0; s < n; s++) copies += padded(<usize>2 + <usize>load<u16>(pageWord(chunks, pageOf, s) & ~PACKED_TAG));
  const p = newEntry(at, copiesAt + copies);
  if (p == 0) return 0;
  store<u32>(p, <u32>n, 4);
  store<u32>(p, <u32>len, 8);
  store<u32>(p, KIND_PACKED_SHIFTED, 12);
  store<u64>(p, h, 16);
  store<u64>(p, packEpoch(), 24);
  store<u32>(p, <u32>lo, 32);
  memory.fill(p + 36, 0, 12);
  const sums = p + HEADER;
  let q = p + copiesAt;
  for (let s = 0; s < n; s++) {
    const tagged = pageWord(chunks, pageOf, s);
    const rel = <i32>load<u32>(offs + (<usize>s << 2)) - o0;
    addValues(packedValues(tagged) + (<usize>(lo + rel) << 2), sums, len, s == 0);
    store<i32>(p + rels + (<usize>s << 2), rel);
    const block = tagged & ~PACKED_TAG;
    store<u32>(p + addresses + (<usize>s << 2), <u32>block);
    const bytes = <usize>2 + <usize>load<u16>(block);
    const room = padded(bytes);
    memory.copy(q, block, bytes);
    memory.fill(q + bytes, 0, room - bytes);
    q += room;
  }
  return sums;
}

function sameOffsets(rels: usize, offs: usize, n: i32, o0: i32): bool {
  for (let s = 0; s < n; s++) {
    const q = <usize>s << 2;
    if (load<i32>(rels + q) != <i32>load<u32>(offs + q) - o0) return false;
  }
  return true;
}

function allPacked(chunks: usize, pageOf: usize, n: i32): bool {
  for (let s = 0; s < n; s++) {
    if (!isPacked(pageWord(chunks, pageOf, s))) return false;
  }
  return true;
}

/** Whether the pages read now are packed blocks at the addresses the last comparison saw (a raw page, untagged, never equals one). */
function sameAddresses(seen: usize, chunks: usize, pageOf: usize, n: i32): bool {
  for (let s = 0; s < n; s++) {
    if ((<usize>load<u32>(seen + (<usize>s << 2)) | PACKED_TAG) != pageWord(chunks, pageOf, s)) return false;
  }
  return true;
}

/** Whether the entry's copies are the bytes of the blocks read now (rollup-pages.ts sameBlocks, each child its own page). */
function sameBlocks(e: usize, seen: usize, q: usize, chunks: usize, pageOf: usize, n: i32): bool {
  // The addresses are overwritten on the way: no epoch (it starts at 1) lets them count until the copies are found equal.
  store<u64>(e, 0, 24);
  const end = e + <usize>load<u32>(e);
  let diff = i64x2.splat(0);
  const lanes = v128.load(LANES);
  for (let s = 0; s < n; s++) {
    const block = pageWord(chunks, pageOf, s) & ~PACKED_TAG;
    store<u32>(seen + (<usize>s << 2), <u32>block);
    const bytes = <usize>2 + <usize>load<u16>(block);
    const room = padded(bytes);
    if (q + room > end) return false;
    const whole = bytes & ~<usize>15;
    let k: usize = 0;
    for (; k < whole; k += 16) diff = v128.or(diff, v128.xor(v128.load(block + k), v128.load(q + k)));
    if (k < bytes) {
      const mask = i8x16.gt_u(i8x16.splat(<i8>(bytes - k)), lanes);
      diff = v128.or(diff, v128.and(v128.xor(v128.load(block + k), v128.load(q + k)), mask));
    }
    q += room;
  }
  return q == end && !v128.any_true(diff);
}
