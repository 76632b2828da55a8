// A query command answered in steps. The command is copied into a cursor of
// its own, so a step can stop after a bounded amount of output or selectors
// and the next step goes on from there after other calls (other queries,
// ingest) ran in between: the response buffer stays bounded whatever the
// answer, and the service can serve other requests between steps.
//
// Command (little endian, written by src/engine/codec.ts encodeQuery):
//   f64 from, f64 to, u32 flags (1 stats, 2 data, 4 padding), u16 clusterLen, cluster,
//   u32 nQueries, then per query:
//   u32 row, u16 len metric, u16 len host, u8 hasType [u16 len type], u32 nTypeIds (u16 len id)*,
//   u8 hasSubtype [u16 len subtype], u32 nSubIds (u16 len id)*, f64 resolution, f64 scaleBy, u8 aggreg
// Answer of a step: JSON bytes in the response buffer, and fragments
// (u32 row, u32 offset, u32 length): the parts of rows the step wrote, in
// order. A row's fragments, over the steps, joined, are the row's JSON.
import { allocScratch, freeScratch } from "./alloc";
import { outFailed, outLen, outReset, setOutLen, writeByte } from "./out";
import { answerGrouped, answerSingle, continuePiece, overLimit, pieceOpen, pointsLeft, pointsRead, setQuery, setRequest } from "./query";
import { ensure, Region } from "./scratch";

export const STEP_FAILED: i32 = 0;
export const STEP_DONE: i32 = 1;
/** Stopped between two selectors: step again (after a turn of the event loop, if you like). */
export const STEP_MORE: i32 = 2;
/** Stopped inside an entry: step again before any other query runs on this shard. */
export const STEP_PIECE: i32 = 3;
/** An entry would have passed the points the answer may hold; nothing more is answered. */
export const STEP_OVER: i32 = 4;
/** Another query ran while this one's entry was open (STEP_PIECE): the answer is lost. */
export const STEP_BROKEN: i32 = 5;

// @ts-ignore: decorator
@unmanaged
class Cursor {
  size: usize;
  started: u32;
  from: i64;
  to: i64;
  flags: u32;
  broken: u32;
  cPtr: usize;
  cLen: usize;
  nq: i32;
  q: i32;
  /** The record of query q. */
  qp: usize;
  /** Query q is parsed and its "[" written; the fields below hold it. */
  inQuery: u32;
  row: u32;
  mPtr: usize;
  mLen: usize;
  hPtr: usize;
  hLen: usize;
  hasType: u32;
  tPtr: usize;
  tLen: usize;
  nTypeIds: i32;
  typeIds: usize;
  hasSub: u32;
  sPtr: usize;
  sLen: usize;
  nSubIds: i32;
  subIds: usize;
  resolution: i64;
  scale: f64;
  aggreg: u32;
  next: usize;
  /** The record's bytes from the host's name to the last subtype id: the selector's key (selector-memo.ts). */
  keyPtr: usize;
  keyLen: usize;
  /** The next selector: type-id i (at ip), subtype-id j (at sp); entries written into the row so far. */
  i: i32;
  j: i32;
  ip: usize;
  sp: usize;
  entries: i32;
}

const CURSOR_BYTES: usize = (offsetof<Cursor>() + 15) & ~(<usize>15);

export const fragments = changetype<Region>(memory.data(8));
export let fragmentCount: i32 = 0;
/** The cursor whose entry is open across steps (STEP_PIECE), 0 when none. */
let pieceCursor: usize = 0;

/** A cursor with room for a command of `len` bytes (at queryCommand); 0 when memory runs out. */
export function queryOpen(len: usize): usize {
  const size = CURSOR_BYTES + len;
  const p = allocScratch(size);
  if (p == 0) return 0;
  memory.fill(p, 0, CURSOR_BYTES);
  changetype<Cursor>(p).size = size;
  return p;
}

export function queryCommand(cursor: usize): usize {
  return cursor + CURSOR_BYTES;
}

export function queryClose(cursor: usize): void {
  if (cursor == pieceCursor) pieceCursor = 0;
  freeScratch(cursor, changetype<Cursor>(cursor).size);
}

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

function readHeader(c: Cursor): void {
  cp = changetype<usize>(c) + CURSOR_BYTES;
  c.from = toI64(f64at());
  c.to = toI64(f64at());
  c.flags = u32at();
  c.cLen = u16at();
  c.cPtr = cp;
  cp += c.cLen;
  c.nq = <i32>u32at();
  c.q = 0;
  c.qp = cp;
  c.started = 1;
}

function readRecord(c: Cursor): void {
  cp = c.qp;
  c.row = u32at();
  c.mLen = u16at();
  c.mPtr = cp;
  cp += c.mLen;
  c.keyPtr = cp;
  c.hLen = u16at();
  c.hPtr = cp;
  cp += c.hLen;
  c.hasType = u8at();
  c.tPtr = 0;
  c.tLen = 0;
  if (c.hasType != 0) {
    c.tLen = u16at();
    c.tPtr = cp;
    cp += c.tLen;
  }
  c.nTypeIds = <i32>u32at();
  c.typeIds = cp;
  for (let i = 0; i < c.nTypeIds; i++) cp += 2 + <usize>load<u16>(cp);
  c.hasSub = u8at();
  c.sPtr = 0;
  c.sLen = 0;
  if (c.hasSub != 0) {
    c.sLen = u16at();
    c.sPtr = cp;
    cp += c.sLen;
  }
  c.nSubIds = <i32>u32at();
  c.subIds = cp;
  for (let i = 0; i < c.nSubIds; i++) cp += 2 + <usize>load<u16>(cp);
  c.keyLen = cp - c.keyPtr;
  c.resolution = toI64(f64at());
  c.scale = f64at();
  c.aggreg = u8at();
  c.next = cp;
  c.i = 0;
  c.j = 0;
  c.ip = c.typeIds;
  c.sp = c.subIds;
  c.entries = 0;
}

function addFragment(row: u32, start: usize): bool {
  if (!ensure(fragments, <usize>(fragmentCount + 1) * 12, <usize>fragmentCount * 12)) return false;
  const t = fragments.ptr + <usize>fragmentCount * 12;
  store<u32>(t, row);
  store<u32>(t, <u32>start, 4);
  store<u32>(t, <u32>(outLen - start), 8);
  fragmentCount++;
  return true;
}

let stepBytes: usize = 0;
let stepSelectors: i64 = 0;
let stepReads: i64 = 0;
let stepCount: i64 = 0;

/** Whether the step has done its share: checked before a selector, never before the first. */
// @ts-ignore: decorator
@inline function stepFull(): bool {
  return stepCount > 0 && (outLen >= stepBytes || stepCount >= stepSelectors || pointsRead >= stepReads);
}

/**
 * Answers the cursor's command from where its last step stopped, until
 * about `bytes` of output, `selectors` selectors or `reads` points read (at
 * least one selector), with
 * `budget` points the answer may still hold (pointsLeft after the step) and
 * entries of more than `piece` points written in pieces. Returns STEP_*.
 */
export function queryStep(cursor: usize, budget: f64, bytes: u32, selectors: u32, reads: u32, piece: u32): i32 {
  const c = changetype<Cursor>(cursor);
  outReset();
  fragmentCount = 0;
  stepBytes = <usize>bytes;
  stepSelectors = <i64>selectors;
  stepReads = <i64>reads;
  stepCount = 0;
  if (c.broken != 0) return STEP_BROKEN;
  if (pieceCursor != 0 && pieceCursor != cursor) {
    // Its entry's values were in the buffers this query is about to use.
    changetype<Cursor>(pieceCursor).broken = 1;
    pieceCursor = 0;
  }
  if (c.started == 0) readHeader(c);
  setRequest(c.from, c.to, c.flags, budget, <i64>piece);

  let start: usize = 0;
  if (pieceCursor == cursor) {
    // The open entry goes on; the row's fragment starts with it.
    if (!continuePiece()) return pieceStop(c, start);
    pieceCursor = 0;
  }
  while (c.q < c.nq) {
    if (c.inQuery == 0) {
      readRecord(c);
      c.inQuery = 1;
      start = outLen;
      writeByte(91); // [
    }
    setQuery(c.mPtr, c.mLen, c.resolution, c.scale);
    const r = c.aggreg != 0 || c.hasType == 0 ? stepGrouped(c) : stepSingles(c);
    if (r != STEP_DONE) {
      if (r == STEP_MORE && !addFragment(c.row, start)) return STEP_FAILED;
      return r == STEP_PIECE ? pieceStop(c, start) : r;
    }
    writeByte(93); // ]
    if (outFailed || !addFragment(c.row, start)) return STEP_FAILED;
    c.inQuery = 0;
    c.q++;
    c.qp = c.next;
    start = outLen;
    if (c.q < c.nq && stepFull()) return STEP_MORE;
  }
  return outFailed ? STEP_FAILED : STEP_DONE;
}

function pieceStop(c: Cursor, start: usize): i32 {
  if (outFailed || !addFragment(c.row, start)) return STEP_FAILED;
  pieceCursor = changetype<usize>(c);
  return STEP_PIECE;
}

/** The one selector of an aggregated query (or one without a type). */
function stepGrouped(c: Cursor): i32 {
  if (c.i > 0) return STEP_DONE;
  if (stepFull()) return STEP_MORE;
  const nT = c.nTypeIds > 0 ? <i64>c.nTypeIds : 1;
  const nS = c.hasSub != 0 && c.nSubIds > 0 ? <i64>c.nSubIds : 1;
  stepCount += c.hasType != 0 ? nT * nS : 1;
  const r = answerGrouped(
    c.cPtr, c.cLen, c.hPtr, c.hLen, c.hasType != 0, c.tPtr, c.tLen, c.typeIds, c.nTypeIds,
    c.hasSub != 0, c.sPtr, c.sLen, c.subIds, c.nSubIds, c.keyPtr, c.keyLen,
  );
  if (r < 0) return STEP_FAILED;
  if (overLimit) return STEP_OVER;
  c.i = 1;
  if (r > 0) c.entries++;
  return pieceOpen ? STEP_PIECE : STEP_DONE;
}

/** The selectors of a query that is not aggregated, type-id by type-id (by subtype-id within), from (i, j) on. */
function stepSingles(c: Cursor): i32 {
  const hasSub = c.hasSub != 0;
  const nInner = hasSub ? c.nSubIds : 1;
  let i = c.i;
  let j = c.j;
  let ip = c.ip;
  let sp = c.sp;
  let status = STEP_DONE;
  while (i < c.nTypeIds) {
    const idLen = <usize>load<u16>(ip);
    while (j < nInner) {
      if (stepFull()) {
        status = STEP_MORE;
        break;
      }
      stepCount++;
      const sidLen: usize = hasSub ? <usize>load<u16>(sp) : 0;
      const mark = outLen;
      if (c.entries > 0) writeByte(44);
      const r = answerSingle(c.cPtr, c.cLen, c.hPtr, c.hLen, c.tPtr, c.tLen, ip + 2, idLen, hasSub, c.sPtr, c.sLen, sp + 2, sidLen);
      if (r < 0) return STEP_FAILED;
      if (overLimit) return STEP_OVER;
      if (r > 0) c.entries++;
      else setOutLen(mark);
      if (hasSub) sp += 2 + sidLen;
      j++;
      if (pieceOpen) {
        status = STEP_PIECE;
        break;
      }
    }
    if (status != STEP_DONE) break;
    j = 0;
    sp = c.subIds;
    ip += 2 + idLen;
    i++;
  }
  c.i = i;
  c.j = j;
  c.ip = ip;
  c.sp = sp;
  return status;
}

/** Points the answer may still hold after the last step. */
export function stepPointsLeft(): f64 {
  return pointsLeft;
}
