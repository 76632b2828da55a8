// Operations over the tree: free, listings, the debug dump, the health check.
// Paths come as: u8 count, count x (u16 len, name bytes).
import { freeBefore, freedCount, oldestChunk } from "./chunk";
import { cLen, cNext, cSaved, cStart } from "./chunk-header";
import {
  childAt, childCount, compactChildren, findPath, hasAnySeries, hostOf, L_GEN, L_HEADER, L_SERIES, nameLen,
  nextGeneration, root, depthOf,
} from "./level";
import { metricCount, metricFreq, metricNameLen, metricNamePtr } from "./metrics";
import { outReset, writeAscii, writeByte, writeBytes, writeI64 } from "./out";
import { writeJsonString } from "./json-string";
import { ensure, Region } from "./scratch";

// ---- free ----

const keepFlags = changetype<Region>(memory.data(8));

/** Frees chunks ending before t below `l`; empty descendants disappear. Returns the count. */
function freeLevel(l: usize, t: i64, depth: i32): i32 {
  let count = 0;
  const series = <usize>load<u32>(l, L_SERIES);
  if (series != 0) {
    for (let m = 0; m < metricCount; m++) {
      const at = series + (<usize>m << 2);
      const head = <usize>load<u32>(at);
      if (head == 0) continue;
      const before = freedCount;
      store<u32>(at, <u32>freeBefore(head, metricFreq(m), t));
      count += freedCount - before;
    }
  }
  const n = childCount(l);
  if (n > 0) {
    let anyEmpty = false;
    for (let i: u32 = 0; i < n; i++) {
      const c = childAt(l, i);
      count += freeLevel(c, t, depth + 1);
    }
    // Flags are computed after the recursion (which reuses the flag region).
    if (!ensure(keepFlags, <usize>n, 0)) return count;
    for (let i: u32 = 0; i < n; i++) {
      const c = childAt(l, i);
      const keep = childCount(c) > 0 || hasAnySeries(c);
      store<u8>(keepFlags.ptr + <usize>i, keep ? 1 : 0);
      if (!keep) anyEmpty = true;
    }
    if (anyEmpty) compactChildren(l, keepFlags.ptr);
  }
  if (depth == 2 && count > 0) store<u32>(l, nextGeneration(), L_GEN);
  return count;
}

/** Frees below the level at `path`; a path naming nothing frees nothing and creates nothing. */
export function freePath(path: usize, t: i64): i32 {
  const l = findPath(root, path);
  if (l == 0) return 0;
  const depth = depthOf(l);
  const count = freeLevel(l, t, depth);
  if (depth > 2 && count > 0) store<u32>(hostOf(l), nextGeneration(), L_GEN);
  return count;
}

// ---- listings ----

/** Names of the children of the level at `path` (u32 count, (u16 len, bytes)*); false when there is no such level. */
export function listChildren(path: usize): bool {
  outReset();
  const l = findPath(root, path);
  if (l == 0) return false;
  const n = childCount(l);
  writeU32(n);
  for (let i: u32 = 0; i < n; i++) writeName(childAt(l, i));
  return true;
}

function writeU32(v: u32): void {
  writeByte(<u8>v);
  writeByte(<u8>(v >> 8));
  writeByte(<u8>(v >> 16));
  writeByte(<u8>(v >> 24));
}

function writeName(l: usize): void {
  const len = nameLen(l);
  writeByte(<u8>len);
  writeByte(<u8>(len >> 8));
  writeBytes(l + L_HEADER, len);
}

/** Every host: u32 count, then (u16 len, cluster, u16 len, host)*. */
export function listHosts(): void {
  outReset();
  let total: u32 = 0;
  const nc = childCount(root);
  for (let i: u32 = 0; i < nc; i++) total += childCount(childAt(root, i));
  writeU32(total);
  for (let i: u32 = 0; i < nc; i++) {
    const c = childAt(root, i);
    const nh = childCount(c);
    for (let j: u32 = 0; j < nh; j++) {
      writeName(c);
      writeName(childAt(c, j));
    }
  }
}

// ---- debug dump (debug.go, as valid JSON) ----

function tabs(n: i32): void {
  for (let i = 0; i < n; i++) writeByte(9);
}

/** The entries of a level (its series, then its children), joined by ",\n", at indentation `depth`; returns how many. */
function debugEntries(l: usize, depth: i32): i32 {
  let items = 0;
  const series = <usize>load<u32>(l, L_SERIES);
  if (series != 0) {
    for (let m = 0; m < metricCount; m++) {
      const head = <usize>load<u32>(series + (<usize>m << 2));
      if (head == 0) continue;
      if (items > 0) writeAscii(",\n");
      tabs(depth);
      writeJsonString(metricNamePtr(m), metricNameLen(m));
      writeAscii(":[");
      const f = metricFreq(m);
      let c = oldestChunk(head);
      let first = true;
      while (c != 0) {
        if (!first) writeByte(44);
        first = false;
        const len = cLen(c);
        writeAscii('{"start":');
        writeI64(cStart(c));
        writeAscii(',"len":');
        writeI64(<i64>len);
        writeAscii(',"end":');
        writeI64(cStart(c) + f * <i64>len);
        if (len > 0 && cSaved(c) == len) writeAscii(',"saved":true');
        writeByte(125);
        c = cNext(c);
      }
      writeByte(93);
      items++;
    }
  }
  const n = childCount(l);
  for (let i: u32 = 0; i < n; i++) {
    if (items > 0) writeAscii(",\n");
    debugLevel(childAt(l, i), depth);
    items++;
  }
  return items;
}

function debugLevel(l: usize, depth: i32): void {
  tabs(depth);
  writeJsonString(l + L_HEADER, nameLen(l));
  writeAscii(":{\n");
  if (debugEntries(l, depth + 1) > 0) writeByte(10);
  tabs(depth);
  writeByte(125);
}

/**
 * mode 0: the whole dump {"data":{...}} of the level at `path`;
 * mode 1: only its entries at indentation `depth` (for merging shards).
 * False when there is no such level.
 */
export function debugDump(path: usize, mode: i32, depth: i32): bool {
  outReset();
  const l = findPath(root, path);
  if (l == 0) return false;
  if (mode == 1) {
    debugEntries(l, depth);
    return true;
  }
  writeAscii('{"data":{\n');
  if (debugEntries(l, 1) > 0) writeByte(10);
  writeAscii("}}\n");
  return true;
}

// ---- health (healthcheck.go) ----

const STATUS_MISSING: u8 = 0;
const STATUS_HEALTHY: u8 = 1;
const STATUS_DEGRADED: u8 = 2;

function collectStatus(l: usize, ids: usize, n: i32, status: usize, now: i64): void {
  const series = <usize>load<u32>(l, L_SERIES);
  if (series != 0) {
    for (let i = 0; i < n; i++) {
      const at = status + <usize>i;
      if (load<u8>(at) == STATUS_DEGRADED) continue;
      const m = load<i32>(ids + (<usize>i << 2));
      if (m < 0) continue;
      const head = <usize>load<u32>(series + (<usize>m << 2));
      if (head == 0 || cLen(head) == 0) continue;
      const f = metricFreq(m);
      const end = cStart(head) + f * <i64>cLen(head);
      store<u8>(at, now - end <= 5 * f ? STATUS_HEALTHY : STATUS_DEGRADED);
    }
  }
  const c = childCount(l);
  for (let i: u32 = 0; i < c; i++) collectStatus(childAt(l, i), ids, n, status, now);
}

const healthBuf = changetype<Region>(memory.data(8));

/** Per expected metric (ids: i32, -1 unknown) a status byte; false when the host does not exist. */
export function healthCheck(path: usize, ids: usize, n: i32, now: i64): bool {
  outReset();
  const l = findPath(root, path);
  if (l == 0) return false;
  if (!ensure(healthBuf, <usize>n + 1, 0)) return false;
  memory.fill(healthBuf.ptr, STATUS_MISSING, <usize>n);
  collectStatus(l, ids, n, healthBuf.ptr, now);
  writeBytes(healthBuf.ptr, <usize>n);
  return true;
}
