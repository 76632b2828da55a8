// The lockstep read (read.ts readLockstep) of children that are not in step.
//
// A realistic host's hwthreads do not all read the same stretches: the
// generator (and a real collector) drops a line now and then, and a child
// that misses a chunk's first line starts that chunk one slot late, and every
// later chunk too (chunk.ts appendChunk: a chunk starts at the first write
// after the previous one is full). Such a child ("odd": its plan differs from
// series 0's) is planned on its own; the range is then cut at every slot
// where a stretch of series 0 or of an odd child starts or ends, and each
// piece holds, for every child, one chunk and the slot it is read from there
// (or none: missing slots). In a piece every child reads one run of one
// chunk, so the sums are still made slot by slot, child after child in their
// order (0 + v of the first): the additions of the series-by-series path,
// the same bits; a slot some child misses is NaN (written null, whatever its bits). A piece sealed
// in every child takes its sums from the rollup cache keyed by the stamps
// and the children's offsets (rollup.ts rollupShiftedSums): a shifted child
// splits a 512-slot stretch into a 1-slot and a 511-slot piece, both cached.
import { cLen, cSealed, PAGE_SLOTS } from "./chunk-header";
import { runEnd, valueRun } from "./seal";
import { addValues, rollupShiftedSums, rollupSums, shiftedLo } from "./rollup";
import { packedPageSums } from "./rollup-pages";
import { pageCutSums, SEALED_PAGE, shiftedPageLo } from "./rollup-pages-shifted";
import { addRawPage, addRawPageAt } from "./raw-page-add";
import { ensure, Region } from "./scratch";

/** Slots [k, kEnd) of chunk b added into the f64 at dst (first: stored), run by run as readSeries reads them. */
export function addStretch(b: usize, k: i32, kEnd: i32, dst: usize, first: bool): void {
  while (k < kEnd) {
    const src = valueRun(b, k, kEnd);
    const runStop = runEnd;
    addValues(src, dst, runStop - k, first);
    dst += <usize>(runStop - k) << 3;
    k = runStop;
  }
}

/** Whether none of the n chunks at group[0..n) is sealed. */
export function rawGroup(group: usize, n: i32): bool {
  for (let s = 0; s < n; s++) {
    if (cSealed(<usize>load<u32>(group + (<usize>s << 2)))) return false;
  }
  return true;
}

/**
 * Slots [k, kEnd) of the n raw chunks at group[0..n) added up into the f64 at
 * dst, page by page: a page packed in every chunk from the rollup cache
 * (rollup-pages.ts), one raw in every chunk slot by slot (raw-page-add.ts),
 * any other added series by series (their runs end at pages anyway).
 */
export function addRawStretch(group: usize, n: i32, k: i32, kEnd: i32, dst: usize): void {
  while (k < kEnd) {
    const page = k >> 6;
    const pageEnd = min((page + 1) << 6, kEnd);
    // 0 also when a page is not packed in every chunk (checked with the cache's comparison).
    const sums = packedPageSums(group, n, page);
    if (sums != 0) {
      memory.copy(dst, sums + (<usize>(k & (PAGE_SLOTS - 1)) << 3), <usize>(pageEnd - k) << 3);
    } else if (!addRawPage(group, n, page, k, pageEnd, dst) && !mixedPage(group, n, page, k, pageEnd, dst)) {
      for (let s = 0; s < n; s++) addStretch(<usize>load<u32>(group + (<usize>s << 2)), k, pageEnd, dst, s == 0);
    }
    dst += <usize>(pageEnd - k) << 3;
    k = pageEnd;
  }
}

/** Per child, the page and the slot in it of a cut (addCuts, mixedPage). */
const cutPages = changetype<Region>(memory.data(8));
const cutOffs = changetype<Region>(memory.data(8));

/**
 * Slots [k, kEnd) of page `page` of the n raw chunks at group[0..n), packed
 * in some and raw in others, from the cache (rollup-pages-shifted.ts, every
 * child at the same slot); false when they cannot be cached.
 */
function mixedPage(group: usize, n: i32, page: i32, k: i32, kEnd: i32, dst: usize): bool {
  const bytes = <usize>n << 2;
  if (!ensure(cutPages, bytes, 0) || !ensure(cutOffs, bytes, 0)) return false;
  for (let s = 0; s < n; s++) {
    store<u32>(cutPages.ptr + (<usize>s << 2), <u32>page);
    store<u32>(cutOffs.ptr + (<usize>s << 2), <u32>(k & (PAGE_SLOTS - 1)));
  }
  const sums = pageCutSums(group, cutPages.ptr, cutOffs.ptr, n);
  if (sums == 0) return false;
  memory.copy(dst, sums + (<usize>((k & (PAGE_SLOTS - 1)) - shiftedPageLo) << 3), <usize>(kEnd - k) << 3);
  return true;
}

// ---- odd children: their own plans ----

/** Per odd child: u32 series, u32 its first stretch in oddSegs, u32 stretches, u32 the cursor of buildPieces. */
const odd = changetype<Region>(memory.data(8));
export let oddCount: i32 = 0;
/** The odd children's stretches, as read.ts segs: u32 i, u32 m, u32 k, u32 chunk (0: missing slots). */
const oddSegs = changetype<Region>(memory.data(8));
let oddSegCount: i32 = 0;

export function resetOdd(): void {
  oddCount = 0;
  oddSegCount = 0;
}

/** Series s is odd: the stretches emitted next (oddEmit) are its own. False when scratch runs out. */
export function startOdd(s: i32): bool {
  if (!ensure(odd, <usize>(oddCount + 1) << 4, <usize>oddCount << 4)) return false;
  const p = odd.ptr + (<usize>oddCount << 4);
  store<u32>(p, <u32>s);
  store<u32>(p, <u32>oddSegCount, 4);
  store<u32>(p, 0, 8);
  oddCount++;
  return true;
}

/** A stretch of the last odd child (planSeries' emit); false when scratch runs out. */
export function oddEmit(i: i32, m: i32, k: i32, c: usize): bool {
  if (!ensure(oddSegs, <usize>(oddSegCount + 1) << 4, <usize>oddSegCount << 4)) return false;
  const p = oddSegs.ptr + (<usize>oddSegCount << 4);
  store<u32>(p, <u32>i);
  store<u32>(p, <u32>m, 4);
  store<u32>(p, <u32>k, 8);
  store<u32>(p, <u32>c, 12);
  oddSegCount++;
  const o = odd.ptr + (<usize>(oddCount - 1) << 4);
  store<u32>(o, load<u32>(o, 8) + 1, 8);
  return true;
}

// ---- pieces ----

/** u32 i, u32 m of each piece: data slots [i, i+m). */
const pieces = changetype<Region>(memory.data(8));
let pieceCount: i32 = 0;
/** For each piece, every child's chunk (0: missing slots): pieceChunks[r * n + s]. */
const pieceChunks = changetype<Region>(memory.data(8));
/** For each piece, every child's slot in its chunk where the piece starts. */
const pieceKs = changetype<Region>(memory.data(8));
/** Past this many (n x pieces), the read goes series by series (bounded scratch). */
// @ts-ignore: decorator
@inline const MAX_PIECE_MEMBERS: i64 = 1 << 20;

/**
 * The pieces of a read of len slots: series 0's stretches (segs, 16 bytes
 * each, as read.ts keeps them) with the chunks of the children in step at
 * members[r * n + s], cut where an odd child's stretch starts or ends. False
 * when scratch runs out (or would be too large).
 */
export function buildPieces(segs: usize, segCount: i32, members: usize, n: i32, len: i32): bool {
  pieceCount = 0;
  for (let o = 0; o < oddCount; o++) {
    const p = odd.ptr + (<usize>o << 4);
    store<u32>(p, load<u32>(p, 4), 12);
  }
  let r: i32 = 0;
  let j: i32 = 0;
  while (j < len) {
    let seg = segs + (<usize>r << 4);
    while (<i32>(load<u32>(seg) + load<u32>(seg, 4)) <= j) {
      r++;
      seg += 16;
    }
    let end = <i32>(load<u32>(seg) + load<u32>(seg, 4));
    for (let o = 0; o < oddCount; o++) {
      const p = odd.ptr + (<usize>o << 4);
      let q = oddSegs.ptr + (<usize>load<u32>(p, 12) << 4);
      while (<i32>(load<u32>(q) + load<u32>(q, 4)) <= j) {
        store<u32>(p, load<u32>(p, 12) + 1, 12);
        q += 16;
      }
      const qEnd = <i32>(load<u32>(q) + load<u32>(q, 4));
      if (qEnd < end) end = qEnd;
    }
    if (<i64>(pieceCount + 1) * <i64>n > MAX_PIECE_MEMBERS) return false;
    const rowBytes = <usize>n << 2;
    const row = <usize>pieceCount * rowBytes;
    if (!ensure(pieces, <usize>(pieceCount + 1) << 3, <usize>pieceCount << 3)) return false;
    if (!ensure(pieceChunks, row + rowBytes, row)) return false;
    if (!ensure(pieceKs, row + rowBytes, row)) return false;
    store<u32>(pieces.ptr + (<usize>pieceCount << 3), <u32>j);
    store<u32>(pieces.ptr + (<usize>pieceCount << 3), <u32>(end - j), 4);
    const chunks = pieceChunks.ptr + row;
    const ks = pieceKs.ptr + row;
    const c0 = load<u32>(seg, 12);
    if (c0 == 0) {
      memory.fill(chunks, 0, rowBytes);
    } else {
      memory.copy(chunks, members + <usize>r * rowBytes, rowBytes);
      const k = load<u32>(seg, 8) + <u32>j - load<u32>(seg);
      for (let s = 0; s < n; s++) store<u32>(ks + (<usize>s << 2), k);
    }
    for (let o = 0; o < oddCount; o++) {
      const p = odd.ptr + (<usize>o << 4);
      const s = <usize>load<u32>(p) << 2;
      const q = oddSegs.ptr + (<usize>load<u32>(p, 12) << 4);
      store<u32>(chunks + s, load<u32>(q, 12));
      store<u32>(ks + s, load<u32>(q, 8) + <u32>j - load<u32>(q));
    }
    pieceCount++;
    j = end;
  }
  return true;
}

/** The pieces (buildPieces) of n children added up into the f64 at data[0..). */
export function readPieces(data: usize, n: i32): void {
  const nan: f64 = NaN;
  const rowBytes = <usize>n << 2;
  for (let r = 0; r < pieceCount; r++) {
    const i = <i32>load<u32>(pieces.ptr + (<usize>r << 3));
    const m = <i32>load<u32>(pieces.ptr + (<usize>r << 3), 4);
    const dst = data + (<usize>i << 3);
    const chunks = pieceChunks.ptr + <usize>r * rowBytes;
    const ks = pieceKs.ptr + <usize>r * rowBytes;
    let missing: i32 = 0;
    let sealed: i32 = 0;
    let sameK = true;
    let sameLen = true;
    const k0 = load<u32>(ks);
    const c0 = <usize>load<u32>(chunks);
    const len0 = c0 != 0 ? cLen(c0) : 0;
    for (let s = 0; s < n; s++) {
      const c = <usize>load<u32>(chunks + (<usize>s << 2));
      if (c == 0) {
        missing++;
        continue;
      }
      if (cSealed(c)) sealed++;
      if (load<u32>(ks + (<usize>s << 2)) != k0) sameK = false;
      if (cLen(c) != len0) sameLen = false;
    }
    if (missing > 0) {
      // A child misses these slots: NaN plus anything is NaN, and a NaN of any
      // bits is written null, so each sum is NaN without decoding the others
      // (a child missing a chunk's last line would decode every sibling's chunk for one slot).
      for (let j = 0; j < m; j++) store<f64>(dst + (<usize>j << 3), nan);
      continue;
    }
    if (sealed == n) {
      // In step here (a stretch the odd children read alike): the entries of the in-step read.
      const inStep = sameK && sameLen;
      const sums = inStep ? rollupSums(chunks, n, len0) : rollupShiftedSums(chunks, ks, n);
      if (sums != 0) {
        const lo: u32 = inStep ? 0 : <u32>shiftedLo;
        memory.copy(dst, sums + (<usize>(k0 - lo) << 3), <usize>m << 3);
        continue;
      }
    }
    if (sealed == 0 && sameK) addRawStretch(chunks, n, <i32>k0, <i32>k0 + m, dst);
    else addCuts(chunks, ks, n, m, dst);
  }
}

/**
 * m slots of the n chunks at chunks[0..n), child s from slot ks[s] on, not
 * all sealed and not all raw at one slot (the newest chunks of children not
 * in step; a late child's older sealed chunk where its siblings' newest
 * start) added up into the f64 at dst: cut where any raw child's page starts
 * or ends, so that each cut lies in one page of every raw child; raw in
 * every child it is added slot by slot (raw-page-add.ts), else its sums come
 * from the cache (rollup-pages-shifted.ts: a sealed child keyed by its
 * stamp), else (not cacheable) series by series.
 */
function addCuts(chunks: usize, ks: usize, n: i32, m: i32, dst: usize): void {
  const bytes = <usize>n << 2;
  const scratch = ensure(cutPages, bytes, 0) && ensure(cutOffs, bytes, 0);
  let j: i32 = 0;
  while (j < m) {
    let cut = m - j;
    for (let s = 0; s < n; s++) {
      // A sealed child's run is the rest of the piece (it lies in the chunk).
      if (cSealed(<usize>load<u32>(chunks + (<usize>s << 2)))) continue;
      const room = PAGE_SLOTS - ((<i32>load<u32>(ks + (<usize>s << 2)) + j) & (PAGE_SLOTS - 1));
      if (room < cut) cut = room;
    }
    const at = dst + (<usize>j << 3);
    let done = false;
    if (scratch) {
      for (let s = 0; s < n; s++) {
        const slot = <u32>(<i32>load<u32>(ks + (<usize>s << 2)) + j);
        const sealed = cSealed(<usize>load<u32>(chunks + (<usize>s << 2)));
        store<u32>(cutPages.ptr + (<usize>s << 2), sealed ? SEALED_PAGE : slot >> 6);
        store<u32>(cutOffs.ptr + (<usize>s << 2), sealed ? slot : slot & (PAGE_SLOTS - 1));
      }
      done = addRawPageAt(chunks, cutPages.ptr, cutOffs.ptr, n, cut, at);
      if (!done) {
        const sums = pageCutSums(chunks, cutPages.ptr, cutOffs.ptr, n);
        if (sums != 0) {
          memory.copy(at, sums + (<usize>(<i32>load<u32>(cutOffs.ptr) - shiftedPageLo) << 3), <usize>cut << 3);
          done = true;
        }
      }
    }
    if (!done) {
      for (let s = 0; s < n; s++) {
        const k = <i32>load<u32>(ks + (<usize>s << 2)) + j;
        addStretch(<usize>load<u32>(chunks + (<usize>s << 2)), k, k + cut, at, s == 0);
      }
    }
    j += cut;
  }
}
