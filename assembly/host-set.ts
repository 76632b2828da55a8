// The distinct hosts of one ingest call, for main.max-hosts-per-write: an
// open-addressing table of (cluster, host) names. The names are copied into
// a region of their own, since a call's body comes in pieces that replace
// each other (ingest.ts); at most the limit's hosts, so it stays bounded.
// Entries carry the call's stamp, so a new call starts empty without
// clearing anything. Consulted only when the host changes from one line to
// the next.
import { allocScratch, freeScratch } from "./alloc";
import { bytesEqual, copySmall } from "./bytes";
import { ensure, Region } from "./scratch";

// u32 stamp, u32 hash, u32 cluster offset, u32 host offset (into names), u16 cluster len, u16 host len
const ENTRY: usize = 20;
const FIRST_CAP: u32 = 64;

let table: usize = 0;
let cap: u32 = 0; // entries, a power of two
let count: u32 = 0;
let stamp: u32 = 0;
const names = changetype<Region>(memory.data(8));
let namesLen: usize = 0;

export const HOST_ADMITTED: i32 = 1;
export const HOST_OVER_LIMIT: i32 = 0;
export const HOST_NO_MEMORY: i32 = -1;

/** Forgets the hosts of the previous call. */
export function hostSetReset(): void {
  count = 0;
  namesLen = 0;
  stamp++;
  if (stamp == 0) {
    // After 2^32 calls old stamps come round again.
    stamp = 1;
    if (table != 0) memory.fill(table, 0, <usize>cap * ENTRY);
  }
}

/**
 * Whether the host is one of the first `limit` distinct hosts of the call,
 * adding it while there is room.
 */
export function hostSetAdmit(hash: u32, cPtr: usize, cLen: usize, hPtr: usize, hLen: usize, limit: u32): i32 {
  if (cap != 0) {
    const mask = cap - 1;
    let i = hash & mask;
    while (true) {
      const e = table + <usize>i * ENTRY;
      if (load<u32>(e) != stamp) break;
      if (load<u32>(e, 4) == hash && <usize>load<u16>(e, 16) == cLen && <usize>load<u16>(e, 18) == hLen &&
        bytesEqual(names.ptr + <usize>load<u32>(e, 8), cPtr, cLen) && bytesEqual(names.ptr + <usize>load<u32>(e, 12), hPtr, hLen)) {
        return HOST_ADMITTED;
      }
      i = (i + 1) & mask;
    }
  }
  if (count >= limit) return HOST_OVER_LIMIT;
  if ((count + 1) * 2 > cap && !grow()) return HOST_NO_MEMORY;
  // Names copy with 16-byte stores: room past the end.
  if (!ensure(names, namesLen + cLen + hLen + 32, namesLen)) return HOST_NO_MEMORY;
  const at = namesLen;
  copySmall(names.ptr + at, cPtr, cLen);
  copySmall(names.ptr + at + cLen, hPtr, hLen);
  namesLen += cLen + hLen;
  put(hash, at, cLen, at + cLen, hLen);
  count++;
  return HOST_ADMITTED;
}

/** An entry; the names at offsets cAt and hAt of `names`. */
function put(hash: u32, cAt: usize, cLen: usize, hAt: usize, hLen: usize): void {
  const mask = cap - 1;
  let i = hash & mask;
  while (load<u32>(table + <usize>i * ENTRY) == stamp) i = (i + 1) & mask;
  const e = table + <usize>i * ENTRY;
  store<u32>(e, stamp);
  store<u32>(e, hash, 4);
  store<u32>(e, <u32>cAt, 8);
  store<u32>(e, <u32>hAt, 12);
  store<u16>(e, <u16>cLen, 16);
  store<u16>(e, <u16>hLen, 18);
}

function grow(): bool {
  const oldTable = table;
  const oldCap = cap;
  const newCap = cap == 0 ? FIRST_CAP : cap << 1;
  const t = allocScratch(<usize>newCap * ENTRY);
  if (t == 0) return false;
  memory.fill(t, 0, <usize>newCap * ENTRY);
  table = t;
  cap = newCap;
  for (let i: u32 = 0; i < oldCap; i++) {
    const e = oldTable + <usize>i * ENTRY;
    if (load<u32>(e) != stamp) continue;
    put(load<u32>(e, 4), <usize>load<u32>(e, 8), <usize>load<u16>(e, 16), <usize>load<u32>(e, 12), <usize>load<u16>(e, 18));
  }
  if (oldTable != 0) freeScratch(oldTable, <usize>oldCap * ENTRY);
  return true;
}
