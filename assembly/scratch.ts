// Growable scratch regions for request-sized work (not stored data). A region
// is 8 bytes of static memory: declare one per use with
//   const R = changetype<Region>(memory.data(8));
// (no `new`: the engine manages all memory itself).
import { allocScratch, freeScratch } from "./alloc";

// @ts-ignore: decorator
@unmanaged
export class Region {
  ptr: usize;
  cap: usize;
}

/** Makes `r` hold at least `need` bytes, keeping the first `keep`; false when memory runs out. */
export function ensure(r: Region, need: usize, keep: usize): bool {
  if (need <= r.cap) return true;
  let cap = r.cap < 4096 ? <usize>4096 : r.cap;
  while (cap < need) {
    if (cap >= 0x4000_0000) {
      cap = need;
      break;
    }
    cap <<= 1;
  }
  const p = allocScratch(cap);
  if (p == 0) return false;
  if (r.ptr != 0) {
    if (keep > 0) memory.copy(p, r.ptr, keep);
    freeScratch(r.ptr, r.cap);
  }
  r.ptr = p;
  r.cap = cap;
  return true;
}
