// The configured metrics: name -> (frequency, aggregation), fixed at start.
import { alloc, allocZeroed } from "./alloc";
import { bytesEqual, nameHash } from "./bytes";

export const AGG_NONE: u8 = 0;
export const AGG_SUM: u8 = 1;
export const AGG_AVG: u8 = 2;

export let metricCount: i32 = 0;
let freqs: usize = 0; // i64 per metric
let aggs: usize = 0; // u8 per metric
let names: usize = 0; // (u32 ptr, u32 len) per metric
let table: usize = 0; // u32 (index + 1) per slot
let tableMask: u32 = 0;

// @ts-ignore: decorator
@inline export function metricFreq(id: i32): i64 {
  return load<i64>(freqs + (<usize>id << 3));
}

// @ts-ignore: decorator
@inline export function metricAgg(id: i32): u8 {
  return load<u8>(aggs + <usize>id);
}

// @ts-ignore: decorator
@inline export function metricNamePtr(id: i32): usize {
  return <usize>load<u32>(names + (<usize>id << 3));
}

// @ts-ignore: decorator
@inline export function metricNameLen(id: i32): usize {
  return <usize>load<u32>(names + (<usize>id << 3), 4);
}

/**
 * Reads the metric table written by the TypeScript face:
 * u32 n, then n x (u32 frequency, u32 aggregation, u32 nameLen, name bytes).
 * Returns false when memory runs out.
 */
export function configureMetrics(ptr: usize): bool {
  const n = <i32>load<u32>(ptr);
  let p = ptr + 4;
  freqs = alloc(<usize>(n + 1) << 3);
  aggs = alloc(<usize>(n + 1));
  names = alloc(<usize>(n + 1) << 3);
  let size: u32 = 16;
  while (size < <u32>(n * 2 + 2)) size <<= 1;
  table = allocZeroed(<usize>size << 2);
  if (freqs == 0 || aggs == 0 || names == 0 || table == 0) return false;
  tableMask = size - 1;
  for (let i = 0; i < n; i++) {
    const f = load<u32>(p);
    const a = load<u32>(p, 4);
    const len = <usize>load<u32>(p, 8);
    p += 12;
    const copy = alloc(len > 0 ? len : 1);
    if (copy == 0) return false;
    memory.copy(copy, p, len);
    p += len;
    store<i64>(freqs + (<usize>i << 3), <i64>(f > 0 ? f : 1));
    store<u8>(aggs + <usize>i, <u8>a);
    store<u32>(names + (<usize>i << 3), <u32>copy);
    store<u32>(names + (<usize>i << 3), <u32>len, 4);
    let slot = nameHash(copy, len) & tableMask;
    while (load<u32>(table + (<usize>slot << 2)) != 0) slot = (slot + 1) & tableMask;
    store<u32>(table + (<usize>slot << 2), <u32>(i + 1));
  }
  metricCount = n;
  lastLen = 0xffffffff;
  return true;
}

/** Metric id of a name, or -1. */
export function findMetric(ptr: usize, len: usize): i32 {
  let slot = nameHash(ptr, len) & tableMask;
  while (true) {
    const v = load<u32>(table + (<usize>slot << 2));
    if (v == 0) return -1;
    const id = <i32>v - 1;
    if (metricNameLen(id) == len && bytesEqual(metricNamePtr(id), ptr, len)) return id;
    slot = (slot + 1) & tableMask;
  }
  return -1;
}

// The name findMetricCached() found last, padded: lines come in runs of one metric.
const lastName: usize = memory.data(32, 16);
let lastLen: usize = 0xffffffff;
let lastId: i32 = -1;

/**
 * findMetric for a name in the padded input (32 bytes past `ptr` may be
 * read): a name the same as the last one found is not looked up again.
 */
export function findMetricCached(ptr: usize, len: usize): i32 {
  if (len == lastLen) {
    const keep: u32 = len >= 32 ? 0xffffffff : (<u32>1 << <u32>len) - 1;
    const same = <u32>i8x16.bitmask(i8x16.eq(v128.load(ptr), v128.load(lastName))) |
      (<u32>i8x16.bitmask(i8x16.eq(v128.load(ptr, 16), v128.load(lastName, 16))) << 16);
    if ((~same & keep) == 0) return lastId;
  }
  const id = findMetric(ptr, len);
  if (id >= 0 && len <= 32) {
    v128.store(lastName, v128.load(ptr));
    v128.store(lastName, v128.load(ptr, 16), 16);
    lastLen = len;
    lastId = id;
  }
  return id;
}
