// The lockstep read's one stretch the caches cannot serve: the page of the
// newest chunks still being written (72 hwthreads x the slots written since
// the last full page). Series by series (read.ts addStretch) each series'
// run is found (valueRun, a call) and added into the sums in memory, which
// are loaded and stored again for every series: about 6 instructions a
// value. Here the sums of eight slots stay in registers while the series go
// by, each adding its eight values: the same additions in the same order
// (0 + v of the first series, then each next one's, slot by slot), so the
// same bits, in about a third of the instructions.
import { cPage } from "./chunk-header";
import { isPacked } from "./pack";
import { ensure, Region } from "./scratch";

/** The page's values of each series (u32 pointers). */
const pages = changetype<Region>(memory.data(8));

/**
 * Slots [k, kEnd) of page `page` (k and kEnd inside it) of the n raw chunks
 * at group[0..n) added up into the f64 at dst, when that page is raw (not
 * packed) in every chunk; false otherwise (nothing written: the caller adds
 * them series by series, as a packed page's values are decoded into one
 * shared buffer).
 */
export function addRawPage(group: usize, n: i32, page: i32, k: i32, kEnd: i32, dst: usize): bool {
  if (!ensure(pages, <usize>n << 2, 0)) return false;
  const at = pages.ptr;
  const slot = <usize>(k & 63) << 2;
  for (let s = 0; s < n; s++) {
    const p = cPage(<usize>load<u32>(group + (<usize>s << 2)), page);
    if (isPacked(p)) return false;
    store<u32>(at + (<usize>s << 2), <u32>(p + slot));
  }
  addPointed(n, kEnd - k, dst);
  return true;
}

/**
 * addRawPage for children not in step (lockstep-pieces.ts): count slots of
 * the n raw chunks at group[0..n), child s's from page pages[s] at slot
 * offs[s] of it (all inside that page), when each of those pages is raw.
 */
export function addRawPageAt(group: usize, pageOf: usize, offs: usize, n: i32, count: i32, dst: usize): bool {
  if (!ensure(pages, <usize>n << 2, 0)) return false;
  const at = pages.ptr;
  for (let s = 0; s < n; s++) {
    const q = <usize>s << 2;
    const page = load<u32>(pageOf + q);
    // A sealed chunk (rollup-pages-shifted.ts SEALED_PAGE) has no pages.
    if (page == 0xffffffff) return false;
    const p = cPage(<usize>load<u32>(group + q), <i32>page);
    if (isPacked(p)) return false;
    store<u32>(at + q, <u32>(p + (<usize>load<u32>(offs + q) << 2)));
  }
  addPointed(n, count, dst);
  return true;
}

/** count values from each of the n pointers in `pages` added up, slot by slot in the pointers' order, into the f64 at dst. */
// @ts-ignore: decorator
@inline function addPointed(n: i32, count: i32, dst: usize): void {
  const at = pages.ptr;
  const end = at + (<usize>n << 2);
  const zero = f64x2.splat(0);
  let off: usize = 0;
  for (; count >= 8; count -= 8) {
    const first = <usize>load<u32>(at) + off;
    const v = v128.load(first);
    const w = v128.load(first, 16);
    let a = f64x2.add(zero, f64x2.promote_low_f32x4(v));
    let b = f64x2.add(zero, f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)));
    let c = f64x2.add(zero, f64x2.promote_low_f32x4(w));
    let d = f64x2.add(zero, f64x2.promote_low_f32x4(i32x4.shuffle(w, w, 2, 3, 0, 1)));
    for (let q = at + 4; q < end; q += 4) {
      const src = <usize>load<u32>(q) + off;
      const x = v128.load(src);
      const y = v128.load(src, 16);
      a = f64x2.add(a, f64x2.promote_low_f32x4(x));
      b = f64x2.add(b, f64x2.promote_low_f32x4(i32x4.shuffle(x, x, 2, 3, 0, 1)));
      c = f64x2.add(c, f64x2.promote_low_f32x4(y));
      d = f64x2.add(d, f64x2.promote_low_f32x4(i32x4.shuffle(y, y, 2, 3, 0, 1)));
    }
    v128.store(dst, a);
    v128.store(dst, b, 16);
    v128.store(dst, c, 32);
    v128.store(dst, d, 48);
    dst += 64;
    off += 32;
  }
  for (; count > 0; count--) {
    let x: f64 = 0.0 + <f64>load<f32>(<usize>load<u32>(at) + off);
    for (let q = at + 4; q < end; q += 4) x += <f64>load<f32>(<usize>load<u32>(q) + off);
    store<f64>(dst, x);
    dst += 8;
    off += 4;
  }
}
