// Ingest: lines parsed in the first shard go straight into the series of
// hosts it owns; samples of hosts owned by other shards are appended to a
// compact per-shard outbox, which the TypeScript face copies into the owning
// shard and applies there (applyRecords). Every stored sample can also be
// logged as a WAL record. A line whose sample is not stored is rejected:
// counted by reason in the shard that decided it, the first few listed with
// their line numbers (an outbox record carries its line's number).
import { grownScratchCap, growScratch } from "./alloc";
import { bytesEqual, copySmall, hostHash } from "./bytes";
import { writeSample } from "./chunk";
import { WRITE_NO_ROOM, WRITE_OK } from "./chunk-header";
import { HOST_ADMITTED, HOST_OVER_LIMIT, hostSetAdmit, hostSetReset } from "./host-set";
import { childAt, childCount, childOrCreate, nameLen, namePtr, root, seriesSlot } from "./level";
import {
  LINE_EOF, LINE_ERROR, LINE_SKIP, LINE_UNSAFE_NAME, lineClusterLen, lineClusterPtr, lineFirst, lineHasTs,
  lineHostLen, lineHostPtr, lineMetric, lineNo, lineRanIntoEnd, lineStartPos, lineTs, lineValue, parseLine, parserContinue,
  parserStart, setDefaultCluster, subBuf, subLen, typeBuf, typeLen,
} from "./lineproto";
import { metricCount, metricFreq } from "./metrics";
import { walAppend, walEnabled, walFlushDue, walReserve } from "./wal";

export const ST_DONE: i32 = 0;
export const ST_FLUSH: i32 = 1;
export const ST_ERROR: i32 = 2;

export let shardIndex: u32 = 0;
export let shardCount: u32 = 1;

export let accepted: u32 = 0;
export let skipped: u32 = 0;

// Reasons of rejection, as src/engine/store.ts names them ('malformed' is the parse error).
export const R_UNSAFE_NAME: i32 = 1;
export const R_TOO_OLD: i32 = 2;
export const R_TOO_NEW: i32 = 3;
export const R_NO_SLOT: i32 = 4;
export const R_STORE_FULL: i32 = 5;
export const R_TOO_MANY_HOSTS: i32 = 6;
export const REJECT_REASONS: i32 = 7;
/** u32 count per reason (index 0 unused). */
export const rejectCounts: usize = memory.data(REJECT_REASONS * 4);
/** The first REJECT_LISTED rejections of the call in this shard: u32 line, u32 reason. */
export const REJECT_LISTED: u32 = 10;
export const rejectList: usize = memory.data(REJECT_LISTED * 8);
export let rejectListed: u32 = 0;

export function setShards(index: u32, count: u32): void {
  shardIndex = index;
  shardCount = count == 0 ? 1 : count;
}

export function resetCounters(): void {
  accepted = 0;
  skipped = 0;
  memory.fill(rejectCounts, 0, REJECT_REASONS * 4);
  rejectListed = 0;
}

function reject(reason: i32, line: u32): void {
  const at = rejectCounts + (<usize>reason << 2);
  store<u32>(at, load<u32>(at) + 1);
  if (rejectListed < REJECT_LISTED) {
    const e = rejectList + (<usize>rejectListed << 3);
    store<u32>(e, line);
    store<u32>(e, <u32>reason, 4);
    rejectListed++;
  }
}

// ---- limits of a call (StoreOptions.ingestWindow, maxHostsPerBody) ----

let windowOn = false;
let windowPast: i64 = 0;
let windowFuture: i64 = 0;
// A sample is inside when ts - windowLo, unsigned, is at most windowSpan: one compare per line.
let windowLo: i64 = i64.MIN_VALUE;
let windowSpan: u64 = u64.MAX_VALUE;
let maxHosts: u32 = 0;

/** Samples before now - past or after now + future are rejected; negative: no window. */
export function setIngestWindow(past: i64, future: i64): void {
  windowOn = past >= 0 && future >= 0;
  windowPast = past;
  windowFuture = future;
}

/** Distinct hosts one body may hold; 0: no limit. */
export function setMaxHosts(n: u32): void {
  maxHosts = n;
}

// ---- writing one sample into a level of a host this shard owns ----

export function storeSample(host: usize, level: usize, metric: i32, ts: i64, value: f32, logWal: bool, line: u32): void {
  // A level that could not be created, like every failure but WRITE_NO_ROOM, is memory running out.
  if (level == 0) {
    reject(R_STORE_FULL, line);
    return;
  }
  if (logWal && walEnabled && !walReserve(metric, level, host)) {
    reject(R_STORE_FULL, line);
    return;
  }
  const slot = seriesSlot(level, metric, true);
  if (slot == 0) {
    reject(R_STORE_FULL, line);
    return;
  }
  const r = writeSample(slot, metricFreq(metric), ts, value);
  if (r == WRITE_OK) {
    accepted++;
    if (logWal && walEnabled) walAppend(host, metric, ts, value);
  } else {
    reject(r == WRITE_NO_ROOM ? R_NO_SLOT : R_STORE_FULL, line);
  }
}

export function hostLevel(cPtr: usize, cLen: usize, hPtr: usize, hLen: usize): usize {
  const cluster = childOrCreate(root, cPtr, cLen);
  if (cluster == 0) return 0;
  return childOrCreate(cluster, hPtr, hLen);
}

// Consecutive lines often name the sub-levels of a host in the order they
// were made (hwthread0, hwthread1, ...): the child after the last one found
// is tried before the name is looked up.
let nextParent: usize = 0;
let nextIndex: u32 = 0;

function childInOrder(l: usize, ptr: usize, len: usize): usize {
  const n = childCount(l);
  if (l == nextParent && nextIndex < n) {
    const c = childAt(l, nextIndex);
    if (nameLen(c) == len && bytesEqual(namePtr(c), ptr, len)) {
      nextIndex++;
      return c;
    }
  }
  const c = childOrCreate(l, ptr, len);
  nextParent = l;
  // The index is known when the child is new or the first; else no guess next time.
  if (c != 0 && childCount(l) > n) nextIndex = n + 1;
  else if (c != 0 && n != 0 && childAt(l, 0) == c) nextIndex = 1;
  else nextParent = 0;
  return c;
}

function pathLevel(host: usize, tPtr: usize, tLen: usize, sPtr: usize, sLen: usize): usize {
  if (host == 0 || tLen == 0) return host;
  const l1 = childInOrder(host, tPtr, tLen);
  if (l1 == 0 || sLen == 0) return l1;
  return childOrCreate(l1, sPtr, sLen);
}

// ---- outboxes (only the parsing shard has them) ----

const OUTBOX_FLUSH_BYTES: usize = 1 << 20;
const MAX_SHARDS: u32 = 256;
const outPtrs: usize = memory.data(MAX_SHARDS * 4);
const outCaps: usize = memory.data(MAX_SHARDS * 4);
const outLens: usize = memory.data(MAX_SHARDS * 4);
const outHostEpoch: usize = memory.data(MAX_SHARDS * 4);
const outPathEpoch: usize = memory.data(MAX_SHARDS * 4);

export function outboxPtr(shard: u32): usize {
  return <usize>load<u32>(outPtrs + (<usize>shard << 2));
}
export function outboxLen(shard: u32): usize {
  return <usize>load<u32>(outLens + (<usize>shard << 2));
}
export function outboxClear(): void {
  memory.fill(outLens, 0, MAX_SHARDS * 4);
  // The shards apply each outbox on its own, from no host: the next sample to
  // any of them names its host (and path) again, even in the middle of a host.
  hostEpoch++;
}

function outboxReserve(shard: u32, n: usize): usize {
  const at = <usize>shard << 2;
  const len = <usize>load<u32>(outLens + at);
  const cap = <usize>load<u32>(outCaps + at);
  let ptr = <usize>load<u32>(outPtrs + at);
  if (len + n > cap) {
    ptr = growScratch(ptr, cap, len, len + n, 65536);
    if (ptr == 0) return 0;
    store<u32>(outPtrs + at, <u32>ptr);
    store<u32>(outCaps + at, <u32>grownScratchCap);
  }
  return ptr + len;
}

function outboxCommit(shard: u32, n: usize): void {
  const at = outLens + (<usize>shard << 2);
  store<u32>(at, load<u32>(at) + <u32>n);
}

const REC_HOST: u8 = 1;
const REC_PATH: u8 = 2;
const REC_SAMPLE: u8 = 3;

// ---- the parse loop ----

// Names compared and copied here all lie where 16 bytes may be read: the
// padded input, the 256-byte buffers below, the type buffers (64 bytes at least).
// @ts-ignore: decorator
@inline function sameBytes(a: usize, b: usize, len: usize): bool {
  if (len > 16) return bytesEqual(a, b, len);
  const keep: u32 = (<u32>1 << <u32>len) - 1;
  return (~<u32>i8x16.bitmask(i8x16.eq(v128.load(a), v128.load(b))) & keep) == 0;
}

/** Into a 256-byte buffer (with room for a 16-byte store at the end of the name). */
// @ts-ignore: decorator
@inline function copyName(dst: usize, src: usize, len: usize): void {
  if (len <= 16) v128.store(dst, v128.load(src));
  else copySmall(dst, src, len);
}

let now: i64 = 0;
let prevCPtr: usize = 0;
let prevCLen: usize = 0xffffffff;
let prevHPtr: usize = 0;
let prevHLen: usize = 0;
/** The shard owning the current host, or NO_SHARD when its lines are rejected (curHostReject says why). */
let curShard: u32 = 0;
const NO_SHARD: u32 = 0xffffffff;
let curHost: usize = 0;
let curHostReject: i32 = 0;
let hostEpoch: u32 = 0;
let pathEpoch: u32 = 0;
const prevType: usize = memory.data(256);
let prevTypeLen: usize = 0xffffffff;
const prevSub: usize = memory.data(256);
let prevSubLen: usize = 0;
let curLevel: usize = 0;

// ---- a body in pieces ----
// A body comes in pieces of a few MiB (src/engine/store.ts), each but the
// last ending with a newline, so the input buffer stays small whatever the
// body. The call goes on from piece to piece as if it were one input: counts,
// line numbers, the hosts seen, the previous line's host and path. A line
// that runs into the end of a piece (a quoted string with a newline in it, a
// line longer than the piece) is not read there: the next piece starts with
// it (pieceConsumed says where).

let pieceStart: usize = 0;
let pieceLen: usize = 0;
let pieceLast = true;
/** Bytes of the piece read when ST_DONE came; the next piece starts after them. */
export let pieceConsumed: usize = 0;
/** The number of the first line of the next piece. */
let nextLine: i32 = 1;
// The previous line's cluster and host, kept when the piece they point into is replaced (names are at most 255 bytes).
const keptCluster: usize = memory.data(256);
const keptHost: usize = memory.data(256);

function startPiece(ptr: usize, len: usize, last: bool): void {
  pieceStart = ptr;
  pieceLen = len;
  pieceLast = last;
  pieceConsumed = 0;
}

/** ST_DONE at the end of a piece that is not the last: the previous line's names move out of the input. */
function endPiece(consumed: usize, line: i32): i32 {
  pieceConsumed = consumed;
  nextLine = line;
  if (prevCLen != 0xffffffff) {
    memory.copy(keptCluster, prevCPtr, prevCLen);
    memory.copy(keptHost, prevHPtr, prevHLen);
    prevCPtr = keptCluster;
    prevHPtr = keptHost;
  }
  return ST_DONE;
}

/** The next piece of the call's body at ptr, with the default cluster (copied again) at cPtr. */
export function ingestNext(ptr: usize, len: usize, cPtr: usize, cLen: usize, last: bool): void {
  parserContinue(ptr, len, nextLine);
  setDefaultCluster(cPtr, cLen);
  startPiece(ptr, len, last);
}

export function ingestStart(ptr: usize, len: usize, cPtr: usize, cLen: usize, nowSec: i64, last: bool): void {
  parserStart(ptr, len);
  setDefaultCluster(cPtr, cLen);
  startPiece(ptr, len, last);
  now = nowSec;
  windowLo = windowOn ? nowSec - windowPast : i64.MIN_VALUE;
  windowSpan = windowOn ? <u64>(windowPast + windowFuture) : u64.MAX_VALUE;
  prevCLen = 0xffffffff;
  prevTypeLen = 0xffffffff;
  curHost = 0;
  curHostReject = 0;
  curLevel = 0;
  if (maxHosts != 0) hostSetReset();
  hostEpoch++;
  pathEpoch++;
  linePending = false;
  outboxClear();
}

// A line parsed before the last ST_FLUSH and not yet stored.
let linePending = false;

/**
 * Parses until the input ends (ST_DONE), an outbox or the WAL records need
 * emptying (ST_FLUSH) or a line is malformed (ST_ERROR).
 */
export function ingestRun(): i32 {
  while (true) {
    if (linePending) {
      linePending = false;
    } else {
      const r = parseLine();
      if (r == LINE_EOF) return pieceLast ? ST_DONE : endPiece(pieceLen, lineNo);
      // More input could change this line: it is read again with the next piece.
      if (!pieceLast && lineRanIntoEnd()) return endPiece(lineStartPos - pieceStart, lineFirst);
      if (r == LINE_ERROR) return ST_ERROR;
      if (r == LINE_SKIP) {
        skipped++;
        continue;
      }
      if (r == LINE_UNSAFE_NAME) {
        reject(R_UNSAFE_NAME, <u32>lineFirst);
        continue;
      }
    }
    const ts = lineHasTs ? lineTs : now;
    // Outside the window nothing of the line is created, not even its host.
    if (<u64>(ts - windowLo) > windowSpan) {
      reject(ts < windowLo ? R_TOO_OLD : R_TOO_NEW, <u32>lineFirst);
      continue;
    }
    if (lineClusterLen != prevCLen || lineHostLen != prevHLen ||
      !sameBytes(lineClusterPtr, prevCPtr, lineClusterLen) || !sameBytes(lineHostPtr, prevHPtr, lineHostLen)) {
      // Between hosts, WAL records past 2 MiB go to the caller: the record
      // buffer stays small whatever the body.
      if (walFlushDue()) {
        linePending = true;
        return ST_FLUSH;
      }
      prevCPtr = lineClusterPtr;
      prevCLen = lineClusterLen;
      prevHPtr = lineHostPtr;
      prevHLen = lineHostLen;
      hostEpoch++;
      prevTypeLen = 0xffffffff;
      const hash: u32 = shardCount == 1 && maxHosts == 0 ? 0 : hostHash(lineClusterPtr, lineClusterLen, lineHostPtr, lineHostLen);
      curHostReject = 0;
      if (maxHosts != 0) {
        const admitted = hostSetAdmit(hash, lineClusterPtr, lineClusterLen, lineHostPtr, lineHostLen, maxHosts);
        if (admitted != HOST_ADMITTED) curHostReject = admitted == HOST_OVER_LIMIT ? R_TOO_MANY_HOSTS : R_STORE_FULL;
      }
      curShard = curHostReject != 0 ? NO_SHARD : shardCount == 1 ? 0 : hash % shardCount;
      curHost = curShard == shardIndex ? hostLevel(lineClusterPtr, lineClusterLen, lineHostPtr, lineHostLen) : 0;
    }
    if (typeLen != prevTypeLen || subLen != prevSubLen || !sameBytes(typeBuf, prevType, typeLen) ||
      !sameBytes(subBuf, prevSub, subLen)) {
      copyName(prevType, typeBuf, typeLen);
      prevTypeLen = typeLen;
      copyName(prevSub, subBuf, subLen);
      prevSubLen = subLen;
      pathEpoch++;
      curLevel = curShard == shardIndex ? pathLevel(curHost, typeBuf, typeLen, subBuf, subLen) : 0;
    }
    if (curShard == shardIndex) {
      storeSample(curHost, curLevel, lineMetric, ts, lineValue, true, <u32>lineFirst);
      continue;
    }
    if (curShard == NO_SHARD) {
      reject(curHostReject, <u32>lineFirst);
      continue;
    }
    if (!sendSample(curShard, ts)) {
      reject(R_STORE_FULL, <u32>lineFirst);
      continue;
    }
    if (outboxLen(curShard) >= OUTBOX_FLUSH_BYTES) return ST_FLUSH;
  }
  return ST_DONE;
}

function sendSample(shard: u32, ts: i64): bool {
  const at = <usize>shard << 2;
  let need: usize = 19;
  const sendHost = load<u32>(outHostEpoch + at) != hostEpoch;
  const sendPath = sendHost || load<u32>(outPathEpoch + at) != pathEpoch;
  if (sendHost) need += 5 + lineClusterLen + lineHostLen;
  if (sendPath) need += 4 + typeLen + subLen;
  let p = outboxReserve(shard, need);
  if (p == 0) return false;
  const start = p;
  if (sendHost) {
    store<u8>(p, REC_HOST);
    store<u16>(p + 1, <u16>lineClusterLen);
    copySmall(p + 3, lineClusterPtr, lineClusterLen);
    p += 3 + lineClusterLen;
    store<u16>(p, <u16>lineHostLen);
    copySmall(p + 2, lineHostPtr, lineHostLen);
    p += 2 + lineHostLen;
    store<u32>(outHostEpoch + at, hostEpoch);
  }
  if (sendPath) {
    store<u8>(p, REC_PATH);
    const n: u8 = typeLen == 0 ? 0 : subLen == 0 ? 1 : 2;
    store<u8>(p + 1, n);
    p += 2;
    if (n >= 1) {
      store<u8>(p, <u8>typeLen);
      copySmall(p + 1, typeBuf, typeLen);
      p += 1 + typeLen;
    }
    if (n == 2) {
      store<u8>(p, <u8>subLen);
      copySmall(p + 1, subBuf, subLen);
      p += 1 + subLen;
    }
    store<u32>(outPathEpoch + at, pathEpoch);
  }
  store<u8>(p, REC_SAMPLE);
  store<u16>(p + 1, <u16>lineMetric);
  store<i64>(p + 3, ts);
  store<f32>(p + 11, lineValue);
  store<u32>(p + 15, <u32>lineFirst);
  p += 19;
  outboxCommit(shard, p - start);
  return true;
}

/** Applies records from the parsing shard's outbox (copied to ptr). */
export function applyRecords(ptr: usize, len: usize): void {
  let p = ptr;
  const e = ptr + len;
  let host: usize = 0;
  let level: usize = 0;
  while (p < e) {
    const kind = load<u8>(p);
    if (kind == REC_HOST) {
      const cLen = <usize>load<u16>(p + 1);
      const cPtr = p + 3;
      const hLen = <usize>load<u16>(cPtr + cLen);
      const hPtr = cPtr + cLen + 2;
      host = hostLevel(cPtr, cLen, hPtr, hLen);
      level = host;
      p = hPtr + hLen;
    } else if (kind == REC_PATH) {
      const n = load<u8>(p + 1);
      p += 2;
      level = host;
      for (let i: u8 = 0; i < n; i++) {
        const l = <usize>load<u8>(p);
        if (level != 0) level = childOrCreate(level, p + 1, l);
        p += 1 + l;
      }
    } else {
      const metric = <i32>load<u16>(p + 1);
      const ts = load<i64>(p + 3);
      const value = load<f32>(p + 11);
      const line = load<u32>(p + 15);
      p += 19;
      // Metric ids come from the parsing shard's table, the same as this one's: always known.
      if (metric < metricCount) storeSample(host, level, metric, ts, value, true, line);
      else reject(R_STORE_FULL, line);
    }
  }
}
