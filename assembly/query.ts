// /api/query inside the engine: selectors as the reference's handleQuery
// builds them, findBuffers, Read, LTTB, stats, scale-by and padding, and the
// JSON of one result entry. The command, and answering it in steps, is in
// query-step.ts.
import { copySmall } from "./bytes";
import { childAt, childCount, findChild, root, seriesHead } from "./level";
import { LTTB_BAD_RESOLUTION, LTTB_DONE, LTTB_NO_MEMORY, lttb, lttbLen, lttbOut } from "./lttb";
import { findMetric, metricFreq } from "./metrics";
import {
  outLen, outReserve, putF32, putNulls, setOutLen, statCount, statMax, statMin, statReset, statSum, valueStats, writeAscii,
  writeByte, writeI64, writeValueRange, writeValuesOnly,
} from "./out";
import { writeJsonStringBody } from "./json-string";
import {
  data, dataLen, MAX_POINTS, R_BAD_AGGREGATION, R_BAD_RANGE, R_BAD_RESOLUTION, R_LEN_MISMATCH, R_MISSING_BACK,
  R_MISSING_FRONT, R_NO_MEMORY, R_NOT_FOUND, R_OK, R_TOO_MANY_POINTS, R_UNKNOWN_METRIC, pointBound, readAggregate, readFrom,
  readTo, walkFrom,
} from "./read";
import { seriesFrom, seriesTo, writeSeriesValues } from "./read-answer";
import { ensure, Region } from "./scratch";
import { readStatsFinish, readStatsStart, readStatsStop } from "./read-stats";
import { memoCount, memoFind, memoKeep, memoLevels } from "./selector-memo";

// Selector elements: (u32 kind, u32 nNames, u32 firstName); names: (u32 ptr, u32 len).
const ELEM_STRING: u32 = 0;
const ELEM_GROUP: u32 = 1;
const elems = changetype<Region>(memory.data(8));
const names = changetype<Region>(memory.data(8));
const nameBytes = changetype<Region>(memory.data(8));
let nElems: i32 = 0;
let nNames: i32 = 0;
let nameBytesLen: usize = 0;

const heads = changetype<Region>(memory.data(8));
let nHeads: i32 = 0;
let headsFailed = false;

/** The levels the walk over the selector's names reached (gather), for its memo. */
const reachedLevels = changetype<Region>(memory.data(8));
let nReached: i32 = 0;
let reachedFailed = false;
/** The selector being answered: found in the memo, or its key to keep it by (memoKeyLen 0: not kept). */
let memoFound = false;
let memoCPtr: usize = 0;
let memoCLen: usize = 0;
let memoKeyPtr: usize = 0;
let memoKeyLen: usize = 0;

// Per query while answering.
let qMetric: i32 = -1;
let qMetricPtr: usize = 0;
let qMetricLen: usize = 0;
let qResolution: i64 = 0;
let qScale: f64 = 0;
let reqFrom: i64 = 0;
let reqTo: i64 = 0;
let withStats = true;
let withData = true;
let withPadding = true;

/** Points (values and nulls) the answer may still hold; an entry that would pass it sets overLimit instead. */
export let pointsLeft: f64 = 0;
export let overLimit = false;
/** Points read (over every series of a selector) since setRequest: the work of a step. */
export let pointsRead: i64 = 0;
/** An entry with more points than this is written in pieces of this many (see continuePiece). */
let piecePoints: i64 = 1 << 16;

// The entry being written in pieces: its values (in data or lttbOut, which
// only queries touch) and what its tail needs.
export let pieceOpen = false;
let pieceValues: usize = 0;
let pieceN: i32 = 0;
let piecePad: i32 = 0;
let pieceAt: i32 = 0;
let pieceScale: f64 = 1;
let pieceFrom: i64 = 0;
let pieceTo: i64 = 0;
let pieceResolution: i64 = 0;

/** The range and flags of a request, before its selectors are answered. */
export function setRequest(from: i64, to: i64, flags: u32, budget: f64, piece: i64): void {
  reqFrom = from;
  reqTo = to;
  withStats = (flags & 1) != 0;
  withData = (flags & 2) != 0;
  withPadding = (flags & 4) != 0;
  pointsLeft = budget;
  overLimit = false;
  pointsRead = 0;
  piecePoints = piece > 0 ? piece : 1;
}

/** The metric, resolution and scale of the query whose selectors come next. */
export function setQuery(metricPtr: usize, metricLen: usize, resolution: i64, scale: f64): void {
  qMetricPtr = metricPtr;
  qMetricLen = metricLen;
  qMetric = findMetric(metricPtr, metricLen);
  qResolution = resolution;
  qScale = scale;
}

function resetSelector(): void {
  nElems = 0;
  nNames = 0;
  nameBytesLen = 0;
}

/** Adds a name made of two parts (type + id); returns false when memory runs out. */
function addName(aPtr: usize, aLen: usize, bPtr: usize, bLen: usize): bool {
  const len = aLen + bLen;
  if (!ensure(nameBytes, nameBytesLen + len + 1, nameBytesLen)) return false;
  if (!ensure(names, (<usize>nNames + 1) << 3, <usize>nNames << 3)) return false;
  const p = nameBytes.ptr + nameBytesLen;
  // Short (a level type and an id, "hwthread" and "17"): no bulk-memory call per name of a selector of 72.
  copySmall(p, aPtr, aLen);
  copySmall(p + aLen, bPtr, bLen);
  // Names are stored as offsets: nameBytes may move while the selector grows.
  store<u32>(names.ptr + (<usize>nNames << 3), <u32>nameBytesLen);
  store<u32>(names.ptr + (<usize>nNames << 3), <u32>len, 4);
  nameBytesLen += len;
  nNames++;
  return true;
}

function addElem(kind: u32, first: i32, count: i32): bool {
  if (!ensure(elems, (<usize>nElems + 1) * 12, <usize>nElems * 12)) return false;
  const e = elems.ptr + <usize>nElems * 12;
  store<u32>(e, kind);
  store<u32>(e, <u32>count, 4);
  store<u32>(e, <u32>first, 8);
  nElems++;
  return true;
}

// @ts-ignore: decorator
@inline function pushHead(h: usize): void {
  if (!ensure(heads, (<usize>nHeads + 1) << 2, <usize>nHeads << 2)) {
    headsFailed = true;
    return;
  }
  store<u32>(heads.ptr + (<usize>nHeads << 2), <u32>h);
  nHeads++;
}

/** findBuffers: a level holding the metric answers with it; otherwise all its children do. */
function gather(level: usize, e: i32): void {
  if (e == nElems) {
    reached(level);
    return;
  }
  const el = elems.ptr + <usize>e * 12;
  const kind = load<u32>(el);
  const count = <i32>load<u32>(el, 4);
  const first = <i32>load<u32>(el, 8);
  for (let k = 0; k < count; k++) {
    const nm = names.ptr + (<usize>(first + k) << 3);
    const len = <usize>load<u32>(nm, 4);
    if (kind == ELEM_STRING && len == 0) return;
    const child = findChild(level, nameBytes.ptr + <usize>load<u32>(nm), len);
    if (child == 0) continue;
    // The selector's last element (each of a node's 72 hwthreads): its series here, without a call of gather each.
    if (e + 1 == nElems) reached(child);
    else gather(child, e + 1);
  }
}

/** A level the selector's names lead to: noted for the selector's memo (selector-memo.ts), then its series gathered. */
// @ts-ignore: decorator
@inline function reached(level: usize): void {
  if (ensure(reachedLevels, (<usize>nReached + 1) << 2, <usize>nReached << 2)) {
    store<u32>(reachedLevels.ptr + (<usize>nReached << 2), <u32>level);
    nReached++;
  } else reachedFailed = true;
  gatherEnd(level);
}

/** gather past the selector's last element: the level's series, or, when it has none, its children's. */
// @ts-ignore: decorator
@inline function gatherEnd(level: usize): void {
  const h = seriesHead(level, qMetric);
  if (h != 0) {
    pushHead(h);
    return;
  }
  gatherChildren(level);
}

/** gatherEnd of each child of a level without the metric. */
function gatherChildren(level: usize): void {
  const n = childCount(level);
  for (let i: u32 = 0; i < n; i++) {
    const child = childAt(level, i);
    const h = seriesHead(child, qMetric);
    if (h != 0) pushHead(h);
    else gatherChildren(child);
  }
}

/**
 * The selector's series: from what its memo holds, or by the walk over its
 * names, whose reached levels the memo then keeps (a grouped selector; a
 * single's key is empty).
 */
function gatherSelector(): void {
  if (memoFound) {
    replayMemo(memoLevels, memoCount);
    return;
  }
  nReached = 0;
  reachedFailed = false;
  gather(root, 0);
  if (memoKeyLen != 0 && !reachedFailed && !headsFailed) {
    memoKeep(memoCPtr, memoCLen, memoKeyPtr, memoKeyLen, reachedLevels.ptr, nReached);
  }
}

/**
 * gatherEnd of each level the memo holds, the heads kept in locals: room for
 * one a level made at once, and again after a level without the metric (rare:
 * its children answer for it, and may be more).
 */
function replayMemo(levels: usize, count: i32): void {
  if (!ensure(heads, <usize>count << 2, 0)) {
    headsFailed = true;
    return;
  }
  const metric = qMetric;
  let at = heads.ptr;
  let n = 0;
  for (let i = 0; i < count; i++) {
    const level = <usize>load<u32>(levels + (<usize>i << 2));
    const h = seriesHead(level, metric);
    if (h != 0) {
      store<u32>(at + (<usize>n << 2), <u32>h);
      n++;
      continue;
    }
    nHeads = n;
    gatherChildren(level);
    n = nHeads;
    if (headsFailed || !ensure(heads, <usize>(n + count - i - 1) << 2, <usize>n << 2)) {
      headsFailed = true;
      return;
    }
    at = heads.ptr;
  }
  nHeads = n;
}

// ---- result entries ----

const MSG_FRONT = "[METRICSTORE]> data from lower granularities does not align (missing data prior to start of the buffers)";
const MSG_BACK = "[METRICSTORE]> data from lower granularities does not align (missing data after the end of the buffers)";
const MSG_LEN = "[METRICSTORE]> data from lower granularities does not align (collected data length is different than expected data length)";

/** An ASCII message inside a JSON string, escaped like Go's encoder (">" as \u003e). */
function writeMessage(msg: string): void {
  for (let i = 0; i < msg.length; i++) {
    const c = msg.charCodeAt(i);
    if (c == 62) writeAscii("\\u003e");
    else if (c == 60) writeAscii("\\u003c");
    else if (c == 38) writeAscii("\\u0026");
    else writeByte(<u8>c);
  }
}

function writeErrorEntry(code: i32): void {
  writeAscii('{"error":"');
  if (code == R_BAD_RANGE) writeMessage("[METRICSTORE]> invalid time range");
  else if (code == R_UNKNOWN_METRIC) {
    writeMessage("[METRICSTORE]> unknown metric: ");
    writeJsonStringBody(qMetricPtr, qMetricLen);
  } else if (code == R_MISSING_FRONT) writeMessage(MSG_FRONT);
  else if (code == R_MISSING_BACK) writeMessage(MSG_BACK);
  else if (code == R_LEN_MISMATCH) writeMessage(MSG_LEN);
  else if (code == R_BAD_AGGREGATION) writeMessage("[METRICSTORE]> invalid aggregation");
  else if (code == R_BAD_RESOLUTION) {
    writeAscii("new sampling frequency (");
    writeI64(qResolution);
    writeAscii(") must be a multiple of old frequency (");
    writeI64(metricFreq(qMetric));
    writeAscii(")");
  } else if (code == R_TOO_MANY_POINTS) writeMessage("[METRICSTORE]> too many points requested");
  else writeMessage("[METRICSTORE]> out of memory");
  writeAscii('","from":0,"to":0,"resolution":0,"avg":0,"min":0,"max":0}');
}

/** Reads one selector and writes its entry; false when it yields no entry. */
function answerSelector(): bool {
  if (reqFrom > reqTo) {
    writeErrorEntry(R_BAD_RANGE);
    return true;
  }
  if (qMetric < 0) {
    writeErrorEntry(R_UNKNOWN_METRIC);
    return true;
  }
  nHeads = 0;
  headsFailed = false;
  gatherSelector();
  if (headsFailed) {
    writeErrorEntry(R_NO_MEMORY);
    return true;
  }
  if (nHeads == 1 && answerSeries(<usize>load<u32>(heads.ptr))) return true;
  // One series with statistics: they are gathered as it is read (with its
  // data too: then the values' formatting loop carries none).
  const gathered = withStats && nHeads == 1;
  readStatsStart(gathered);
  const r = readAggregate(heads.ptr, nHeads, qMetric, reqFrom, reqTo);
  readStatsStop();
  if (r == R_OK) pointsRead += <i64>nHeads * <i64>dataLen;
  if (r == R_NOT_FOUND) return false;
  if (r != R_OK) {
    writeErrorEntry(r);
    return true;
  }
  const f = metricFreq(qMetric);
  let values = data.ptr;
  let n = dataLen;
  let resolution = f;
  const lr = lttb(values, n, f, qResolution);
  if (lr == LTTB_BAD_RESOLUTION) {
    writeErrorEntry(R_BAD_RESOLUTION);
    return true;
  }
  if (lr == LTTB_NO_MEMORY) {
    writeErrorEntry(R_NO_MEMORY);
    return true;
  }
  if (lr == LTTB_DONE) {
    values = lttbOut.ptr;
    n = lttbLen;
    resolution = qResolution;
  }
  const from = readFrom;
  const to = readTo;

  const scale = qScale;
  const scaled = scale != 0 && scale != 1;
  let pad: i64 = 0;
  if (withPadding && from / f > reqFrom / f) pad = from / f - reqFrom / f;
  const points = pad + <i64>n;
  const writeData = withData && points > 0;
  // Checked before anything of the entry is written: an answer past the
  // limit grows no buffer.
  if (writeData && <f64>points > pointsLeft) {
    overLimit = true;
    return true;
  }
  if (points > MAX_POINTS) {
    writeErrorEntry(R_TOO_MANY_POINTS);
    return true;
  }
  if (writeData) pointsLeft -= <f64>points;

  writeByte(123); // {
  if (writeData) {
    writeAscii('"data":[');
    if (points > piecePoints) {
      // The pieces' loop gathers the statistics as it goes (writeValueRange).
      pieceOpen = true;
      pieceValues = values;
      pieceN = n;
      piecePad = <i32>pad;
      pieceAt = 0;
      pieceScale = scaled ? scale : 1;
      pieceFrom = from;
      pieceTo = to;
      pieceResolution = resolution;
      statReset();
      writePiece();
      return true;
    }
    writeValuesOnly(values, n, scaled ? scale : 1, <i32>pad);
    writeAscii('],');
  }
  // The statistics were gathered by a single series' read; otherwise (several
  // series added up, LTTB's points) they take a pass of their own, two values
  // a turn: a third of the formatting loop's instructions when it carried them.
  if (withStats) {
    if (gathered && lr != LTTB_DONE) readStatsFinish();
    else valueStats(values, n);
  }
  writeEntryTail(from, to, resolution, scaled ? scale : 1);
  return true;
}

/**
 * The entry of one series with its data, written as the series is read
 * (read-answer.ts), when nothing but the values' text can differ from the
 * usual way: no LTTB (no resolution above the metric's frequency), no
 * scale, and at most as many points as the answer may still hold and a
 * piece takes, counted by the read's bound. False (nothing written) leaves
 * the entry to the usual way, which also decides what this does not look
 * at: an entry without points, a read past MAX_POINTS.
 */
function answerSeries(head: usize): bool {
  const f = metricFreq(qMetric);
  if (!withData || (qScale != 0 && qScale != 1) || (f != 0 && qResolution > f)) return false;
  const bound = pointBound(head, reqFrom, reqTo, f);
  // pointBound walked back as the read will: walkFrom is where it starts.
  const from = walkFrom;
  let pad: i64 = 0;
  if (withPadding && from / f > reqFrom / f) pad = from / f - reqFrom / f;
  const most = pad + bound + 1;
  if (bound > MAX_POINTS || most > MAX_POINTS || <f64>most > pointsLeft || most > piecePoints) return false;
  const start = outLen;
  if (!outReserve(<usize>most * 25 + 16)) return false;
  writeAscii('{"data":[');
  putNulls(<i32>pad);
  readStatsStart(withStats);
  const n = writeSeriesValues(head, reqFrom, reqTo, f, <i32>bound + 1);
  readStatsStop();
  if (pad + <i64>n == 0) {
    setOutLen(start);
    return false;
  }
  pointsRead += <i64>n;
  pointsLeft -= <f64>(pad + <i64>n);
  setOutLen(outLen - 1); // the last comma
  writeAscii('],');
  if (withStats) readStatsFinish();
  writeEntryTail(seriesFrom, seriesTo, f, 1);
  return true;
}

/** The next piece of the open entry; false while more pieces follow, true (and the entry closed) after the last. */
export function continuePiece(): bool {
  writePiece();
  return !pieceOpen;
}

function writePiece(): void {
  const total = piecePad + pieceN;
  const end = <i64>pieceAt + piecePoints < <i64>total ? pieceAt + <i32>piecePoints : total;
  writeValueRange(pieceValues, pieceN, pieceScale, piecePad, pieceAt, end);
  pieceAt = end;
  if (end < total) return;
  pieceOpen = false;
  writeAscii('],');
  writeEntryTail(pieceFrom, pieceTo, pieceResolution, pieceScale);
}

/** From "from" on: range, resolution and the statistics of the values written (or of valueStats). */
function writeEntryTail(from: i64, to: i64, resolution: i64, scale: f64): void {
  let avg: f64 = 0;
  let mn: f64 = 0;
  let mx: f64 = 0;
  if (withStats) {
    if (statCount > 0) {
      avg = statSum / <f64>statCount;
      mn = statMin;
      mx = statMax;
    } else {
      avg = NaN;
      mn = NaN;
      mx = NaN;
    }
    if (scale != 1) {
      avg *= scale;
      mn *= scale;
      mx *= scale;
    }
  }
  writeAscii('"from":');
  writeI64(from);
  writeAscii(',"to":');
  writeI64(to);
  writeAscii(',"resolution":');
  writeI64(resolution);
  if (!outReserve(128)) return;
  writeAscii(',"avg":');
  putF32(<f32>avg);
  writeAscii(',"min":');
  putF32(<f32>mn);
  writeAscii(',"max":');
  putF32(<f32>mx);
  writeByte(125); // }
}

// ---- selectors ----

/**
 * One selector for the query (aggregated, or without a type): cluster, host,
 * then the type-ids and subtype-ids as groups. 1: an entry was written,
 * 0: none (nothing found), -1: memory ran out.
 */
export function answerGrouped(
  cPtr: usize, cLen: usize, hPtr: usize, hLen: usize, hasType: bool, tPtr: usize, tLen: usize, typeIds: usize,
  nTypeIds: i32, hasSub: bool, sPtr: usize, sLen: usize, subIds: usize, nSubIds: i32, keyPtr: usize, keyLen: usize,
): i32 {
  memoCPtr = cPtr;
  memoCLen = cLen;
  memoKeyPtr = keyPtr;
  memoKeyLen = keyLen;
  // Only a selector that will be walked is looked up (a bad range or metric answers without).
  memoFound = reqFrom <= reqTo && qMetric >= 0 && memoFind(cPtr, cLen, hPtr, hLen, keyPtr, keyLen);
  if (!memoFound) {
    resetSelector();
    let ok = addName(cPtr, cLen, 0, 0) && addElem(ELEM_STRING, 0, 1);
    ok = ok && addName(hPtr, hLen, 0, 0) && addElem(ELEM_STRING, 1, 1);
    if (hasType) {
      ok = ok && addIds(tPtr, tLen, typeIds, nTypeIds);
      if (hasSub) ok = ok && addIds(sPtr, sLen, subIds, nSubIds);
    }
    if (!ok) return -1;
  }
  return answerSelector() ? 1 : 0;
}

/** One selector of a query that is not aggregated: type + id, and subtype + id when hasSub. See answerGrouped. */
export function answerSingle(
  cPtr: usize, cLen: usize, hPtr: usize, hLen: usize, tPtr: usize, tLen: usize, idPtr: usize, idLen: usize,
  hasSub: bool, sPtr: usize, sLen: usize, sidPtr: usize, sidLen: usize,
): i32 {
  memoFound = false;
  memoKeyLen = 0;
  resetSelector();
  let ok = addName(cPtr, cLen, 0, 0) && addElem(ELEM_STRING, 0, 1);
  ok = ok && addName(hPtr, hLen, 0, 0) && addElem(ELEM_STRING, 1, 1);
  ok = ok && addName(tPtr, tLen, idPtr, idLen) && addElem(ELEM_STRING, 2, 1);
  if (hasSub) ok = ok && addName(sPtr, sLen, sidPtr, sidLen) && addElem(ELEM_STRING, 3, 1);
  if (!ok) return -1;
  return answerSelector() ? 1 : 0;
}

/** type + ids as the reference builds them: one id is a plain name, otherwise a group. */
function addIds(tPtr: usize, tLen: usize, ids: usize, n: i32): bool {
  const first = nNames;
  // Room for all n names at once (addName's two checks, 72 times over for a node's hwthreads, cost more than this pass).
  let idBytes: usize = 0;
  let p = ids;
  for (let i = 0; i < n; i++) {
    const len = <usize>load<u16>(p);
    idBytes += len;
    p += 2 + len;
  }
  // In 64 bits: n x tLen of a hostile command may pass 2^32 (then memory runs out, as it would name by name).
  const need = <u64>nameBytesLen + <u64>n * <u64>tLen + <u64>idBytes + 1;
  if (need > <u64>0x7fffffff || !ensure(nameBytes, <usize>need, nameBytesLen)) return false;
  if (!ensure(names, (<usize>nNames + <usize>n) << 3, <usize>nNames << 3)) return false;
  p = ids;
  let at = nameBytesLen;
  let entry = names.ptr + (<usize>nNames << 3);
  for (let i = 0; i < n; i++) {
    const len = <usize>load<u16>(p);
    const q = nameBytes.ptr + at;
    copySmall(q, tPtr, tLen);
    copySmall(q + tLen, p + 2, len);
    // Offsets, as addName stores them.
    store<u32>(entry, <u32>at);
    store<u32>(entry, <u32>(tLen + len), 4);
    at += tLen + len;
    entry += 8;
    p += 2 + len;
  }
  nameBytesLen = at;
  nNames += n;
  return addElem(n == 1 ? ELEM_STRING : ELEM_GROUP, first, n);
}
