// Largest-Triangle-Three-Buckets downsampling with the rules of cc-lib's
// resampler (validateFrequency and the NaN handling of its LTTB).
import { ensure, Region } from "./scratch";

export const LTTB_UNCHANGED: i32 = 0;
export const LTTB_DONE: i32 = 1;
export const LTTB_BAD_RESOLUTION: i32 = 2;
export const LTTB_NO_MEMORY: i32 = 3;

const MINIMUM_POINTS: i32 = 1000;

export const lttbOut = changetype<Region>(memory.data(8));
export let lttbLen: i32 = 0;

// @ts-ignore: decorator
@inline function at(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}

/**
 * Downsamples data[0..len) (f64) from `oldFreq` to `newFreq` into lttbOut.
 * LTTB_UNCHANGED: keep the data and report oldFreq.
 */
export function lttb(data: usize, len: i32, oldFreq: i64, newFreq: i64): i32 {
  if (oldFreq == 0 || newFreq == 0 || newFreq <= oldFreq) return LTTB_UNCHANGED;
  if (newFreq % oldFreq != 0) return LTTB_BAD_RESOLUTION;
  const step64 = newFreq / oldFreq;
  const newLen64 = <i64>len / step64;
  if (newLen64 == 0 || len < MINIMUM_POINTS || newLen64 >= <i64>len) return LTTB_UNCHANGED;
  const newLen = <i32>newLen64;
  if (!ensure(lttbOut, <usize>(newLen + 2) << 3, 0)) return LTTB_NO_MEMORY;
  const out = lttbOut.ptr;
  let o = 0;

  const bucketSize: f64 = <f64>(len - 2) / <f64>(newLen - 2);
  store<f64>(out, at(data, 0));
  o++;
  let bucketLow = 1;
  let bucketMiddle = <i32>Math.floor(bucketSize) + 1;
  let prevMaxAreaPoint = 0;
  for (let i = 0; i < newLen - 2; i++) {
    let bucketHigh = <i32>Math.floor(<f64>(i + 2) * bucketSize) + 1;
    if (bucketHigh >= len - 1) bucketHigh = len - 2;

    // Average point of the next bucket (NaN if any point in it is NaN).
    let avgX: f64 = 0;
    let avgY: f64 = 0;
    let hasNaN = false;
    let x = <i64>bucketMiddle;
    for (let j = bucketMiddle; j <= bucketHigh; j++) {
      const y = at(data, j);
      avgX += <f64>x;
      avgY += y;
      x++;
      if (isNaN(y)) hasNaN = true;
    }
    const count = <f64>(bucketHigh + 1 - bucketMiddle);
    avgX /= count;
    avgY /= count;
    if (hasNaN) avgY = NaN;

    const pointX = <f64>prevMaxAreaPoint;
    const pointY = at(data, prevMaxAreaPoint);
    let maxArea: f64 = -1.0;
    let maxAreaPoint = 0;
    for (let c = bucketLow; c < bucketMiddle; c++) {
      const area = Math.abs(((pointX - <f64>c) * (avgY - pointY) - (pointX - avgX) * (at(data, c) - pointY)) * 0.5);
      if (area > maxArea || isNaN(area)) {
        maxArea = area;
        maxAreaPoint = c;
      }
    }
    store<f64>(out + (<usize>o << 3), at(data, maxAreaPoint));
    o++;
    prevMaxAreaPoint = maxAreaPoint;
    bucketLow = bucketMiddle;
    bucketMiddle = bucketHigh;
  }
  store<f64>(out + (<usize>o << 3), at(data, len - 1));
  o++;
  lttbLen = o;
  return LTTB_DONE;
}
