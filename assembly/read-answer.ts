// A single series' entry written as it is read: the values go from the
// chunks' f32 (a page, or a sealed chunk's decoding) straight into the
// answer's text, their statistics gathered on the way, instead of into the
// f64 copy that writeValuesOnly reads back and converts to f32 again. The
// same walk as read.ts readSeries (its slots, its NaN for missing ones, its
// range), so the same entry; query.ts answerSeries takes it only where
// nothing but the values' text would differ (no LTTB, no scale, no pieces,
// within the points left) and falls back to the usual way otherwise.
import { cCap, cLen, cNext, cStart } from "./chunk-header";
import { putNulls, writeF32Values } from "./out";
import { walkBack, walkFrom } from "./read";
import { readStatsOn, runStats } from "./read-stats";
import { runEnd, valueRun } from "./seal";

/** The range of the last writeSeriesValues (read.ts readFrom/readTo of the same read). */
export let seriesFrom: i64 = 0;
export let seriesTo: i64 = 0;

/**
 * readSeries(head, from, to, f, true, limit) writing each slot's text with
 * its comma (room for 25 bytes a slot reserved: `limit` of them at most),
 * and with readStatsOn the statistics. Returns the count of slots.
 */
export function writeSeriesValues(head: usize, from: i64, to: i64, f: i64, limit: i32): i32 {
  let b = walkBack(head, from, f / 2);
  const actualFrom = walkFrom;
  let i: i32 = 0;
  let t = actualFrom;
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
      putNulls(1);
    } else if (t < start) {
      putNulls(1);
    } else {
      let steps = (to - t + f - 1) / f;
      const avail = len - idx;
      if (steps > avail) steps = avail;
      if (steps > <i64>(limit - i)) steps = <i64>(limit - i);
      let k = <i32>idx;
      const kEnd = k + <i32>steps;
      while (k < kEnd) {
        // A page of a raw chunk, or the rest of a sealed one decoded: written before the next run is asked for.
        const src = valueRun(b, k, kEnd);
        const runStop = runEnd;
        if (readStatsOn) runStats(src, runStop - k);
        writeF32Values(src, runStop - k);
        i += runStop - k;
        k = runStop;
      }
      t += steps * f;
      continue;
    }
    i++;
    t += f;
  }
  seriesFrom = actualFrom;
  seriesTo = t;
  return i;
}
