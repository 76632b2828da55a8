// Rollups of cuts of the newest chunks' pages where rollup-pages.ts has none:
// children not in step (lockstep-pieces.ts: a child whose newest chunk
// started a slot late has its page boundaries a slot off its siblings', so
// the stretch is cut where any child's page starts or ends, and each cut lies
// in one page of every child: a 63-slot and a 1-slot one a page for one child
// shifted by a slot), and pages packed in some children and raw in others (a
// full page no codec shrinks by 64 bytes stays raw: busy hwthreads' noisy
// values), in step or not. Keyed as rollup-pages.ts keys a page: by copies
// of what decides the values, each packed block's bytes and each raw page's
// slots the cut reads (a raw page can be written without a trace, so its
// slots are compared every time; the addresses of the last comparison stand
// in for the bytes only while the pack epoch stays and no child is raw); and
// by the children's offsets in their pages relative to series 0's, so a
// group read at other offsets (or in step and packed in all: rollup-pages.ts,
// another kind) is another entry. An entry holds the sums of every slot x of
// series 0's page whose slot x + rel[s] each child's page has.
import { cLen, cPage, PAGE_SLOTS } from "./chunk-header";
import { isPacked, PACKED_TAG, packEpoch, packedValues } from "./pack";
import { addValues, newEntry, rollupBudget, slotOf } from "./rollup";
import { LANES, padded } from "./rollup-pages";
import { sealStamp, valueRun } from "./seal";

/**
 * pageOf of a child whose chunk is sealed (a late child's older chunk where
 * the others' newest ones start): offs then holds its slot in the chunk, and
 * the key its seal stamp (seal.ts: never two sealings alike).
 */
// @ts-ignore: decorator
@inline export const SEALED_PAGE: u32 = 0xffffffff;
/** A page word's tag for a sealed chunk (its address: chunk headers are 16-byte aligned, like blocks and pages). */
// @ts-ignore: decorator
@inline const SEALED_TAG: usize = 2;

// @ts-ignore: decorator
@inline export const KIND_PACKED_SHIFTED: u32 = 3;

// Entry: u32 allocated size, u32 n, u32 len, u32 KIND_PACKED_SHIFTED, u64 hash,
// u64 the pack epoch of the last comparison, u32 lo, u32 raw pages, u32
// sealed chunks, u32 0, len x f64 sums (padded to 16), n x i32 offsets (padded to 16), n x u32
// the page words of the last comparison (a packed block's address tagged, a
// raw page's address; padded to 16), then per child its block's bytes ([u16
// size][size bytes]), its raw page's len slots from lo + rel, or its sealed
// chunk's stamp, padded with zeros to a multiple of 16.
// @ts-ignore: decorator
@inline const HEADER: usize = 48;

/** Series 0's slot in its page (or sealed chunk) of the sums pageCutSums returned. */
export let shiftedPageLo: i32 = 0;

// @ts-ignore: decorator
@inline function pageWord(chunks: usize, pageOf: usize, s: i32): usize {
  const q = <usize>s << 2;
  const c = <usize>load<u32>(chunks + q);
  const page = load<u32>(pageOf + q);
  return page == SEALED_PAGE ? c | SEALED_TAG : cPage(c, <i32>page);
}

// @ts-ignore: decorator
@inline function isSealedWord(word: usize): bool {
  return (word & SEALED_TAG) != 0;
}

/**
 * The sums of the n raw chunks at chunks[0..n), child s read from page
 * pageOf[s] at slot offs[s] of it (u32 each); 0 when they cannot be cached
 * (no cache, an entry too large for it, no memory). The caller has found
 * some page packed (else raw-page-add.ts adds them without copies to
 * compare) and reads the sums from series 0's slot offs[0] - shiftedPageLo on.
 */
export function pageCutSums(chunks: usize, pageOf: usize, offs: usize, n: i32): usize {
  if (rollupBudget == 0) return 0;
  const o0 = <i32>load<u32>(offs);
  let lo: i32 = 0;
  let hi: i32 = 0x7fffffff;
  let h: u64 = 0x27d4eb2f165667c5 ^ <u64>n;
  for (let s = 0; s < n; s++) {
    const rel = <i32>load<u32>(offs + (<usize>s << 2)) - o0;
    // A page holds slots [0, 64) of the cut's child, a sealed chunk [0, its length).
    const size = load<u32>(pageOf + (<usize>s << 2)) == SEALED_PAGE ? cLen(<usize>load<u32>(chunks + (<usize>s << 2))) : PAGE_SLOTS;
    if (-rel > lo) lo = -rel;
    if (size - rel < hi) hi = size - rel;
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
    if (load<u32>(e, 36) == 0 && load<u32>(e, 40) == 0 && load<u64>(e, 24) == packEpoch() && sameWords(e + addresses, chunks, pageOf, n)) return e + HEADER;
    if (sameCopies(e, e + addresses, e + copiesAt, chunks, pageOf, offs, n, lo, len)) {
      if (load<u32>(e, 36) == 0 && load<u32>(e, 40) == 0) store<u64>(e, packEpoch(), 24);
      return e + HEADER;
    }
  }
  let copies: usize = 0;
  let raw: u32 = 0;
  let sealed: u32 = 0;
  for (let s = 0; s < n; s++) {
    const word = pageWord(chunks, pageOf, s);
    if (isSealedWord(word)) {
      copies += 16;
      sealed++;
    } else if (isPacked(word)) {
      copies += padded(<usize>2 + <usize>load<u16>(word & ~PACKED_TAG));
    } else {
      copies += padded(<usize>len << 2);
      raw++;
    }
  }
  const p = newEntry(at, copiesAt + copies);
  if (p == 0) return 0;
  store<u32>(p, <u32>n, 4);
  store<u32>(p, <u32>len, 8);
  store<u32>(p, KIND_PACKED_SHIFTED, 12);
  store<u64>(p, h, 16);
  store<u64>(p, packEpoch(), 24);
  store<u32>(p, <u32>lo, 32);
  store<u32>(p, raw, 36);
  store<u32>(p, sealed, 40);
  store<u32>(p, 0, 44);
  const sums = p + HEADER;
  let q = p + copiesAt;
  for (let s = 0; s < n; s++) {
    const word = pageWord(chunks, pageOf, s);
    const rel = <i32>load<u32>(offs + (<usize>s << 2)) - o0;
    store<i32>(p + rels + (<usize>s << 2), rel);
    store<u32>(p + addresses + (<usize>s << 2), <u32>word);
    let from: usize;
    let bytes: usize;
    if (isSealedWord(word)) {
      const c = word & ~SEALED_TAG;
      // A sealed chunk's run is the whole rest of it (valueRun), decoded once.
      addValues(valueRun(c, lo + rel, hi + rel), sums, len, s == 0);
      store<u64>(q, sealStamp(c));
      store<u64>(q, 0, 8);
      q += 16;
      continue;
    }
    if (isPacked(word)) {
      addValues(packedValues(word) + (<usize>(lo + rel) << 2), sums, len, s == 0);
      from = word & ~PACKED_TAG;
      bytes = <usize>2 + <usize>load<u16>(from);
    } else {
      from = word + (<usize>(lo + rel) << 2);
      bytes = <usize>len << 2;
      addValues(from, sums, len, s == 0);
    }
    const room = padded(bytes);
    memory.copy(q, from, bytes);
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

/** Whether the pages read now are packed blocks at the addresses the last comparison saw (a raw page, untagged, never equals one). */
function sameWords(seen: usize, chunks: usize, pageOf: usize, n: i32): bool {
  for (let s = 0; s < n; s++) {
    if (<usize>load<u32>(seen + (<usize>s << 2)) != pageWord(chunks, pageOf, s)) return false;
  }
  return true;
}

/**
 * Whether the entry's copies are what the pages read now hold: each packed
 * block's bytes (rollup-pages.ts sameBlocks), each raw page's len slots from
 * slot `first` + rel, a page packed where the copy is of a raw one (or the
 * other way) never alike.
 */
function sameCopies(e: usize, seen: usize, q: usize, chunks: usize, pageOf: usize, offs: usize, n: i32, first: i32, len: i32): bool {
  // The words are overwritten on the way: no epoch (it starts at 1) lets them count until the copies are found equal.
  store<u64>(e, 0, 24);
  const end = e + <usize>load<u32>(e);
  const o0 = <i32>load<u32>(offs);
  let diff = i64x2.splat(0);
  const lanes = v128.load(LANES);
  for (let s = 0; s < n; s++) {
    const word = pageWord(chunks, pageOf, s);
    const was = <usize>load<u32>(seen + (<usize>s << 2));
    if (((word ^ was) & (PACKED_TAG | SEALED_TAG)) != 0) return false;
    store<u32>(seen + (<usize>s << 2), <u32>word);
    if (isSealedWord(word)) {
      if (q + 16 > end || load<u64>(q) != sealStamp(word & ~SEALED_TAG)) return false;
      q += 16;
      continue;
    }
    let from: usize;
    let bytes: usize;
    if (isPacked(word)) {
      from = word & ~PACKED_TAG;
      bytes = <usize>2 + <usize>load<u16>(from);
    } else {
      from = word + (<usize>(first + <i32>load<u32>(offs + (<usize>s << 2)) - o0) << 2);
      bytes = <usize>len << 2;
    }
    const room = padded(bytes);
    if (q + room > end) return false;
    const whole = bytes & ~<usize>15;
    let k: usize = 0;
    for (; k < whole; k += 16) diff = v128.or(diff, v128.xor(v128.load(from + k), v128.load(q + k)));
    if (k < bytes) {
      if (isPacked(word)) {
        // The block's allocation runs to the next multiple of 16; what lies past its bytes is not compared.
        const mask = i8x16.gt_u(i8x16.splat(<i8>(bytes - k)), lanes);
        diff = v128.or(diff, v128.and(v128.xor(v128.load(from + k), v128.load(q + k)), mask));
      } else {
        // A raw page's slots may end its allocation: slot by slot.
        for (; k < bytes; k += 4) {
          if (load<u32>(from + k) != load<u32>(q + k)) return false;
        }
      }
    }
    q += room;
  }
  return q == end && !v128.any_true(diff);
}
