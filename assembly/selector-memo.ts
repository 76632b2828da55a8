// Remembered selectors: the levels a grouped selector's names lead to (the
// host's 72 hwthreads, say), kept by the selector's bytes in the query
// command, so that the next query of the same selector finds them without
// building the 72 names and looking each up (some 330 instructions an id).
// cc-backend asks for one node's hwthreads once for every metric of a job
// view, and again at every refresh.
//
// What a selector's names reach depends on the tree's shape alone (which
// levels exist under which), never on the metric: the walk below the reached
// levels (a level without the metric answers through its children) is done
// anew by every query. So an entry is valid while the tree has the shape it
// was made in: level.ts counts every level made or freed (treeShape), an
// entry keeps the count it was made at and is not found once it moved on.
// A freed level's address can come back as another level only after such a
// change, so a found entry never holds a stale address.
//
// Memory: entries are scratch (a cache must not make a write fail at the
// shard's limit), at most SLOTS of them, each at most MAX_KEY bytes of key
// and MAX_LEVELS levels: a larger selector is answered without being kept.
import { allocScratch, freeScratch } from "./alloc";
import { bytesEqual, nameHash } from "./bytes";
import { treeShape } from "./level";

// @ts-ignore: decorator
@inline const SLOTS: usize = 32;
// @ts-ignore: decorator
@inline const MAX_KEY: usize = 4096;
// @ts-ignore: decorator
@inline const MAX_LEVELS: i32 = 1024;
// Entry: u32 size, u32 clusterLen, u64 shape, u32 keyLen, u32 count, the
// cluster's bytes, the key's bytes, then (from a multiple of 4) count x u32 levels.
// @ts-ignore: decorator
@inline const HEADER: usize = 24;

/** Entry pointers by the host name's hash (direct-mapped: a new selector takes its slot's place). */
const table: usize = memory.data(<i32>SLOTS * 4, 16);
/** The slot of the last memoFind: where memoKeep puts its entry. */
let slotAt: usize = 0;

/** Found by memoFind: the levels the selector reached, in the order its walk reached them. */
export let memoLevels: usize = 0;
export let memoCount: i32 = 0;

// @ts-ignore: decorator
@inline function levelsAt(e: usize, cLen: usize, kLen: usize): usize {
  return e + ((HEADER + cLen + kLen + 3) & ~(<usize>3));
}

/** Forgets every entry without freeing it (the allocator was set up anew). */
export function memoClear(): void {
  memory.fill(table, 0, SLOTS << 2);
}

/**
 * Whether the selector of cluster c and key k (the command's bytes from the
 * host's name to the last subtype id) is remembered for the tree as it is;
 * if so memoLevels and memoCount hold what it reached.
 */
export function memoFind(cPtr: usize, cLen: usize, hPtr: usize, hLen: usize, kPtr: usize, kLen: usize): bool {
  slotAt = table + (<usize>(nameHash(hPtr, hLen) & <u32>(SLOTS - 1)) << 2);
  const e = <usize>load<u32>(slotAt);
  if (e == 0) return false;
  if (load<u64>(e, 8) != treeShape || <usize>load<u32>(e, 4) != cLen || <usize>load<u32>(e, 16) != kLen) return false;
  if (!bytesEqual(e + HEADER, cPtr, cLen) || !bytesEqual(e + HEADER + cLen, kPtr, kLen)) return false;
  memoLevels = levelsAt(e, cLen, kLen);
  memoCount = <i32>load<u32>(e, 20);
  return true;
}

/** Remembers what the selector of the last memoFind (which missed) reached: count levels at `levels`. */
export function memoKeep(cPtr: usize, cLen: usize, kPtr: usize, kLen: usize, levels: usize, count: i32): void {
  // Each length on its own first: their sum cannot wrap then.
  if (cLen > MAX_KEY || kLen > MAX_KEY || cLen + kLen > MAX_KEY || count > MAX_LEVELS) return;
  const size = levelsAt(0, cLen, kLen) + (<usize>count << 2);
  const old = <usize>load<u32>(slotAt);
  if (old != 0) {
    freeScratch(old, <usize>load<u32>(old));
    store<u32>(slotAt, 0);
  }
  const e = allocScratch(size);
  if (e == 0) return;
  store<u32>(e, <u32>size);
  store<u32>(e, <u32>cLen, 4);
  store<u64>(e, treeShape, 8);
  store<u32>(e, <u32>kLen, 16);
  store<u32>(e, <u32>count, 20);
  memory.copy(e + HEADER, cPtr, cLen);
  memory.copy(e + HEADER + cLen, kPtr, kLen);
  memory.copy(levelsAt(e, cLen, kLen), levels, <usize>count << 2);
  store<u32>(slotAt, <u32>e);
}
