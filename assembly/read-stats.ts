// The statistics of a single series' read gathered while it is read: an
// answer with stats and without data then needs no second pass over the
// values (valueStats). readSeries stores 0 + v of each run's f32 values as
// always, and adds each to the same state valueStats keeps, in slot order:
// the sum in lane 0 of `acc` (a run that turns it NaN is added again from
// what it stored, its NaN lanes zeroed and counted out), the minimum and
// maximum per lane, each lane in slot order (out.ts, valueStats, says why
// each is exact). A value read is 0 + v, never -0, so a minimum or maximum
// that is a zero is +0: the end says so, whatever the lanes hold (runStats
// compares the values without the + 0). Missing slots readSeries fills
// with NaN are skipped, as valueStats skips them.
import { addInOrder, setStats } from "./out";

/** Set by the query for the next read: gather the statistics on the way. */
export let readStatsOn = false;
let acc: v128 = f64x2.splat(0);
let lo: v128 = f64x2.splat(0);
let hi: v128 = f64x2.splat(0);
let count: i32 = 0;

export function readStatsStart(on: bool): void {
  readStatsOn = on;
  acc = f64x2.splat(0);
  lo = f64x2.splat(f64.MAX_VALUE);
  hi = f64x2.splat(-f64.MAX_VALUE);
  count = 0;
}

/** addValues(src, dst, n, true) and the statistics of the values stored. */
export function addValuesStats(src: usize, dst: usize, n: i32): void {
  gather(src, dst, n, true);
}

/**
 * The statistics of the f32 values src[0..n) as addValuesStats gathers them,
 * nothing stored: read-answer.ts writes their text straight from src.
 */
export function runStats(src: usize, n: i32): void {
  gather(src, 0, n, false);
}

/**
 * The statistics of src[0..n) added, each value's 0 + v stored at dst when
 * `keep`; without, the values themselves are compared and added (-0 adds
 * as +0 to a sum that starts at +0, and a zero extreme is made +0 at the end).
 */
// @ts-ignore: decorator
@inline function gather(src: usize, dst: usize, n: i32, keep: bool): void {
  const zero = f64x2.splat(0);
  const first = src;
  const before = acc;
  let a = acc;
  let l = lo;
  let h = hi;
  let s = 0;
  for (; s + 8 <= n; s += 8) {
    const v = v128.load(src);
    const w = v128.load(src, 16);
    const x0 = read(zero, f64x2.promote_low_f32x4(v), keep);
    const x1 = read(zero, f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)), keep);
    const x2 = read(zero, f64x2.promote_low_f32x4(w), keep);
    const x3 = read(zero, f64x2.promote_low_f32x4(i32x4.shuffle(w, w, 2, 3, 0, 1)), keep);
    if (keep) {
      v128.store(dst, x0);
      v128.store(dst, x1, 16);
      v128.store(dst, x2, 32);
      v128.store(dst, x3, 48);
      dst += 64;
    }
    l = f64x2.pmin(f64x2.pmin(f64x2.pmin(f64x2.pmin(l, x0), x1), x2), x3);
    h = f64x2.pmax(f64x2.pmax(f64x2.pmax(f64x2.pmax(h, x0), x1), x2), x3);
    a = addInOrder(addInOrder(addInOrder(addInOrder(a, x0), x1), x2), x3);
    src += 32;
  }
  for (; s + 4 <= n; s += 4) {
    const v = v128.load(src);
    const x0 = read(zero, f64x2.promote_low_f32x4(v), keep);
    const x1 = read(zero, f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)), keep);
    if (keep) {
      v128.store(dst, x0);
      v128.store(dst, x1, 16);
      dst += 32;
    }
    l = f64x2.pmin(f64x2.pmin(l, x0), x1);
    h = f64x2.pmax(f64x2.pmax(h, x0), x1);
    a = addInOrder(addInOrder(a, x0), x1);
    src += 16;
  }
  if (isNaN(f64x2.extract_lane(a, 0))) {
    // Again from the values read (0 + v, two at a time), NaN lanes zeroed and counted out.
    a = before;
    let counted = i64x2.splat(0);
    for (let k: usize = 0; k < <usize>s << 2; k += 8) {
      const x = f64x2.add(zero, f64x2.promote_low_f32x4(v128.load64_zero(first + k)));
      const present = f64x2.eq(x, x);
      a = addInOrder(a, v128.and(x, present));
      counted = i64x2.add(counted, present);
    }
    count -= <i32>(i64x2.extract_lane(counted, 0) + i64x2.extract_lane(counted, 1));
  } else {
    count += s;
  }
  for (; s < n; s++) {
    const x = 0.0 + <f64>load<f32>(src);
    if (keep) {
      store<f64>(dst, x);
      dst += 8;
    }
    src += 4;
    if (isNaN(x)) continue;
    const x2 = f64x2.splat(x);
    l = f64x2.pmin(l, x2);
    h = f64x2.pmax(h, x2);
    a = f64x2.add(a, x2);
    count++;
  }
  acc = a;
  lo = l;
  hi = h;
}

/** 0 + x (what a read stores) when `keep`, else x (the same but for -0, which the statistics need not tell from 0). */
// @ts-ignore: decorator
@inline function read(zero: v128, x: v128, keep: bool): v128 {
  return keep ? f64x2.add(zero, x) : x;
}

/** Ends the gathering after the read (the statistics stay for readStatsFinish). */
export function readStatsStop(): void {
  readStatsOn = false;
}

/** After readStatsStop: statCount and the others as valueStats of the values read would set them. */
export function readStatsFinish(): void {
  const mn = min(f64x2.extract_lane(lo, 0), f64x2.extract_lane(lo, 1));
  const mx = max(f64x2.extract_lane(hi, 0), f64x2.extract_lane(hi, 1));
  // A zero is +0 in what was read (0 + v), whichever zero a lane kept.
  setStats(count, f64x2.extract_lane(acc, 0), mn == 0 ? 0 : mn, mx == 0 ? 0 : mx);
}
