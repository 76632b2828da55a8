// Reading over [from, to) and aggregating several series, as the reference's
// buffer.read and MemoryStore.Read do it, alignment errors included.
import { C_LEN, cCap, cLen, cNext, cPrev, cSealed, cStart, PAGE_SLOTS } from "./chunk-header";
import { compressionOn, runEnd, valueRun } from "./seal";
import { addValues, rollupBudget, rollupSums } from "./rollup";
import { addRawStretch, addStretch, buildPieces, oddCount, oddEmit, rawGroup, readPieces, resetOdd, startOdd } from "./lockstep-pieces";
import { AGG_AVG, AGG_SUM, metricAgg, metricFreq } from "./metrics";
import { ensure, Region } from "./scratch";
import { addValuesStats, readStatsOn } from "./read-stats";

export const R_OK: i32 = 0;
export const R_NOT_FOUND: i32 = 1;
export const R_BAD_RANGE: i32 = 2;
export const R_UNKNOWN_METRIC: i32 = 3;
export const R_MISSING_FRONT: i32 = 4;
export const R_MISSING_BACK: i32 = 5;
export const R_LEN_MISMATCH: i32 = 6;
export const R_BAD_AGGREGATION: i32 = 7;
export const R_BAD_RESOLUTION: i32 = 8;
export const R_TOO_MANY_POINTS: i32 = 9;
export const R_NO_MEMORY: i32 = 10;

/** Upper bound of points one answer may hold (2^25, 256 MiB of 64-bit values). */
export const MAX_POINTS: i64 = 1 << 25;

/** The values of the last read (f64 each), their count and actual range. */
export const data = changetype<Region>(memory.data(8));
export let dataLen: i32 = 0;
export let readFrom: i64 = 0;
export let readTo: i64 = 0;

// @ts-ignore: decorator
@inline function dataAt(i: i32): usize {
  return data.ptr + (<usize>i << 3);
}

/** Walks back from the newest chunk to the one covering `from`; returns it and sets walkFrom. */
export let walkFrom: i64 = 0;
/** How many chunks before the head the chunk walkBack returned lies. */
let walkSteps: i32 = 0;
export function walkBack(head: usize, from: i64, half: i64): usize {
  let b = head;
  walkFrom = from;
  walkSteps = 0;
  while (walkFrom < cStart(b) + half) {
    const prev = cPrev(b);
    if (prev == 0) {
      walkFrom = cStart(b) + half;
      break;
    }
    b = prev;
    walkSteps++;
  }
  return b;
}

/** Points a read of this series over [from, to) can produce at most. Inlined: a call of it cost readLockstep some 370 instructions a query in V8's code. */
// @ts-ignore: decorator
@inline export function pointBound(head: usize, from: i64, to: i64, f: i64): i64 {
  walkBack(head, from, f / 2);
  const start = walkFrom;
  if (to <= start) return 0;
  const headEnd = cStart(head) + <i64>cLen(head) * f + f;
  const limit = to < headEnd ? to : headEnd;
  if (limit <= start) return 1;
  return (limit - start + f - 1) / f + 1;
}

/**
 * buffer.read: values of one series over [from, to) added into data[0..];
 * `first` stores (0 + v) instead of adding. Sets readFrom/readTo, returns the count.
 */
function readSeries(head: usize, from: i64, to: i64, f: i64, first: bool, limit: i32): i32 {
  let b = walkBack(head, from, f / 2);
  const actualFrom = walkFrom;
  let i: i32 = 0;
  let t = actualFrom;
  const nan: f64 = NaN;
  while (t < to && i < limit) {
    let start = cStart(b);
    let idx = (t - start) / f;
    if (idx >= <i64>cCap(b)) {
      const next = cNext(b);
      if (next == 0) break;
      b = next;
      start = cStart(b);
      idx = (t - start) / f;
    }
    const len = <i64>cLen(b);
    if (idx >= len) {
      const next = cNext(b);
      if (next == 0 || to <= cStart(next)) break;
      if (first) store<f64>(dataAt(i), nan);
      else store<f64>(dataAt(i), load<f64>(dataAt(i)) + nan);
    } else if (t < start) {
      if (first) store<f64>(dataAt(i), nan);
      else store<f64>(dataAt(i), load<f64>(dataAt(i)) + nan);
    } else {
      // A run of written slots: idx, idx+1, ... as t advances by f.
      let steps = (to - t + f - 1) / f;
      const avail = len - idx;
      if (steps > avail) steps = avail;
      if (steps > <i64>(limit - i)) steps = <i64>(limit - i);
      let k = <i32>idx;
      const kEnd = k + <i32>steps;
      while (k < kEnd) {
        // A page of a raw chunk, or the rest of a sealed one decoded.
        const src = valueRun(b, k, kEnd);
        const runStop = runEnd;
        if (readStatsOn) addValuesStats(src, dataAt(i), runStop - k);
        else addValues(src, dataAt(i), runStop - k, first);
        i += runStop - k;
        k = runStop;
      }
      t += steps * f;
      continue;
    }
    i++;
    t += f;
  }
  readFrom = actualFrom;
  readTo = t;
  return i;
}

// ---- lockstep: the series of an aggregate read in step, chunk by chunk ----
//
// The series of one host's hwthreads (or sockets, ...) are written together,
// so their chunks mostly start, end and hold data at the same slots. Then
// every series' read walks the same stretches of data, and instead of series
// after series the read goes stretch after stretch, adding the series in
// their order for each stretch: every slot gets the same additions in the
// same order, so the sums are bit for bit those of readSeries. A stretch
// whose chunks are all sealed comes from the rollup cache (rollup.ts): no
// decoding, no adding. A series whose stretches differ from series 0's (a
// chunk started a slot late) is planned on its own and the read goes piece
// by piece (lockstep-pieces.ts); a read readAggregate would adjust or refuse
// (another span or count) is left to the series by series path, which alone
// decides errors.

/** Stretches of series 0: u32 i, u32 m, u32 k, u32 chunk (0: m missing slots). Data slots [i, i+m) from slots [k, k+m) of the chunk. */
const segs = changetype<Region>(memory.data(8));
let segCount: i32 = 0;
/** For each stretch, the chunk of every series: members[r * n + s]. */
const members = changetype<Region>(memory.data(8));
/** Planning series s > 0: its stretch r is compared with series 0's; false at the first difference. */
let planSeries0 = true;
let planN: i32 = 0;
let planS: i32 = 0;
let planR: i32 = 0;
let planOk = true;
/** planSeries for its count and span alone (alignmentError): nothing emitted. */
let planSpanOnly = false;
/** Planning a series that is not in step with series 0: its stretches go to its own list (lockstep-pieces.ts). */
let planOdd = false;
let nanFrom: i32 = 0;
let nanCount: i32 = 0;
/** The last in-step series' plan (series 1's unless it is odd): for each stretch, how many chunks before the head its chunk lies; and the chunks it walked (head and back). */
const segDepth = changetype<Region>(memory.data(8));
let planChain: i32 = 0;
/**
 * The reference chain (the first in-step series past 0, series 1 unless it is odd) from its head back over the chunks its plan walked, one
 * 16-byte record a chunk: i64 start, u32 length and capacity (C_LEN and
 * C_CAP), u32 the byte offset in `members` of the row of the stretch read
 * from that chunk (none: the spare row past the last).  A series with that shape plans as that one did
 * (followsChain).
 */
const refChain = changetype<Region>(memory.data(8));
/** Whether the last chunk of refChain has an older one. */
let refHasPrev = false;
/** Past this many members (n x stretches), the read goes series by series (bounded scratch). */
// @ts-ignore: decorator
@inline const MAX_MEMBERS: i64 = 1 << 20;

function emit(i: i32, m: i32, k: i32, c: usize, depth: i32): void {
  if (!planOk || planSpanOnly) return;
  if (planOdd) {
    if (!oddEmit(i, m, k, c)) planOk = false;
    return;
  }
  if (planSeries0) {
    if (!ensure(segs, <usize>(segCount + 1) << 4, <usize>segCount << 4)) {
      planOk = false;
      return;
    }
    const p = segs.ptr + (<usize>segCount << 4);
    store<u32>(p, <u32>i);
    store<u32>(p, <u32>m, 4);
    store<u32>(p, <u32>k, 8);
    store<u32>(p, <u32>c, 12);
    segCount++;
    return;
  }
  if (planR >= segCount) {
    planOk = false;
    return;
  }
  const p = segs.ptr + (<usize>planR << 4);
  if (<i32>load<u32>(p) != i || <i32>load<u32>(p, 4) != m || <i32>load<u32>(p, 8) != k || (load<u32>(p, 12) == 0) != (c == 0)) {
    planOk = false;
    return;
  }
  store<u32>(members.ptr + ((<usize>planR * <usize>planN + <usize>planS) << 2), <u32>c);
  store<u32>(segDepth.ptr + (<usize>planR << 2), <u32>depth);
  planR++;
}

// @ts-ignore: decorator
@inline function flushNaN(): void {
  if (nanCount > 0) emit(nanFrom, nanCount, 0, 0, 0);
  nanCount = 0;
}

// @ts-ignore: decorator
@inline function nanSlot(i: i32): void {
  if (nanCount > 0 && nanFrom + nanCount == i) {
    nanCount++;
    return;
  }
  flushNaN();
  nanFrom = i;
  nanCount = 1;
}

/** readSeries without the values: the stretches it would read, to emit(). Sets readFrom/readTo, returns the count. */
function planSeries(head: usize, from: i64, to: i64, f: i64, limit: i32): i32 {
  let b = walkBack(head, from, f / 2);
  const actualFrom = walkFrom;
  let depth = walkSteps;
  planChain = depth + 1;
  let i: i32 = 0;
  let t = actualFrom;
  nanCount = 0;
  while (t < to && i < limit && planOk) {
    let start = cStart(b);
    let idx = (t - start) / f;
    if (idx >= <i64>cCap(b)) {
      const next = cNext(b);
      if (next == 0) break;
      b = next;
      depth--;
      start = cStart(b);
      idx = (t - start) / f;
    }
    const len = <i64>cLen(b);
    if (idx >= len) {
      const next = cNext(b);
      if (next == 0 || to <= cStart(next)) break;
      nanSlot(i);
    } else if (t < start) {
      nanSlot(i);
    } else {
      let steps = (to - t + f - 1) / f;
      const avail = len - idx;
      if (steps > avail) steps = avail;
      if (steps > <i64>(limit - i)) steps = <i64>(limit - i);
      flushNaN();
      emit(i, <i32>steps, <i32>idx, b, depth);
      i += <i32>steps;
      t += steps * f;
      continue;
    }
    i++;
    t += f;
  }
  flushNaN();
  readFrom = actualFrom;
  readTo = t;
  return i;
}

/**
 * refChain of series 1's plan (its chunks at segDepth): false when a chunk
 * would hold two of its stretches (one run of written slots a chunk, as
 * planSeries reads them, so never: then every series is planned).
 */
function keepRefChain(head: usize, count: i32, n: i32): bool {
  if (count <= 0 || !ensure(refChain, <usize>count << 4, 0)) return false;
  const spare = <u32>(<usize>segCount * <usize>n << 2);
  let b = head;
  let p = refChain.ptr;
  for (let j = 0; j < count; j++) {
    if (b == 0) return false;
    store<i64>(p, cStart(b));
    store<u32>(p, load<u32>(b, C_LEN), 8);
    store<u32>(p, spare, 12);
    p += 16;
    refHasPrev = cPrev(b) != 0;
    b = cPrev(b);
  }
  for (let r = 0; r < segCount; r++) {
    if (load<u32>(segs.ptr + (<usize>r << 4), 12) == 0) continue;
    const depth = load<u32>(segDepth.ptr + (<usize>r << 2));
    if (depth >= <u32>count) return false;
    const at = refChain.ptr + (<usize>depth << 4);
    if (load<u32>(at, 12) != spare) return false;
    store<u32>(at, <u32>(<usize>r * <usize>n << 2), 12);
  }
  return true;
}

/**
 * Whether the chain of chunks from `head` back has series 1's shape over the
 * chunks its plan walked (the same starts, capacities and lengths, and the
 * last with an older chunk just when series 1's has one): then a plan over
 * the same range walks both alike, and the series' chunks go straight into
 * its column of `members` (a stretch of missing slots leaves its member as
 * it was: the read never looks at it). One walk, the reference's fields in
 * a table: about a third of the instructions of comparing two chains and
 * filling the members after.
 */
function followsChain(head: usize, count: i32, column: usize): bool {
  let b = head;
  let p = refChain.ptr;
  const end = p + (<usize>count << 4);
  while (p < end) {
    // One test for the three (loads at 0 are in bounds; C_LEN and C_CAP: one
    // u32), and a store that needs none: a chunk no stretch reads from goes
    // to the spare row past the last.
    const differs = (cStart(b) ^ load<i64>(p)) | <i64>(load<u32>(b, C_LEN) ^ load<u32>(p, 8));
    if ((b == 0) | (differs != 0)) return false;
    store<u32>(column + <usize>load<u32>(p, 12), <u32>b);
    b = cPrev(b);
    p += 16;
  }
  return (b != 0) == refHasPrev;
}

/**
 * readAggregate in lockstep (see above), for n > 1; -1 when the series do
 * not read alike (or scratch runs out): then nothing is decided, the caller
 * reads series by series.
 */
function readLockstep(heads: usize, n: i32, metric: i32, fromIn: i64, toIn: i64): i32 {
  const f = metricFreq(metric);
  const head0 = <usize>load<u32>(heads);
  const bound = pointBound(head0, fromIn, toIn, f);
  if (bound > MAX_POINTS) return -1;
  if (!ensure(data, <usize>(bound + 1) << 3, 0)) return -1;
  planOk = true;
  planSeries0 = true;
  segCount = 0;
  const len = planSeries(head0, fromIn, toIn, f, <i32>bound + 1);
  const from = readFrom;
  const to = readTo;
  if (!planOk || <i64>n * <i64>segCount > MAX_MEMBERS) return -1;
  // And a spare row (followsChain).
  if (!ensure(members, <usize>n * <usize>(segCount + 1) << 2, 0)) return -1;
  for (let r = 0; r < segCount; r++) {
    store<u32>(members.ptr + (<usize>r * <usize>n << 2), load<u32>(segs.ptr + (<usize>r << 4), 12));
  }
  if (!ensure(segDepth, <usize>segCount << 2, 0)) return -1;
  planSeries0 = false;
  planN = n;
  resetOdd();
  let chain1: i32 = 0;
  let chainTried = false;
  for (let s = 1; s < n; s++) {
    const head = <usize>load<u32>(heads + (<usize>s << 2));
    // A series whose chunks are the first in-step series' in shape plans as
    // that one did (the plan reads nothing else): its chunks at its depths.
    if (chain1 > 0 && followsChain(head, chain1, members.ptr + (<usize>s << 2))) continue;
    planS = s;
    planR = 0;
    let clen = planSeries(head, from, to, f, len);
    if (!planOk || planR != segCount) {
      // Not in step (a chunk started a slot late, a missing slot at a chunk's end): planned on its own.
      planOk = true;
      planOdd = true;
      if (!startOdd(s)) planOk = false;
      else clen = planSeries(head, from, to, f, len);
      planOdd = false;
      if (!planOk || clen != len || readFrom != from || readTo != to) return -1;
      continue;
    }
    if (clen != len || readFrom != from || readTo != to) return -1;
    if (!chainTried && s < n - 1) {
      chainTried = true;
      if (keepRefChain(head, planChain, n)) chain1 = planChain;
    }
  }
  if (oddCount > 0) {
    if (!buildPieces(segs.ptr, segCount, members.ptr, n, len)) return -1;
    readPieces(data.ptr, n);
    return lockstepDone(n, metric, len, from, to);
  }
  const nan: f64 = NaN;
  for (let r = 0; r < segCount; r++) {
    const p = segs.ptr + (<usize>r << 4);
    const i = <i32>load<u32>(p);
    const m = <i32>load<u32>(p, 4);
    const k = <i32>load<u32>(p, 8);
    const dst = dataAt(i);
    const group = members.ptr + (<usize>r * <usize>n << 2);
    if (load<u32>(p, 12) == 0) {
      // Every child misses these slots, and NaN plus NaN is NaN: one store each.
      for (let j = 0; j < m; j++) store<f64>(dst + (<usize>j << 3), nan);
      continue;
    }
    const clen = cLen(<usize>load<u32>(group));
    // Sealed in every child, with series 0's length: the cache's sums.
    const sums = rollupSums(group, n, clen);
    if (sums != 0) {
      memory.copy(dst, sums + (<usize>k << 3), <usize>m << 3);
      continue;
    }
    if (rawGroup(group, n)) {
      addRawStretch(group, n, k, k + m, dst);
      continue;
    }
    for (let s = 0; s < n; s++) addStretch(<usize>load<u32>(group + (<usize>s << 2)), k, k + m, dst, s == 0);
  }
  return lockstepDone(n, metric, len, from, to);
}

/** The end of readLockstep: the sums of n children as readAggregate answers them. */
function lockstepDone(n: i32, metric: i32, len: i32, from: i64, to: i64): i32 {
  const agg = metricAgg(metric);
  if (agg == AGG_AVG) {
    const normalize: f64 = 1.0 / <f64>n;
    for (let i = 0; i < len; i++) store<f64>(dataAt(i), load<f64>(dataAt(i)) * normalize);
  } else if (agg != AGG_SUM) {
    return R_BAD_AGGREGATION;
  }
  dataLen = len;
  readFrom = from;
  readTo = to;
  return R_OK;
}

/**
 * MemoryStore.Read over the series heads in `heads[0..n)` (already gathered
 * by the selector). Leaves the result in data[0..dataLen) with readFrom/readTo.
 */
export function readAggregate(heads: usize, n: i32, metric: i32, fromIn: i64, toIn: i64): i32 {
  if (n == 0) return R_NOT_FOUND;
  if (n > 1 && compressionOn && rollupBudget != 0) {
    const r = readLockstep(heads, n, metric, fromIn, toIn);
    if (r >= 0) return r;
  }
  const f = metricFreq(metric);
  let from = fromIn;
  let to = toIn;
  let len: i32 = 0;
  for (let s = 0; s < n; s++) {
    const head = <usize>load<u32>(heads + (<usize>s << 2));
    if (s == 0) {
      const bound = pointBound(head, from, to, f);
      if (bound > MAX_POINTS) return R_TOO_MANY_POINTS;
      if (!ensure(data, <usize>(bound + 1) << 3, 0)) return R_NO_MEMORY;
      if (n > 1 && compressionOn) {
        const e = alignmentError(heads, n, f, from, to, <i32>bound + 1);
        if (e != R_OK) return e;
      }
      len = readSeries(head, from, to, f, true, <i32>bound + 1);
      from = readFrom;
      to = readTo;
      continue;
    }
    const clen = readSeries(head, from, to, f, false, len);
    const cfrom = readFrom;
    const cto = readTo;
    if (from != cfrom || to != cto || len != clen) {
      const missingFront = (from - cfrom) / f;
      if (missingFront != 0) return R_MISSING_FRONT;
      const missingBack = (to - cto) / f;
      const newLen = <i64>clen - missingBack;
      if (newLen < 1) return R_MISSING_BACK;
      if (newLen != <i64>len) return R_LEN_MISMATCH;
      from = cfrom;
      to = cto;
    }
  }
  if (n > 1) {
    const agg = metricAgg(metric);
    if (agg == AGG_AVG) {
      const normalize: f64 = 1.0 / <f64>n;
      for (let i = 0; i < len; i++) store<f64>(dataAt(i), load<f64>(dataAt(i)) * normalize);
    } else if (agg != AGG_SUM) {
      return R_BAD_AGGREGATION;
    }
  }
  dataLen = len;
  readFrom = from;
  readTo = to;
  return R_OK;
}

/**
 * The error readAggregate's series-by-series loop below would return for
 * children that do not align (R_OK when none), found from the children's
 * spans alone: planSeries counts exactly as readSeries reads, without the
 * values. With compression on, reading a child decodes its sealed chunks,
 * and a realistic host's aggregate that ends in such an error (a hwthread
 * missing the first or last sample) decoded every child before the one
 * that differs, only to throw the sums away.
 */
function alignmentError(heads: usize, n: i32, f: i64, fromIn: i64, toIn: i64, limit: i32): i32 {
  planSpanOnly = true;
  planOk = true;
  let from = fromIn;
  let to = toIn;
  const len = planSeries(<usize>load<u32>(heads), from, to, f, limit);
  from = readFrom;
  to = readTo;
  let r = R_OK;
  for (let s = 1; s < n; s++) {
    const clen = planSeries(<usize>load<u32>(heads + (<usize>s << 2)), from, to, f, len);
    const cfrom = readFrom;
    const cto = readTo;
    if (from != cfrom || to != cto || len != clen) {
      if ((from - cfrom) / f != 0) {
        r = R_MISSING_FRONT;
        break;
      }
      const newLen = <i64>clen - (to - cto) / f;
      if (newLen < 1) {
        r = R_MISSING_BACK;
        break;
      }
      if (newLen != <i64>len) {
        r = R_LEN_MISMATCH;
        break;
      }
      from = cfrom;
      to = cto;
    }
  }
  planSpanOnly = false;
  return r;
}
