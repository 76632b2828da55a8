// /api/query inside the engine: selectors as the reference's handleQuery
// builds them, findBuffers, Read, LTTB, stats, scale-by and padding, and the
// JSON bytes of every result row.
//
// Command (little endian, written by src/engine/query-codec.ts):
//   f64 from, f64 to, u32 flags (1 stats, 2 data, 4 padding), u16 clusterLen, cluster,
//   u32 nQueries, then per query:
//   u32 row, u16 len metric, u16 len host, u8 hasType [u16 len type], u32 nTypeIds (u16 len id)*,
//   u8 hasSubtype [u16 len subtype], u32 nSubIds (u16 len id)*, f64 resolution, f64 scaleBy, u8 aggreg
// Answer: the rows' JSON in the response buffer, and per query (u32 row, u32 offset, u32 length).
import { childAt, childCount, findChild, root, seriesHead } from "./level";
import { LTTB_BAD_RESOLUTION, LTTB_DONE, LTTB_NO_MEMORY, lttb, lttbLen, lttbOut } from "./lttb";
import { findMetric, metricFreq } from "./metrics";
import {
  outFailed, outLen, outReserve, outReset, putF32, setOutLen, statCount, statMax, statMin, statSum, valueStats,
  writeAscii, writeByte, writeI64, writeJsonStringBody, writeValues,
} from "./out";
import {
  data, dataLen, MAX_POINTS, R_BAD_AGGREGATION, R_BAD_RANGE, R_BAD_RESOLUTION, R_LEN_MISMATCH, R_MISSING_BACK,
  R_MISSING_FRONT, R_NO_MEMORY, R_NOT_FOUND, R_OK, R_TOO_MANY_POINTS, R_UNKNOWN_METRIC, readAggregate, readFrom,
  readTo,
} from "./read";
import { ensure, Region } from "./scratch";

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

export const rowTable = changetype<Region>(memory.data(8));
export let rowCount: i32 = 0;

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
  memory.copy(p, aPtr, aLen);
  memory.copy(p + aLen, bPtr, bLen);
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

function pushHead(h: usize): void {
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
    const h = seriesHead(level, qMetric);
    if (h != 0) {
      pushHead(h);
      return;
    }
    const n = childCount(level);
    for (let i: u32 = 0; i < n; i++) gather(childAt(level, i), e);
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
    if (child != 0) gather(child, e + 1);
  }
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
  gather(root, 0);
  if (headsFailed) {
    writeErrorEntry(R_NO_MEMORY);
    return true;
  }
  const r = readAggregate(heads.ptr, nHeads, qMetric, reqFrom, reqTo);
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
  if (pad + <i64>n > MAX_POINTS) {
    writeErrorEntry(R_TOO_MANY_POINTS);
    return true;
  }

  writeByte(123); // {
  // writeValues gathers the statistics as it goes.
  const writeData = withData && pad + <i64>n > 0;
  if (writeData) {
    writeAscii('"data":[');
    writeValues(values, n, scaled ? scale : 1, <i32>pad);
    writeAscii('],');
  } else if (withStats) {
    valueStats(values, n);
  }
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
    if (scaled) {
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
  if (!outReserve(128)) return true;
  writeAscii(',"avg":');
  putF32(<f32>avg);
  writeAscii(',"min":');
  putF32(<f32>mn);
  writeAscii(',"max":');
  putF32(<f32>mx);
  writeByte(125); // }
  return true;
}

// ---- command ----

let cp: usize = 0;

// @ts-ignore: decorator
@inline function u8at(): u32 {
  const v = <u32>load<u8>(cp);
  cp += 1;
  return v;
}
// @ts-ignore: decorator
@inline function u16at(): usize {
  const v = <usize>load<u16>(cp);
  cp += 2;
  return v;
}
// @ts-ignore: decorator
@inline function u32at(): u32 {
  const v = load<u32>(cp);
  cp += 4;
  return v;
}
// @ts-ignore: decorator
@inline function f64at(): f64 {
  const v = load<f64>(cp);
  cp += 8;
  return v;
}

/** A float from JavaScript as a whole number, clamped to what a timestamp can be. */
export function toI64(x: f64): i64 {
  if (isNaN(x)) return 0;
  const lim: f64 = 9007199254740992.0;
  if (x > lim) return <i64>lim;
  if (x < -lim) return -(<i64>lim);
  return <i64>Math.trunc(x);
}

/** Answers a query command; returns false when the response buffer could not grow. */
export function runQuery(cmd: usize): bool {
  cp = cmd;
  outReset();
  rowCount = 0;
  reqFrom = toI64(f64at());
  reqTo = toI64(f64at());
  const flags = u32at();
  withStats = (flags & 1) != 0;
  withData = (flags & 2) != 0;
  withPadding = (flags & 4) != 0;
  const cLen = u16at();
  const cPtr = cp;
  cp += cLen;
  const nq = <i32>u32at();
  if (!ensure(rowTable, <usize>(nq + 1) * 12, 0)) return false;
  for (let q = 0; q < nq; q++) {
    const row = u32at();
    qMetricLen = u16at();
    qMetricPtr = cp;
    cp += qMetricLen;
    const hLen = u16at();
    const hPtr = cp;
    cp += hLen;
    const hasType = u8at() != 0;
    let tPtr: usize = 0;
    let tLen: usize = 0;
    if (hasType) {
      tLen = u16at();
      tPtr = cp;
      cp += tLen;
    }
    const nTypeIds = <i32>u32at();
    const typeIds = cp;
    for (let i = 0; i < nTypeIds; i++) cp += 2 + <usize>load<u16>(cp);
    const hasSub = u8at() != 0;
    let sPtr: usize = 0;
    let sLen: usize = 0;
    if (hasSub) {
      sLen = u16at();
      sPtr = cp;
      cp += sLen;
    }
    const nSubIds = <i32>u32at();
    const subIds = cp;
    for (let i = 0; i < nSubIds; i++) cp += 2 + <usize>load<u16>(cp);
    qResolution = toI64(f64at());
    qScale = f64at();
    const aggreg = u8at() != 0;

    qMetric = findMetric(qMetricPtr, qMetricLen);
    const rowStart = outLen;
    writeByte(91); // [
    let entries = 0;
    if (aggreg || !hasType) {
      resetSelector();
      let ok = addName(cPtr, cLen, 0, 0) && addElem(ELEM_STRING, 0, 1);
      ok = ok && addName(hPtr, hLen, 0, 0) && addElem(ELEM_STRING, 1, 1);
      if (hasType) {
        ok = ok && addIds(tPtr, tLen, typeIds, nTypeIds);
        if (hasSub) ok = ok && addIds(sPtr, sLen, subIds, nSubIds);
      }
      if (!ok) return false;
      const mark = outLen;
      if (answerSelector()) entries++;
      else setOutLen(mark);
    } else {
      let ip = typeIds;
      for (let i = 0; i < nTypeIds; i++) {
        const idLen = <usize>load<u16>(ip);
        const idPtr = ip + 2;
        ip += 2 + idLen;
        const nInner = hasSub ? nSubIds : 1;
        let sp = subIds;
        for (let j = 0; j < nInner; j++) {
          resetSelector();
          let ok = addName(cPtr, cLen, 0, 0) && addElem(ELEM_STRING, 0, 1);
          ok = ok && addName(hPtr, hLen, 0, 0) && addElem(ELEM_STRING, 1, 1);
          ok = ok && addName(tPtr, tLen, idPtr, idLen) && addElem(ELEM_STRING, 2, 1);
          if (hasSub) {
            const sidLen = <usize>load<u16>(sp);
            ok = ok && addName(sPtr, sLen, sp + 2, sidLen) && addElem(ELEM_STRING, 3, 1);
            sp += 2 + sidLen;
          }
          if (!ok) return false;
          const mark = outLen;
          if (entries > 0) writeByte(44);
          if (answerSelector()) entries++;
          else setOutLen(mark);
        }
      }
    }
    writeByte(93); // ]
    if (outFailed) return false;
    const t = rowTable.ptr + <usize>rowCount * 12;
    store<u32>(t, row);
    store<u32>(t, <u32>rowStart, 4);
    store<u32>(t, <u32>(outLen - rowStart), 8);
    rowCount++;
  }
  return !outFailed;
}


/** type + ids as the reference builds them: one id is a plain name, otherwise a group. */
function addIds(tPtr: usize, tLen: usize, ids: usize, n: i32): bool {
  const first = nNames;
  let p = ids;
  for (let i = 0; i < n; i++) {
    const len = <usize>load<u16>(p);
    if (!addName(tPtr, tLen, p + 2, len)) return false;
    p += 2 + len;
  }
  return addElem(n == 1 ? ELEM_STRING : ELEM_GROUP, first, n);
}
