// The rollup cache: the per-slot sums of a group of sealed chunks, one of
// each series an aggregated read adds up, kept so that the next read of the
// same group copies 512 sums instead of decoding and adding n chunks. The
// same table holds the sums of packed pages of newest chunks
// (rollup-pages.ts), keyed by their blocks' bytes.
//
// An entry is keyed by the seal stamps of its chunks in the read's series
// order (seal.ts sealStamp: no two sealings ever share one, and a sealed
// chunk's values cannot change while it stays sealed). So an entry can only
// ever be found for exactly the values it was made of: a late write or an
// overwrite unseals the chunk (its reseal gets a new stamp), a free or a
// restore replaces it; nothing needs invalidating, stale entries are just
// never found again and the clock evicts them.
//
// The sums are made as the series-major read makes them, slot by slot in the
// series' order from 0 + v of the first (f64 additions of the promoted f32
// values, the same lanes), so a cached answer is bit for bit the uncached one.
//
// Memory: entries are scratch (not stored data: a cache must not make a
// write fail at the shard's limit), at most `rollupBudget` bytes a shard
// (StoreOptions.rollupCacheBytes), reported as stats().rollupBytes.
import { allocScratch, classOf, classSize, freeScratch } from "./alloc";
import { cLen, cSealed } from "./chunk-header";
import { sealStamp, valueRun } from "./seal";

// @ts-ignore: decorator
@inline const SLOTS: i32 = 1024;
// @ts-ignore: decorator
@inline const HEADER: usize = 24;
/**
 * Entry pointers by hash, two ways: a hash names a pair of slots, an entry
 * takes either, a new one an empty slot of its pair or the one not found
 * last. Direct-mapped, two groups read by every query of a host whose slots
 * met (some 10 % of hosts, with a few dozen entries each) evicted each other
 * on every query, each rebuilt anew (decoding and adding 72 chunks).
 */
const table: usize = memory.data(SLOTS * 4, 16);
/** Per pair of slots, which one a lookup last found (0 or 1). */
const lastFound: usize = memory.data(SLOTS / 2);
let hand: i32 = 0;

/** Bytes the entries may take (0: no cache). */
export let rollupBudget: u64 = 4 << 20;
/** Bytes the entries take (their allocator size classes). */
export let rollupBytes: u64 = 0;

// Entry: u32 allocated size, u32 n, u32 len, u32 kind, u64 hash, then what
// the kind keys on and the sums. KIND_SEALED: n x u64 stamps, len x f64 sums;
// KIND_PACKED (rollup-pages.ts): its own layout.
// @ts-ignore: decorator
@inline export const KIND_SEALED: u32 = 0;
// @ts-ignore: decorator
@inline export const KIND_PACKED: u32 = 1;
// KIND_SHIFTED: sealed chunks not in step (rollupShiftedSums): u32 lo, u32 0,
// n x u64 stamps, n x i32 offsets (padded to 8), len x f64 sums.
// @ts-ignore: decorator
@inline export const KIND_SHIFTED: u32 = 2;

export function setRollupBudget(bytes: u64): void {
  rollupBudget = bytes;
  while (rollupBytes > rollupBudget) evictOne();
}

function dropSlot(slot: i32): void {
  const at = table + (<usize>slot << 2);
  const e = <usize>load<u32>(at);
  if (e == 0) return;
  const size = <usize>load<u32>(e);
  rollupBytes -= <u64>classSize(classOf(size));
  freeScratch(e, size);
  store<u32>(at, 0);
}

function evictOne(): void {
  for (let k = 0; k < SLOTS; k++) {
    const slot = hand;
    hand = (hand + 1) & (SLOTS - 1);
    if (load<u32>(table + (<usize>slot << 2)) != 0) {
      dropSlot(slot);
      return;
    }
  }
}

/** Adds (first: stores 0 + v) `count` f32 at src into the f64 at dst, as read.ts does. */
// @ts-ignore: decorator
@inline export function addValues(src: usize, dst: usize, count: i32, first: bool): void {
  let s = 0;
  // Four slots at a time: two 64-bit lanes per half. 0 + v as in the
  // reference (which adds into zeroed memory): -0 becomes +0.
  const zero = f64x2.splat(0);
  if (first) {
    for (; s + 4 <= count; s += 4) {
      const v = v128.load(src);
      v128.store(dst, f64x2.add(zero, f64x2.promote_low_f32x4(v)));
      v128.store(dst, f64x2.add(zero, f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1))), 16);
      src += 16;
      dst += 32;
    }
    for (; s < count; s++) {
      store<f64>(dst, 0.0 + <f64>load<f32>(src));
      src += 4;
      dst += 8;
    }
  } else {
    for (; s + 4 <= count; s += 4) {
      const v = v128.load(src);
      v128.store(dst, f64x2.add(v128.load(dst), f64x2.promote_low_f32x4(v)));
      v128.store(dst, f64x2.add(v128.load(dst, 16), f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1))), 16);
      src += 16;
      dst += 32;
    }
    for (; s < count; s++) {
      store<f64>(dst, load<f64>(dst) + <f64>load<f32>(src));
      src += 4;
      dst += 8;
    }
  }
}

/**
 * The table slot of an entry hash (an address in `table`): of its pair, the
 * one whose entry has that hash, else an empty one, else the one not found
 * last (what a new entry takes: newEntry drops what holds it). The caller
 * compares the entry's key itself. Inlined, as it was direct-mapped: a call cost the
 * in-step read some 300 instructions a query (callgrind).
 */
// @ts-ignore: decorator
@inline export function slotOf(h: u64): usize {
  const pair = <usize>((h ^ (h >> 29)) & <u64>(SLOTS / 2 - 1));
  const at = table + (pair << 3);
  const e0 = <usize>load<u32>(at);
  const e1 = <usize>load<u32>(at, 4);
  if (e0 != 0 && load<u64>(e0, 16) == h) {
    store<u8>(lastFound + pair, 0);
    return at;
  }
  if (e1 != 0 && load<u64>(e1, 16) == h) {
    store<u8>(lastFound + pair, 1);
    return at + 4;
  }
  if (e0 == 0) return at;
  if (e1 == 0) return at + 4;
  return load<u8>(lastFound + pair) != 0 ? at : at + 4;
}

/**
 * A new entry of `size` bytes taking table slot `at` (what held it is
 * dropped, others evicted until it fits), its size stored at offset 0; 0
 * when it cannot be had (too large for the cache, no memory).
 */
export function newEntry(at: usize, size: usize): usize {
  const cost = <u64>classSize(classOf(size));
  if (cost > rollupBudget >> 2) return 0;
  dropSlot(<i32>((at - table) >> 2));
  while (rollupBytes + cost > rollupBudget) evictOne();
  const p = allocScratch(size);
  if (p == 0) return 0;
  rollupBytes += cost;
  store<u32>(p, <u32>size);
  store<u32>(at, <u32>p);
  return p;
}

/**
 * The sums over slots [0, len) of the n chunks at chunks[0..n) (u32
 * pointers), in that order, when every one is sealed with length len; 0 when
 * one is not (found on the way of the hash, not in a pass of its own) or they
 * cannot be cached (no cache, an entry too large for it, no memory): the
 * caller adds them up itself.
 */
export function rollupSums(chunks: usize, n: i32, len: i32): usize {
  if (rollupBudget == 0) return 0;
  let h: u64 = 0x9e3779b97f4a7c15 ^ <u64>len;
  for (let s = 0; s < n; s++) {
    const c = <usize>load<u32>(chunks + (<usize>s << 2));
    if (!cSealed(c) || cLen(c) != len) return 0;
    h = (h ^ sealStamp(c)) * 0xff51afd7ed558ccd;
    h ^= h >> 33;
  }
  const at = slotOf(h);
  const e = <usize>load<u32>(at);
  const stamps = <usize>HEADER;
  if (e != 0 && load<u64>(e, 16) == h && <i32>load<u32>(e, 4) == n && <i32>load<u32>(e, 8) == len && load<u32>(e, 12) == KIND_SEALED) {
    let same = true;
    for (let s = 0; s < n; s++) {
      if (load<u64>(e + stamps + (<usize>s << 3)) != sealStamp(<usize>load<u32>(chunks + (<usize>s << 2)))) {
        same = false;
        break;
      }
    }
    if (same) return e + stamps + (<usize>n << 3);
  }
  const p = newEntry(at, stamps + (<usize>n << 3) + (<usize>len << 3));
  if (p == 0) return 0;
  store<u32>(p, <u32>n, 4);
  store<u32>(p, <u32>len, 8);
  store<u32>(p, KIND_SEALED, 12);
  store<u64>(p, h, 16);
  const sums = p + stamps + (<usize>n << 3);
  for (let s = 0; s < n; s++) {
    const c = <usize>load<u32>(chunks + (<usize>s << 2));
    store<u64>(p + stamps + (<usize>s << 3), sealStamp(c));
    // A sealed chunk's run is the whole rest of it (valueRun), decoded once.
    const src = valueRun(c, 0, len);
    addValues(src, sums, len, s == 0);
  }
  return sums;
}

/** Where the sums rollupShiftedSums returned start: series 0's slot of sums[0]. */
export let shiftedLo: i32 = 0;

/**
 * The sums of the n sealed chunks at chunks[0..n) read with series s at slot
 * ks[s] where series 0 is at ks[0] (u32 each): a group not in step (a child
 * that missed a chunk's first line starts every later chunk a slot late),
 * whose pieces are cut where any child's chunk starts or ends (read.ts). The
 * entry holds the sums of every series-0 slot x whose slot x + (ks[s] -
 * ks[0]) each chunk has, from shiftedLo on, so the reads of any range over
 * the group share it. Keyed by the stamps and those offsets: a group read at
 * other offsets, or in step (rollupSums, another kind), is another entry. 0
 * when one is not sealed or the sums cannot be cached.
 */
export function rollupShiftedSums(chunks: usize, ks: usize, n: i32): usize {
  if (rollupBudget == 0) return 0;
  const k0 = <i32>load<u32>(ks);
  let lo: i32 = 0;
  let hi: i32 = 0x7fffffff;
  let h: u64 = 0x165667b19e3779f9 ^ <u64>n;
  for (let s = 0; s < n; s++) {
    const c = <usize>load<u32>(chunks + (<usize>s << 2));
    if (!cSealed(c)) return 0;
    const rel = <i32>load<u32>(ks + (<usize>s << 2)) - k0;
    if (-rel > lo) lo = -rel;
    const end = cLen(c) - rel;
    if (end < hi) hi = end;
    h = (h ^ sealStamp(c) ^ (<u64><u32>rel << 40)) * 0xff51afd7ed558ccd;
    h ^= h >> 33;
  }
  if (hi <= lo) return 0;
  const len = hi - lo;
  const at = slotOf(h);
  const e = <usize>load<u32>(at);
  const stamps: usize = 32;
  const offsets = stamps + (<usize>n << 3);
  const sumsAt = offsets + (((<usize>n << 2) + 7) & ~<usize>7);
  shiftedLo = lo;
  if (e != 0 && load<u64>(e, 16) == h && <i32>load<u32>(e, 4) == n && <i32>load<u32>(e, 8) == len && load<u32>(e, 12) == KIND_SHIFTED && <i32>load<u32>(e, 24) == lo) {
    let same = true;
    for (let s = 0; s < n; s++) {
      const rel = <i32>load<u32>(ks + (<usize>s << 2)) - k0;
      if (load<u64>(e + stamps + (<usize>s << 3)) != sealStamp(<usize>load<u32>(chunks + (<usize>s << 2))) || load<i32>(e + offsets + (<usize>s << 2)) != rel) {
        same = false;
        break;
      }
    }
    if (same) return e + sumsAt;
  }
  const p = newEntry(at, sumsAt + (<usize>len << 3));
  if (p == 0) return 0;
  store<u32>(p, <u32>n, 4);
  store<u32>(p, <u32>len, 8);
  store<u32>(p, KIND_SHIFTED, 12);
  store<u64>(p, h, 16);
  store<u32>(p, <u32>lo, 24);
  store<u32>(p, 0, 28);
  const sums = p + sumsAt;
  for (let s = 0; s < n; s++) {
    const c = <usize>load<u32>(chunks + (<usize>s << 2));
    const rel = <i32>load<u32>(ks + (<usize>s << 2)) - k0;
    store<u64>(p + stamps + (<usize>s << 3), sealStamp(c));
    store<i32>(p + offsets + (<usize>s << 2), rel);
    const src = valueRun(c, lo + rel, hi + rel);
    addValues(src, sums, len, s == 0);
  }
  return sums;
}
