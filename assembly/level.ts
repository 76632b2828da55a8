// The tree of levels: root -> cluster -> host -> sub-level -> sub-sub-level.
// A level is one block: a 48-byte header followed by its name. Children are
// kept in insertion order (that is the order listings and dumps show) and,
// once there are more than a few, indexed by a hash of their names.
import { alloc, allocZeroed, free } from "./alloc";
import { bytesEqual, copySmall, nameHash } from "./bytes";
import { metricCount } from "./metrics";

// @ts-ignore: decorator
@inline export const L_NAMELEN: usize = 0;
// @ts-ignore: decorator
@inline export const L_PARENT: usize = 4;
// @ts-ignore: decorator
@inline export const L_SERIES: usize = 8; // u32[metricCount]: newest chunk per metric
// @ts-ignore: decorator
@inline export const L_NCHILD: usize = 12;
// @ts-ignore: decorator
@inline export const L_CAPCHILD: usize = 16;
// @ts-ignore: decorator
@inline export const L_CHILDREN: usize = 20;
// @ts-ignore: decorator
@inline export const L_HASH: usize = 24;
// @ts-ignore: decorator
@inline export const L_HASHCAP: usize = 28;
// @ts-ignore: decorator
@inline export const L_NAMEHASH: usize = 32;
// @ts-ignore: decorator
@inline export const L_GEN: usize = 36; // hosts: a number never given before, renewed whenever an export may go stale
// @ts-ignore: decorator
@inline export const L_WALSLOT: usize = 40; // hosts: WAL group index + 1 in the current call
// @ts-ignore: decorator
@inline export const L_WALCALL: usize = 44; // hosts: the call that WALSLOT belongs to
// @ts-ignore: decorator
@inline export const L_SELCRC: usize = 40; // below hosts: CRC register of the level's WAL selector
// @ts-ignore: decorator
@inline export const L_SELLEN: usize = 44; // below hosts: length of that selector + 1, 0 until known
// @ts-ignore: decorator
@inline export const L_HEADER: usize = 48;

const HASH_THRESHOLD: u32 = 8;

export let root: usize = 0;
export let generation: u32 = 1;
/**
 * Moves on whenever a level is made or freed: what a selector's names reach
 * stays what it was while this stays (selector-memo.ts). 64 bits: it never
 * comes back to a value it had.
 */
export let treeShape: u64 = 0;

// @ts-ignore: decorator
@inline export function nameLen(l: usize): usize {
  return <usize>load<u32>(l, L_NAMELEN);
}
// @ts-ignore: decorator
@inline export function namePtr(l: usize): usize {
  return l + L_HEADER;
}
// @ts-ignore: decorator
@inline export function childCount(l: usize): u32 {
  return load<u32>(l, L_NCHILD);
}
// @ts-ignore: decorator
@inline export function childAt(l: usize, i: u32): usize {
  return <usize>load<u32>(<usize>load<u32>(l, L_CHILDREN) + (<usize>i << 2));
}
// @ts-ignore: decorator
@inline export function parentOf(l: usize): usize {
  return <usize>load<u32>(l, L_PARENT);
}

export function nextGeneration(): u32 {
  generation++;
  if (generation == 0) generation = 1;
  return generation;
}

function newLevel(parent: usize, ptr: usize, len: usize, hash: u32): usize {
  const l = alloc(L_HEADER + len);
  if (l == 0) return 0;
  treeShape++;
  memory.fill(l, 0, L_HEADER);
  store<u32>(l, <u32>len, L_NAMELEN);
  store<u32>(l, <u32>parent, L_PARENT);
  store<u32>(l, hash, L_NAMEHASH);
  store<u32>(l, nextGeneration(), L_GEN);
  copySmall(l + L_HEADER, ptr, len);
  return l;
}

export function initTree(): bool {
  root = newLevel(0, 0, 0, 0);
  return root != 0;
}

function hashInsert(table: usize, mask: u32, child: usize): void {
  let slot = load<u32>(child, L_NAMEHASH) & mask;
  while (load<u32>(table + (<usize>slot << 2)) != 0) slot = (slot + 1) & mask;
  store<u32>(table + (<usize>slot << 2), <u32>child);
}

/** Rebuilds the name index of `l` for `cap` children; false when memory runs out. */
function rebuildHash(l: usize, cap: u32): bool {
  const oldTable = <usize>load<u32>(l, L_HASH);
  const oldCap = load<u32>(l, L_HASHCAP);
  if (cap <= HASH_THRESHOLD) {
    if (oldTable != 0) free(oldTable, <usize>oldCap << 2);
    store<u32>(l, 0, L_HASH);
    store<u32>(l, 0, L_HASHCAP);
    return true;
  }
  let size: u32 = 16;
  while (size < cap * 2) size <<= 1;
  const table = allocZeroed(<usize>size << 2);
  if (table == 0) return false;
  const n = childCount(l);
  for (let i: u32 = 0; i < n; i++) hashInsert(table, size - 1, childAt(l, i));
  if (oldTable != 0) free(oldTable, <usize>oldCap << 2);
  store<u32>(l, <u32>table, L_HASH);
  store<u32>(l, size, L_HASHCAP);
  return true;
}

export function findChild(l: usize, ptr: usize, len: usize): usize {
  return findChildHashed(l, ptr, len, nameHash(ptr, len));
}

export function findChildHashed(l: usize, ptr: usize, len: usize, hash: u32): usize {
  const table = <usize>load<u32>(l, L_HASH);
  if (table == 0) {
    const n = childCount(l);
    for (let i: u32 = 0; i < n; i++) {
      const c = childAt(l, i);
      if (load<u32>(c, L_NAMEHASH) == hash && nameLen(c) == len && bytesEqual(c + L_HEADER, ptr, len)) return c;
    }
    return 0;
  }
  const mask = load<u32>(l, L_HASHCAP) - 1;
  let slot = hash & mask;
  while (true) {
    const c = <usize>load<u32>(table + (<usize>slot << 2));
    if (c == 0) return 0;
    if (load<u32>(c, L_NAMEHASH) == hash && nameLen(c) == len && bytesEqual(c + L_HEADER, ptr, len)) return c;
    slot = (slot + 1) & mask;
  }
  return 0;
}

/** The child named by the bytes, created when missing; 0 when memory runs out. */
export function childOrCreate(l: usize, ptr: usize, len: usize): usize {
  const hash = nameHash(ptr, len);
  const found = findChildHashed(l, ptr, len, hash);
  if (found != 0) return found;
  const n = childCount(l);
  let cap = load<u32>(l, L_CAPCHILD);
  if (n == cap) {
    const newCap: u32 = cap == 0 ? 4 : cap * 2;
    const arr = alloc(<usize>newCap << 2);
    if (arr == 0) return 0;
    const old = <usize>load<u32>(l, L_CHILDREN);
    if (old != 0) {
      memory.copy(arr, old, <usize>n << 2);
      free(old, <usize>cap << 2);
    }
    store<u32>(l, <u32>arr, L_CHILDREN);
    store<u32>(l, newCap, L_CAPCHILD);
    cap = newCap;
    if (!rebuildHash(l, cap)) return 0;
  }
  const c = newLevel(l, ptr, len, hash);
  if (c == 0) return 0;
  store<u32>(<usize>load<u32>(l, L_CHILDREN) + (<usize>n << 2), <u32>c);
  store<u32>(l, n + 1, L_NCHILD);
  const table = <usize>load<u32>(l, L_HASH);
  if (table != 0) hashInsert(table, load<u32>(l, L_HASHCAP) - 1, c);
  return c;
}

/** Address of the newest-chunk slot of a metric, allocating the level's series table if asked. */
export function seriesSlot(l: usize, metric: i32, create: bool): usize {
  let s = <usize>load<u32>(l, L_SERIES);
  if (s == 0) {
    if (!create) return 0;
    s = allocZeroed(<usize>metricCount << 2);
    if (s == 0) return 0;
    store<u32>(l, <u32>s, L_SERIES);
  }
  return s + (<usize>metric << 2);
}

// @ts-ignore: decorator
@inline export function seriesHead(l: usize, metric: i32): usize {
  const s = <usize>load<u32>(l, L_SERIES);
  return s == 0 ? 0 : <usize>load<u32>(s + (<usize>metric << 2));
}

export function hasAnySeries(l: usize): bool {
  const s = <usize>load<u32>(l, L_SERIES);
  if (s == 0) return false;
  for (let i = 0; i < metricCount; i++) {
    if (load<u32>(s + (<usize>i << 2)) != 0) return true;
  }
  return false;
}

/** Frees an empty level (no series, no children) and its tables. */
export function releaseLevel(l: usize): void {
  treeShape++;
  const s = <usize>load<u32>(l, L_SERIES);
  if (s != 0) free(s, <usize>metricCount << 2);
  const arr = <usize>load<u32>(l, L_CHILDREN);
  if (arr != 0) free(arr, <usize>load<u32>(l, L_CAPCHILD) << 2);
  const table = <usize>load<u32>(l, L_HASH);
  if (table != 0) free(table, <usize>load<u32>(l, L_HASHCAP) << 2);
  free(l, L_HEADER + nameLen(l));
}

/** Drops the children marked in `keep` (0 = remove) and re-indexes; the removed ones must already be empty. */
export function compactChildren(l: usize, keep: usize): void {
  const n = childCount(l);
  const arr = <usize>load<u32>(l, L_CHILDREN);
  let w: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const c = <usize>load<u32>(arr + (<usize>i << 2));
    if (load<u8>(keep + <usize>i) != 0) {
      store<u32>(arr + (<usize>w << 2), <u32>c);
      w++;
    } else {
      releaseLevel(c);
    }
  }
  store<u32>(l, w, L_NCHILD);
  if (w != n) {
    const table = <usize>load<u32>(l, L_HASH);
    if (table != 0) {
      const mask = load<u32>(l, L_HASHCAP) - 1;
      memory.fill(table, 0, <usize>(mask + 1) << 2);
      for (let i: u32 = 0; i < w; i++) hashInsert(table, mask, childAt(l, i));
    }
  }
}

/** Walks a path of names from `l`; 0 when a name is missing. Path: u8 count, count x (u16 len, bytes). */
export function findPath(l: usize, path: usize): usize {
  const n = <i32>load<u8>(path);
  let p = path + 1;
  let cur = l;
  for (let i = 0; i < n; i++) {
    const len = <usize>load<u16>(p);
    cur = findChild(cur, p + 2, len);
    if (cur == 0) return 0;
    p += 2 + len;
  }
  return cur;
}

/** Depth of a level below the root (cluster = 1, host = 2, ...). */
export function depthOf(l: usize): i32 {
  let d = 0;
  let cur = l;
  while (parentOf(cur) != 0) {
    d++;
    cur = parentOf(cur);
  }
  return d;
}

/** The host level above (or at) a level of depth >= 2. */
export function hostOf(l: usize): usize {
  let cur = l;
  let d = depthOf(l);
  while (d > 2) {
    cur = parentOf(cur);
    d--;
  }
  return cur;
}
