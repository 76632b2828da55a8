// Rollups of packed pages: the per-slot sums of one page of the newest chunks
// of a group of series (pack.ts: the full pages of a newest chunk are each
// encoded on their own), kept in the rollup cache (rollup.ts) beside the sums
// of sealed chunks. Without them an aggregated read of a day of 72 hwthreads
// decodes up to 7 x 72 packed pages on every query: 2/3 of its instructions.
//
// A packed block has no stamp (a header field for one would cost every page
// bytes), so an entry is keyed by what it was made of: a copy of the n blocks'
// bytes, in the read's series order. A block's bytes decide its values (the
// decoder is a function of them), so an entry whose copies equal the blocks
// now read holds exactly their sums, whatever happened in between: an unpack
// for a late write or overwrite, a free, a seal, a restore, a block freed and
// its address handed out again. Nothing needs invalidating. A packed block
// never changes while it is allocated, and every free of one bumps pack.ts's
// epoch: so while the epoch is the one of the entry's last comparison, blocks
// at the addresses that comparison saw still hold the bytes it saw, and the
// addresses alone are compared (between writes, when queries come in bursts). The table slot is
// found by the group's first, middle and last chunk and the page (cheap to
// hash); the bytes are compared every time, 16 a step (the blocks of 64
// values are a few dozen bytes each: far fewer steps than decoding them).
//
// The sums are made as readSeries makes them (rollup.ts addValues, series in
// order, 0 + v for the first), so a cached answer is bit for bit the
// uncached one.
import { C_PAGES, cPage, PAGE_SLOTS } from "./chunk-header";
import { isPacked, PACKED_TAG, packEpoch, packedValues } from "./pack";
import { addValues, KIND_PACKED, newEntry, rollupBudget, slotOf } from "./rollup";

// Entry: u32 allocated size, u32 n, u32 PAGE_SLOTS, u32 KIND_PACKED, u64 hash,
// u64 the pack epoch of the last comparison, PAGE_SLOTS x f64 sums, n x u32
// the block addresses that comparison saw (padded to a multiple of 16), then
// each block's bytes ([u16 size][size bytes], see pack.ts) padded with zeros
// to a multiple of 16.
// @ts-ignore: decorator
@inline const HEADER: usize = 32;
// @ts-ignore: decorator
@inline const ADDRESSES: usize = HEADER + (<usize>PAGE_SLOTS << 3);

/** Where an entry of n series keeps its copies of the blocks. */
// @ts-ignore: decorator
@inline function copiesOf(n: i32): usize {
  return ADDRESSES + padded(<usize>n << 2);
}

/** Lanes 0..15, for the mask of a block's last partial vector. */
export const LANES: usize = memory.data<u8>([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);

// @ts-ignore: decorator
@inline function blockOf(c: usize, page: i32): usize {
  return cPage(c, page) & ~PACKED_TAG;
}

/** A packed block's bytes: its size field and what it counts. */
// @ts-ignore: decorator
@inline function blockBytes(block: usize): usize {
  return 2 + <usize>load<u16>(block);
}

/** A copy's room in an entry: its bytes rounded up to 16 (copies are compared a vector at a time). */
// @ts-ignore: decorator
@inline export function padded(bytes: usize): usize {
  return (bytes + 15) & ~<usize>15;
}

/**
 * Whether page `page` of each of the n chunks at chunks[0..n) (u32 pointers)
 * is packed. The caller has found every chunk raw (read.ts rawGroup): a
 * sealed chunk's page slots 6 and 7 hold its seal stamp, no page, and the
 * check is not repeated here for each of a stretch's pages (72 series x up
 * to 8 pages a chunk).
 */
export function packedGroup(chunks: usize, n: i32, page: i32): bool {
  for (let s = 0; s < n; s++) {
    if (!isPacked(cPage(<usize>load<u32>(chunks + (<usize>s << 2)), page))) return false;
  }
  return true;
}

/**
 * The PAGE_SLOTS sums of page `page` of the n raw chunks at chunks[0..n)
 * (read.ts rawGroup), in that order; 0 when one of those pages is not packed
 * or they cannot be cached (no cache, an entry too large for it, no memory):
 * the caller adds them up itself. Valid until the next entry is made.
 */
export function packedPageSums(chunks: usize, n: i32, page: i32): usize {
  if (rollupBudget == 0) return 0;
  // The slot by the group's first, middle and last chunk: the bytes decide the rest.
  let h: u64 = 0xc2b2ae3d27d4eb4f ^ (<u64>page << 32) ^ <u64>n;
  h = (h ^ <u64>load<u32>(chunks)) * 0xff51afd7ed558ccd;
  h = (h ^ (h >> 33) ^ <u64>load<u32>(chunks + (<usize>(n >> 1) << 2))) * 0xff51afd7ed558ccd;
  h = (h ^ (h >> 33) ^ <u64>load<u32>(chunks + (<usize>(n - 1) << 2))) * 0xff51afd7ed558ccd;
  h ^= h >> 33;
  const at = slotOf(h);
  const e = <usize>load<u32>(at);
  if (e != 0 && load<u64>(e, 16) == h && load<u32>(e, 12) == KIND_PACKED && <i32>load<u32>(e, 4) == n) {
    // Packed pages at the addresses seen: the packedGroup check comes with the comparison.
    if (load<u64>(e, 24) == packEpoch() && samePackedAddresses(e, chunks, n, page)) return e + HEADER;
    if (!packedGroup(chunks, n, page)) return 0;
    if (sameBlocks(e, chunks, n, page)) {
      store<u64>(e, packEpoch(), 24);
      return e + HEADER;
    }
  } else if (!packedGroup(chunks, n, page)) return 0;
  let copies: usize = 0;
  for (let s = 0; s < n; s++) copies += padded(blockBytes(blockOf(<usize>load<u32>(chunks + (<usize>s << 2)), page)));
  const p = newEntry(at, copiesOf(n) + copies);
  if (p == 0) return 0;
  store<u32>(p, <u32>n, 4);
  store<u32>(p, <u32>PAGE_SLOTS, 8);
  store<u32>(p, KIND_PACKED, 12);
  store<u64>(p, h, 16);
  store<u64>(p, packEpoch(), 24);
  const sums = p + HEADER;
  let q = p + copiesOf(n);
  for (let s = 0; s < n; s++) {
    const tagged = cPage(<usize>load<u32>(chunks + (<usize>s << 2)), page);
    addValues(packedValues(tagged), sums, PAGE_SLOTS, s == 0);
    const block = tagged & ~PACKED_TAG;
    store<u32>(p + ADDRESSES + (<usize>s << 2), <u32>block);
    const bytes = blockBytes(block);
    const room = padded(bytes);
    memory.copy(q, block, bytes);
    memory.fill(q + bytes, 0, room - bytes);
    q += room;
  }
  return sums;
}

/**
 * Whether entry e's copies are the bytes of the blocks read now, in one pass:
 * a block of another size differs in its first two bytes (its size field)
 * from the copy it is compared with, and no copy is read past the entry's end.
 */
function sameBlocks(e: usize, chunks: usize, n: i32, page: i32): bool {
  // The addresses are overwritten on the way: no epoch (it starts at 1) lets them count until the copies are found equal.
  store<u64>(e, 0, 24);
  let q = e + copiesOf(n);
  const end = e + <usize>load<u32>(e);
  let diff = i64x2.splat(0);
  const lanes = v128.load(LANES);
  for (let s = 0; s < n; s++) {
    const block = blockOf(<usize>load<u32>(chunks + (<usize>s << 2)), page);
    // The addresses of this comparison, for the next lookups while the epoch stays.
    store<u32>(e + ADDRESSES + (<usize>s << 2), <u32>block);
    const bytes = blockBytes(block);
    const room = padded(bytes);
    if (q + room > end) return false;
    const whole = bytes & ~<usize>15;
    let k: usize = 0;
    for (; k < whole; k += 16) diff = v128.or(diff, v128.xor(v128.load(block + k), v128.load(q + k)));
    if (k < bytes) {
      // The block's allocation runs to the next multiple of 16; what lies past its bytes is not compared.
      const mask = i8x16.gt_u(i8x16.splat(<i8>(bytes - k)), lanes);
      diff = v128.or(diff, v128.and(v128.xor(v128.load(block + k), v128.load(q + k)), mask));
    }
    q += room;
  }
  return q == end && !v128.any_true(diff);
}

/**
 * Whether the pages read now are packed blocks at the addresses entry e's
 * last comparison saw: a packed page is its block's address tagged
 * (pack.ts), so one comparison a series answers both (a raw page, untagged,
 * never equals a tagged address).
 */
function samePackedAddresses(e: usize, chunks: usize, n: i32, page: i32): bool {
  // Four series a turn: the page words gathered into lanes, compared with
  // the four addresses seen (tagged) at once; a difference is only looked at
  // after the loop (they are rare: the next write moves the epoch first).
  const seen = e + ADDRESSES;
  const word = C_PAGES + (<usize>page << 2);
  const tag = i32x4.splat(<i32>PACKED_TAG);
  let diff = i32x4.splat(0);
  let s = 0;
  for (; s + 4 <= n; s += 4) {
    const group = chunks + (<usize>s << 2);
    let now = i32x4.splat(load<i32>(<usize>load<u32>(group) + word));
    now = i32x4.replace_lane(now, 1, load<i32>(<usize>load<u32>(group, 4) + word));
    now = i32x4.replace_lane(now, 2, load<i32>(<usize>load<u32>(group, 8) + word));
    now = i32x4.replace_lane(now, 3, load<i32>(<usize>load<u32>(group, 12) + word));
    diff = v128.or(diff, v128.xor(v128.or(v128.load(seen + (<usize>s << 2)), tag), now));
  }
  if (v128.any_true(diff)) return false;
  for (; s < n; s++) {
    if ((<usize>load<u32>(seen + (<usize>s << 2)) | PACKED_TAG) != cPage(<usize>load<u32>(chunks + (<usize>s << 2)), page)) return false;
  }
  return true;
}
