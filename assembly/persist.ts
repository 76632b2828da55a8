// What the persistence layer needs to write a checkpoint: a host's series,
// each as one or more pieces (split at gaps), and marking exactly that as
// saved afterwards. Loading checkpoints and replaying a WAL: load.ts.
import { oldestChunk } from "./chunk";
import { C_DIRTY, C_SAVED, cLen, cNext, cSaved, cStart, NO_DIRTY } from "./chunk-header";
import { runEnd, valueRun } from "./seal";
import { childAt, childCount, findPath, L_GEN, L_HEADER, L_SERIES, nameLen, nextGeneration, root } from "./level";
import { metricCount, metricFreq } from "./metrics";
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
