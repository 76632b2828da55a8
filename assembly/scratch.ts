// Growable scratch regions for request-sized work (not stored data). A region
// is 8 bytes of static memory: declare one per use with
//   const R = changetype<Region>(memory.data(8));
// (no `new`: the engine manages all memory itself).
import { grownScratchCap, growScratch } from "./alloc";

// @ts-ignore: decorator
@unmanaged
export class Region {
  ptr: usize;
  cap: usize;
}

/**
 * Makes `r` hold at least `need` bytes, keeping the first `keep`; false when
 * memory runs out. The test inline, the growth a call: a query calls this a
 * few times for every selector (72 a node's hwthreads), almost always with room.
 */
// @ts-ignore: decorator
@inline export function ensure(r: Region, need: usize, keep: usize): bool {
  return need <= r.cap || grow(r, need, keep);
}

function grow(r: Region, need: usize, keep: usize): bool {
  const p = growScratch(r.ptr, r.cap, keep, need, 4096);
  if (p == 0) return false;
  r.ptr = p;
  r.cap = grownScratchCap;
  return true;
}
