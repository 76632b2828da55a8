// Reading over [from, to) and aggregating several series, as the reference's
// buffer.read and MemoryStore.Read do it, alignment errors included.
import { cCap, cLen, cNext, cPrev, cStart } from "./chunk-header";
import { runEnd, valueRun } from "./seal";
import { AGG_AVG, AGG_SUM, metricAgg, metricFreq } from "./metrics";
import { ensure, Region } from "./scratch";

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
let walkFrom: i64 = 0;
function walkBack(head: usize, from: i64, half: i64): usize {
  let b = head;
  walkFrom = from;
  while (walkFrom < cStart(b) + half) {
    const prev = cPrev(b);
    if (prev == 0) {
      walkFrom = cStart(b) + half;
      break;
    }
    b = prev;
  }
  return b;
}

/** Points a read of this series over [from, to) can produce at most. */
function pointBound(head: usize, from: i64, to: i64, f: i64): i64 {
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
        let src = valueRun(b, k, kEnd);
        const runStop = runEnd;
        let dst = dataAt(i);
        let s = k;
        // Four slots at a time: two 64-bit lanes per half. 0 + v as in the
        // reference (which adds into zeroed memory): -0 becomes +0.
        const zero = f64x2.splat(0);
        if (first) {
          for (; s + 4 <= runStop; s += 4) {
            const v = v128.load(src);
            v128.store(dst, f64x2.add(zero, f64x2.promote_low_f32x4(v)));
            v128.store(dst, f64x2.add(zero, f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1))), 16);
            src += 16;
            dst += 32;
          }
          for (; s < runStop; s++) {
            store<f64>(dst, 0.0 + <f64>load<f32>(src));
            src += 4;
            dst += 8;
          }
        } else {
          for (; s + 4 <= runStop; s += 4) {
            const v = v128.load(src);
            v128.store(dst, f64x2.add(v128.load(dst), f64x2.promote_low_f32x4(v)));
            v128.store(dst, f64x2.add(v128.load(dst, 16), f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1))), 16);
            src += 16;
            dst += 32;
          }
          for (; s < runStop; s++) {
            store<f64>(dst, load<f64>(dst) + <f64>load<f32>(src));
            src += 4;
            dst += 8;
          }
        }
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

/**
 * MemoryStore.Read over the series heads in `heads[0..n)` (already gathered
 * by the selector). Leaves the result in data[0..dataLen) with readFrom/readTo.
 */
export function readAggregate(heads: usize, n: i32, metric: i32, fromIn: i64, toIn: i64): i32 {
  if (n == 0) return R_NOT_FOUND;
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
