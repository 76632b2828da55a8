// What the persistence layer needs: a host's series for a checkpoint, each as
// one or more pieces (split at gaps), marking exactly that as saved afterwards,
// loading checkpoint files back, and replaying a WAL.
import { alloc, reserve } from "./alloc";
import { freeChunk, newChunk, oldestChunk, writeSample } from "./chunk";
import {
  addSamples, C_CAP, C_DIRTY, C_LEN, C_NEXT, C_PAGES, C_PREV, C_SAVED, cCap, cLen, cNext, countPages, cPage, cSaved,
  cSealed, cStart, CHUNK_CAP, NO_DIRTY, PAGE_BYTES, WRITE_OK,
} from "./chunk-header";
import { runEnd, sealChunk, sealValues, unsealChunk, valueRun } from "./seal";
import {
  childAt, childCount, childOrCreate, findPath, L_GEN, L_HEADER, L_SERIES, nameLen, nextGeneration, root, seriesSlot,
} from "./level";
import { findMetric, metricCount, metricFreq } from "./metrics";
import { outFailed, outLen, outPtr, outReserve, outReset, setOutLen, writeByte, writeBytes } from "./out";
import { ensure, Region } from "./scratch";

/**
 * A gap of more than this many slots between two chunks of a series ends a
 * piece: the export pads at most this much per gap (one chunk's worth).
 */
const PIECE_GAP_SLOTS: i64 = 512;
/** Longest piece (2^25 slots, 128 MiB of values); a longer run of chunks is split into several pieces. */
const MAX_PIECE_SLOTS: i64 = 1 << 25;

export const commitRecords = changetype<Region>(memory.data(8));
export let commitCount: u32 = 0;
export let exportGeneration: u32 = 0;

function floorDiv(a: i64, b: i64): i64 {
  const q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

function putU32(v: u32): void {
  if (!outReserve(4)) return;
  store<u32>(outPtr + outLen, v);
  setOutLen(outLen + 4);
}

function putF64(v: f64): void {
  if (!outReserve(8)) return;
  store<f64>(outPtr + outLen, v);
  setOutLen(outLen + 8);
}

function addCommit(c: usize): bool {
  if (!ensure(commitRecords, (<usize>commitCount + 1) << 3, <usize>commitCount << 3)) return false;
  store<u32>(commitRecords.ptr + (<usize>commitCount << 3), <u32>c);
  store<u32>(commitRecords.ptr + (<usize>commitCount << 3), <u32>cLen(c), 4);
  commitCount++;
  return true;
}

/** Where the piece that pieceEnd measured ends: the first chunk after it (0: none), its grid and extent. */
let pieceNext: usize = 0;
let pieceLo: i64 = 0;
let pieceHi: i64 = 0;

/**
 * Measures the piece that begins at slot `j0` of chunk `first`: slot 0 of its
 * grid is that slot, and later chunks join it at their nearest slot of that
 * grid until one starts more than PIECE_GAP_SLOTS after the data so far, or
 * would make the piece longer than MAX_PIECE_SLOTS. A chunk squeezed into a
 * gap may start up to a step before the grid's slot 0 (pieceLo < 0).
 */
function pieceEnd(first: usize, j0: i32, f: i64): void {
  const s1 = cStart(first) + <i64>j0 * f;
  let lo: i64 = 0;
  let hi: i64 = <i64>(cLen(first) - j0);
  let c = cNext(first);
  while (c != 0) {
    const k0 = floorDiv(cStart(c) - s1 + f / 2, f);
    if (k0 - hi > PIECE_GAP_SLOTS) break;
    const newLo = k0 < lo ? k0 : lo;
    const e = k0 + <i64>cLen(c);
    const newHi = e > hi ? e : hi;
    if (newHi - newLo > MAX_PIECE_SLOTS) break;
    lo = newLo;
    hi = newHi;
    c = cNext(c);
  }
  pieceNext = c;
  pieceLo = lo;
  pieceHi = hi;
}

/**
 * One piece: chunks `first` (from slot `j0`) up to `end` (exclusive) on the
 * grid pieceEnd measured, later non-NaN values winning.
 * Output: u32 metric, u32 n, f64 start, f64 frequency, n x f32.
 */
function exportPiece(first: usize, j0: i32, end: usize, metric: i32, f: i64, lo: i64, hi: i64): bool {
  const s1 = cStart(first) + <i64>j0 * f + lo * f;
  const total = hi - lo;
  const n = <usize>total;
  if (!outReserve(24 + n * 4)) return false;
  putU32(<u32>metric);
  putU32(<u32>n);
  putF64(<f64>s1);
  putF64(<f64>f);
  const values = outPtr + outLen;
  for (let i: usize = 0; i < n; i++) store<u32>(values + (i << 2), 0x7fc00000);
  let c = first;
  let isFirst = true;
  while (c != end) {
    const len = cLen(c);
    let k0: i64;
    let from = 0;
    if (isFirst) {
      k0 = -lo - <i64>j0;
      from = j0;
    } else {
      k0 = floorDiv(cStart(c) - s1 + f / 2, f);
    }
    let j = from;
    while (j < len) {
      const run = valueRun(c, j, len);
      const end = runEnd;
      for (let s = j; s < end; s++) {
        const k = k0 + <i64>s;
        if (k < 0 || k >= total) continue;
        const bits = load<u32>(run + (<usize>(s - j) << 2));
        if (!isFirst && (bits & 0x7fffffff) > 0x7f800000) continue; // NaN
        store<u32>(values + (<usize>k << 2), bits);
      }
      j = end;
    }
    if (!addCommit(c)) return false;
    store<u16>(c, NO_DIRTY, C_DIRTY);
    isFirst = false;
    c = cNext(c);
  }
  setOutLen(outLen + n * 4);
  return true;
}

/**
 * One series, from the first unsaved slot (or the oldest) to the newest
 * sample, as one or more pieces in time order (entries of the same metric, one
 * after the other): a gap wider than PIECE_GAP_SLOTS starts a new piece, so
 * neither the export nor the file grows with the time between two samples,
 * and no value is left out whatever the series' span. Returns the number of
 * pieces written, -1 when memory ran out.
 */
function exportSeries(head: usize, metric: i32, unsavedOnly: bool): i32 {
  const f = metricFreq(metric);
  let first = oldestChunk(head);
  let j0 = 0;
  if (unsavedOnly) {
    while (first != 0 && cSaved(first) >= cLen(first)) first = cNext(first);
    if (first == 0) return 0;
    j0 = cSaved(first);
  }
  let pieces = 0;
  while (first != 0) {
    pieceEnd(first, j0, f);
    const next = pieceNext;
    if (!exportPiece(first, j0, next, metric, f, pieceLo, pieceHi)) return -1;
    pieces++;
    first = next;
    j0 = 0;
  }
  return pieces;
}

/** level := u32 nEntries, entry*, u32 nChildren, (u16 len, name, level)*; a series with gaps is several entries. */
function exportLevel(l: usize, unsavedOnly: bool): bool {
  const countAt = outLen;
  putU32(0);
  let count: u32 = 0;
  const series = <usize>load<u32>(l, L_SERIES);
  if (series != 0) {
    for (let m = 0; m < metricCount; m++) {
      const head = <usize>load<u32>(series + (<usize>m << 2));
      if (head == 0) continue;
      const pieces = exportSeries(head, m, unsavedOnly);
      if (pieces < 0) return false;
      count += <u32>pieces;
    }
  }
  if (outFailed) return false;
  store<u32>(outPtr + countAt, count);
  const n = childCount(l);
  putU32(n);
  for (let i: u32 = 0; i < n; i++) {
    const child = childAt(l, i);
    const len = nameLen(child);
    writeByte(<u8>len);
    writeByte(<u8>(len >> 8));
    writeBytes(child + L_HEADER, len);
    if (!exportLevel(child, unsavedOnly)) return false;
  }
  return !outFailed;
}

/** Exports the host at `path`; false when there is no such host or memory ran out (see exportMissing). */
export let exportMissing = false;
export function exportHost(path: usize, unsavedOnly: bool): bool {
  outReset();
  commitCount = 0;
  exportMissing = false;
  const host = findPath(root, path);
  if (host == 0) {
    exportMissing = true;
    return false;
  }
  exportGeneration = nextGeneration();
  store<u32>(host, exportGeneration, L_GEN);
  return exportLevel(host, unsavedOnly);
}

/** Marks what an export held as saved, unless the host changed shape since (then nothing is marked). */
export function commitExport(path: usize, generation: u32, records: usize, n: u32): bool {
  const host = findPath(root, path);
  if (host == 0 || load<u32>(host, L_GEN) != generation) return false;
  for (let i: u32 = 0; i < n; i++) {
    const c = <usize>load<u32>(records + (<usize>i << 3));
    const len = load<u32>(records + (<usize>i << 3), 4);
    const dirty = <u32>load<u16>(c, C_DIRTY);
    const saved = len < dirty ? len : dirty;
    store<u16>(c, <u16>saved, C_SAVED);
  }
  return true;
}

// ---- loading checkpoint files ----

export let loadDropped: u32 = 0;

/**
 * A piece of a loaded series as a new chunk of capacity `cap`, its `len` slots
 * marked saved. Not linked into a chain yet. `sealed`: it will not be the
 * newest of its series, so it is encoded straight from the file's values
 * (restore compresses as it loads; no pages in between).
 */
function pieceChunk(start: i64, values: usize, len: i32, cap: i32, sealed: bool): usize {
  const c = newChunk(start, cap);
  if (c == 0) return 0;
  if (!sealed || !sealValues(c, values, len)) {
    // The pages in one block and one copy. A block of k pages is exactly k
    // pages in the allocator's size classes (k <= 8), so each page can later be
    // freed on its own like any other.
    const pages = (len + 63) >> 6;
    const block = alloc(<usize>pages * PAGE_BYTES);
    if (block == 0) {
      freeChunk(c);
      return 0;
    }
    memory.copy(block, values, <usize>len << 2);
    for (let i = 0; i < pages; i++) store<u32>(c + C_PAGES + (<usize>i << 2), <u32>(block + <usize>i * PAGE_BYTES));
    countPages(pages);
  }
  store<u16>(c, <u16>len, C_LEN);
  store<u16>(c, <u16>len, C_SAVED);
  addSamples(len);
  return c;
}

/**
 * Continues chunk `c` with `n` loaded values from slot `at` (>= its length;
 * the slots between are NaN). They count as saved when all of `c` was.
 */
function extendChunk(c: usize, at: i32, values: usize, n: i32): bool {
  if (cSealed(c) && !unsealChunk(c)) return false;
  const len = cLen(c);
  const wasSaved = cSaved(c) >= len;
  const end = at + n;
  for (let i = len >> 6; i <= (end - 1) >> 6; i++) {
    const slot = c + C_PAGES + (<usize>i << 2);
    if (load<u32>(slot) == 0) {
      const p = alloc(PAGE_BYTES);
      if (p == 0) return false;
      store<u32>(slot, <u32>p);
      countPages(1);
    }
  }
  for (let k = len; k < at; k++) store<u32>(cPage(c, k >> 6) + (<usize>(k & 63) << 2), 0x7fc00000);
  let k = at;
  while (k < end) {
    const pageEnd = min(end, (k & ~63) + 64);
    memory.copy(cPage(c, k >> 6) + (<usize>(k & 63) << 2), values + (<usize>(k - at) << 2), <usize>(pageEnd - k) << 2);
    k = pageEnd;
  }
  store<u16>(c, <u16>end, C_LEN);
  if (wasSaved) store<u16>(c, <u16>end, C_SAVED);
  addSamples(end - len);
  return true;
}

/**
 * A series of a checkpoint file below `level`. Of the configured frequency, it
 * becomes chunks of at most 512 slots. The newest chunk keeps room up to 512
 * slots from its start (ours: the reference's loaded chunks hold exactly their
 * length), so replayed and new samples on its grid continue in it as they did
 * before the restart, and reads across the file's end step over nothing. A
 * piece that continues the newest chunk on its grid fills it; one that lies
 * past its data off its grid cuts its room short of the piece and follows it;
 * one before everything held goes first; anything else is merged sample by
 * sample (the later file wins, NaN erases nothing).
 */
function loadSeries(level: usize, metric: i32, freq: i64, start: i64, values: usize, n: i32): void {
  const slot = seriesSlot(level, metric, true);
  if (slot == 0) {
    loadDropped += <u32>n;
    return;
  }
  const f = metricFreq(metric);
  if (freq != f) {
    // Another frequency than configured: place each sample by its time.
    for (let i = 0; i < n; i++) {
      const v = load<f32>(values + (<usize>i << 2));
      if (isNaN(v)) continue;
      if (writeSample(slot, f, start + <i64>i * freq + freq / 2, v, true) != WRITE_OK) loadDropped++;
    }
    return;
  }
  let p = 0;
  while (p < n) {
    let len = min(CHUNK_CAP, n - p);
    const pStart = start + <i64>p * f;
    const pValues = values + (<usize>p << 2);
    const head = <usize>load<u32>(slot);
    if (head != 0 && pStart < cStart(head) + <i64>cCap(head) * f) {
      const hStart = cStart(head);
      const past = pStart - (hStart + <i64>cLen(head) * f);
      if (past >= 0 && past % f == 0) {
        // Continues the newest chunk on its grid.
        const at = <i32>((pStart - hStart) / f);
        len = min(len, cCap(head) - at);
        if (!extendChunk(head, at, pValues, len)) loadDropped += <u32>len;
        p += len;
        continue;
      }
      if (past >= 0) {
        // Past its data, off its grid: the newest chunk ends before the piece.
        store<u16>(head, <u16>((pStart - hStart) / f), C_CAP);
      } else {
        const oldest = oldestChunk(head);
        if (pStart + <i64>len * f <= cStart(oldest)) {
          const c = pieceChunk(pStart, pValues, len, len, true);
          if (c == 0) loadDropped += <u32>len;
          else {
            store<u32>(c, <u32>oldest, C_NEXT);
            store<u32>(oldest, <u32>c, C_PREV);
          }
        } else {
          // Overlaps what is held: merge sample by sample (the later file wins).
          for (let i = 0; i < len; i++) {
            const v = load<f32>(pValues + (<usize>i << 2));
            if (isNaN(v)) continue;
            if (writeSample(slot, f, pStart + <i64>i * f + f / 2, v, true) != WRITE_OK) loadDropped++;
          }
        }
        p += len;
        continue;
      }
    }
    if (head != 0 && len == CHUNK_CAP && p + len < n && cLen(head) == cCap(head) && allNaN(pValues, len)) {
      // A whole chunk of nothing inside the series (a padded file): no chunk
      // for it. The chunk before it is full, so a read leaves it at its
      // capacity and finds NaN up to the next chunk, as it would here.
      p += len;
      continue;
    }
    // Not the file's last piece of the series: another chunk will follow it.
    const c = pieceChunk(pStart, pValues, len, CHUNK_CAP, p + len < n);
    if (c == 0) loadDropped += <u32>len;
    else {
      store<u32>(c, <u32>head, C_PREV);
      if (head != 0) {
        store<u32>(head, <u32>c, C_NEXT);
        sealChunk(head);
      }
      store<u32>(slot, <u32>c);
    }
    p += len;
  }
}

/** True when all `n` values are NaN (checked from the first slot: a chunk with data usually fails at once). */
function allNaN(values: usize, n: i32): bool {
  for (let i = 0; i < n; i++) {
    if ((load<u32>(values + (<usize>i << 2)) & 0x7fffffff) <= 0x7f800000) return false;
  }
  return true;
}

/** Values a series of `n` will occupy once its all-NaN chunks are left out (see loadSeries). */
function heldValues(values: usize, n: usize): u64 {
  let held: u64 = 0;
  for (let p: usize = 0; p < n; p += <usize>CHUNK_CAP) {
    const len = min(<usize>CHUNK_CAP, n - p);
    if (!allNaN(values + (p << 2), <i32>len)) held += <u64>len;
  }
  return held;
}

const levelPtrs = changetype<Region>(memory.data(8));

/**
 * Loads a host's series from a table (src/engine/types.ts SeriesTable) below
 * cluster/host. `bytes` holds the names and values; `cols` the columns, in
 * this order: f64 frequency[nS], f64 start[nS], i32 levelParent[nL],
 * u32 levelNameAt[nL], u32 levelNameLength[nL], i32 seriesLevel[nS],
 * u32 seriesNameAt[nS], u32 seriesNameLength[nS], u32 valuesAt[nS],
 * u32 valueCount[nS]. Entries pointing outside `bytes`, unknown metrics and
 * frequencies or starts that are not whole numbers in range are skipped.
 * Returns the samples that found no room.
 */
export function loadHost(cPtr: usize, cLen_: usize, hPtr: usize, hLen: usize, bytes: usize, bytesLen: usize,
  cols: usize, nL: u32, nS: u32): u32 {
  loadDropped = 0;
  const cluster = childOrCreate(root, cPtr, cLen_);
  const host: usize = cluster == 0 ? 0 : childOrCreate(cluster, hPtr, hLen);
  if (host == 0 || !ensure(levelPtrs, (<usize>nL + 1) << 2, 0)) return loadDropped;
  const sCount = <usize>nS;
  const lCount = <usize>nL;
  const freqCol = cols;
  const startCol = freqCol + (sCount << 3);
  const parentCol = startCol + (sCount << 3);
  const lNameAtCol = parentCol + (lCount << 2);
  const lNameLenCol = lNameAtCol + (lCount << 2);
  const levelCol = lNameLenCol + (lCount << 2);
  const sNameAtCol = levelCol + (sCount << 2);
  const sNameLenCol = sNameAtCol + (sCount << 2);
  const valuesAtCol = sNameLenCol + (sCount << 2);
  const countCol = valuesAtCol + (sCount << 2);
  const levels = levelPtrs.ptr;
  for (let i: usize = 0; i < lCount; i++) {
    const parent = load<i32>(parentCol + (i << 2));
    const at = <usize>load<u32>(lNameAtCol + (i << 2));
    const len = <usize>load<u32>(lNameLenCol + (i << 2));
    let l: usize = 0;
    if (parent < <i32>i && at <= bytesLen && len <= bytesLen - at && len <= 0xffff) {
      const p = parent < 0 ? host : <usize>load<u32>(levels + (<usize>parent << 2));
      if (p != 0) l = childOrCreate(p, bytes + at, len);
    }
    store<u32>(levels + (i << 2), <u32>l);
  }
  // One grow for the values of the whole file instead of one every few MiB.
  let total: u64 = 0;
  for (let i: usize = 0; i < sCount; i++) {
    const n = <usize>load<u32>(countCol + (i << 2));
    const valuesAt = <usize>load<u32>(valuesAtCol + (i << 2));
    if (valuesAt <= bytesLen && n <= (bytesLen - valuesAt) >> 2) total += heldValues(bytes + valuesAt, n);
  }
  reserve(total << 2);
  for (let i: usize = 0; i < sCount; i++) {
    const li = load<i32>(levelCol + (i << 2));
    const nameAt = <usize>load<u32>(sNameAtCol + (i << 2));
    const nameLen = <usize>load<u32>(sNameLenCol + (i << 2));
    const valuesAt = <usize>load<u32>(valuesAtCol + (i << 2));
    const n = <usize>load<u32>(countCol + (i << 2));
    const freq = load<f64>(freqCol + (i << 3));
    const start = load<f64>(startCol + (i << 3));
    if (n == 0 || li >= <i32>nL || nameAt > bytesLen || nameLen > bytesLen - nameAt) continue;
    if (valuesAt > bytesLen || n > (bytesLen - valuesAt) >> 2 || n > 0x7fffffff) continue;
    if (!(freq >= 1 && freq <= 4294967295.0 && freq == Math.floor(freq))) continue;
    if (!(Math.abs(start) <= 9007199254740991.0 && start == Math.floor(start))) continue;
    const level = li < 0 ? host : <usize>load<u32>(levels + (<usize>li << 2));
    const m = findMetric(bytes + nameAt, nameLen);
    if (m < 0 || level == 0) continue;
    loadSeries(level, m, <i64>freq, <i64>start, bytes + valuesAt, <i32>n);
  }
  return loadDropped;
}

// ---- WAL replay ----

const metricMap = changetype<Region>(memory.data(8));
const pathMap = changetype<Region>(memory.data(8));

/**
 * Header: u32 count, u32 nMetrics, (u16 len, name)*, u32 nPaths, (u8 n, (u16 len, name)*)*,
 * then at the given offsets: ts f64[count], value f32[count], metric u32[count], path u32[count].
 * Returns the number of samples written.
 */
export function writeColumns(cPtr: usize, cLen_: usize, hPtr: usize, hLen: usize, header: usize,
  tsCol: usize, valueCol: usize, metricCol: usize, pathCol: usize, notBefore: i64): u32 {
  const cluster = childOrCreate(root, cPtr, cLen_);
  const host: usize = cluster == 0 ? 0 : childOrCreate(cluster, hPtr, hLen);
  if (host == 0) return 0;
  let p = header;
  const count = load<u32>(p);
  const nm = load<u32>(p, 4);
  p += 8;
  if (!ensure(metricMap, (<usize>nm + 1) << 2, 0)) return 0;
  for (let i: u32 = 0; i < nm; i++) {
    const len = <usize>load<u16>(p);
    store<i32>(metricMap.ptr + (<usize>i << 2), findMetric(p + 2, len));
    p += 2 + len;
  }
  const np = load<u32>(p);
  p += 4;
  if (!ensure(pathMap, (<usize>np + 1) << 2, 0)) return 0;
  for (let i: u32 = 0; i < np; i++) {
    const depth = load<u8>(p);
    p++;
    let l: usize = host;
    for (let d: u8 = 0; d < depth; d++) {
      const len = <usize>load<u16>(p);
      if (l != 0) l = childOrCreate(l, p + 2, len);
      p += 2 + len;
    }
    store<u32>(pathMap.ptr + (<usize>i << 2), <u32>l);
  }
  let written: u32 = 0;
  for (let i: u32 = 0; i < count; i++) {
    const tsF = load<f64>(tsCol + (<usize>i << 3));
    if (!(tsF == tsF)) continue;
    const ts = <i64>tsF;
    if (ts < notBefore) continue;
    const mi = load<u32>(metricCol + (<usize>i << 2));
    const pi = load<u32>(pathCol + (<usize>i << 2));
    if (mi >= nm || pi >= np) continue;
    const m = load<i32>(metricMap.ptr + (<usize>mi << 2));
    const l = <usize>load<u32>(pathMap.ptr + (<usize>pi << 2));
    if (m < 0 || l == 0) continue;
    const slot = seriesSlot(l, m, true);
    if (slot == 0) continue;
    if (writeSample(slot, metricFreq(m), ts, load<f32>(valueCol + (<usize>i << 2))) == WRITE_OK) written++;
  }
  return written;
}
