// Loading checkpoint files back into chunks (restore compresses as it loads:
// a chunk that is not the newest of its series is encoded straight from the
// file's values) and replaying a WAL.
import { alloc, reserve } from "./alloc";
import { ensurePages, fillNaN, freeChunk, newChunk, oldestChunk, writeSample } from "./chunk";
import {
  addSamples, C_CAP, C_LEN, C_NEXT, C_PAGES, C_PREV, C_SAVED, cCap, cLen, countPages, cPage, cSaved, cSealed, cStart,
  CHUNK_CAP, PAGE_BYTES, WRITE_OK,
} from "./chunk-header";
import { childOrCreate, root, seriesSlot } from "./level";
import { findMetric, metricFreq } from "./metrics";
import { ensure, Region } from "./scratch";
import { nextSeriesBlocks } from "./load-blocks";
import { putPage } from "./pack";
import { compressionOn, sealChunk, sealValues, unsealChunk } from "./seal";

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
  if (!sealed && compressionOn) {
    // The newest chunk of its series: its full pages packed, as writing it
    // would have left them (pack.ts), the last one raw.
    if (!newestPages(c, values, len)) {
      freeChunk(c);
      return 0;
    }
  } else if (!sealed || !sealValues(c, values, len)) {
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

/** Pages for the `len` values of a loaded newest chunk: all but the last packed where a codec shrinks them. */
function newestPages(c: usize, values: usize, len: i32): bool {
  const pages = (len + 63) >> 6;
  for (let i = 0; i < pages - 1; i++) {
    if (!putPage(c, i, values + <usize>i * PAGE_BYTES, true)) return false;
  }
  const last = pages - 1;
  if (!ensurePages(c, last << 6, last << 6)) return false;
  memory.copy(cPage(c, last), values + <usize>last * PAGE_BYTES, <usize>(len - (last << 6)) << 2);
  return true;
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
  if (!ensurePages(c, len, end - 1)) return false;
  fillNaN(c, len, at);
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
    // Every series in table order, skipped or not: the blocks are numbered so.
    nextSeriesBlocks(bytes, valuesAt, n, bytesLen);
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
