// Memory of one shard: a bump region carved into size classes, each with its
// own free list. Blocks carry no header (callers know their sizes), so a
// 256-byte page of samples costs exactly 256 bytes. Nothing here traps: when
// memory.grow is refused, or stored data would pass the shard's limit, the
// caller gets 0. Request/response scratch is not counted against the limit.

// Size classes: 16-byte steps up to 2048 (encoded chunk blocks come in every
// size up to about 2 KiB: a block wastes less than 16 bytes, and k pages are
// exactly k*256 bytes), then four classes per power of two.
// @ts-ignore: decorator
@inline const FINE_CLASSES: i32 = 128;
// @ts-ignore: decorator
@inline const FINE_LIMIT: usize = 2048;
const CLASS_COUNT: i32 = FINE_CLASSES + 21 * 4;
const freeLists: usize = memory.data(CLASS_COUNT * 4, 16);

let heapTop: u64 = 0;
let heapEnd: u64 = 0;
/** Stored data (levels, chunks, pages) may take at most this many bytes. */
let dataLimit: u64 = 0;
/** Linear memory cannot grow past 4 GiB. */
const HARD_LIMIT: u64 = 0x1_0000_0000;

export let bytesInUse: u64 = 0;
/** The part of bytesInUse that is request/response scratch rather than stored data. */
export let scratchInUse: u64 = 0;
export let allocFailures: u32 = 0;

export function allocInit(limitBytes: u64): void {
  heapTop = <u64>((__heap_base + 15) & ~(<usize>15));
  heapEnd = <u64>memory.size() << 16;
  dataLimit = limitBytes < HARD_LIMIT ? limitBytes : HARD_LIMIT;
  memory.fill(freeLists, 0, CLASS_COUNT * 4);
  bytesInUse = 0;
  scratchInUse = 0;
}

// @ts-ignore: decorator
@inline export function classOf(size: usize): i32 {
  if (size <= FINE_LIMIT) return <i32>((size + 15) >> 4) - 1 + <i32>(size == 0);
  const e = 31 - <i32>clz<u32>(<u32>(size - 1)); // 2^e < size <= 2^(e+1), e >= 11
  const sub = <i32>((size - 1) >> (e - 2)) & 3;
  return FINE_CLASSES + (e - 11) * 4 + sub;
}

// @ts-ignore: decorator
@inline export function classSize(cls: i32): usize {
  if (cls < FINE_CLASSES) return <usize>(cls + 1) << 4;
  const e = ((cls - FINE_CLASSES) >> 2) + 11;
  const sub = (cls - FINE_CLASSES) & 3;
  return <usize>(5 + sub) << (e - 2);
}

function grow(needEnd: u64): bool {
  if (needEnd > HARD_LIMIT) return false;
  const have = heapEnd;
  // Grow by at least 1/32 of what we hold (min 8 MiB): every grow makes V8
  // count the whole memory as new external memory and run a full collection
  // (one every ~20 ms under collector writes to a young store with 1 MiB
  // steps). Pages grown but not yet written cost address space, not RSS.
  let want = needEnd - have;
  let step = have >> 5;
  if (step < 0x80_0000) step = 0x80_0000;
  if (want < step) want = step;
  if (have + want > HARD_LIMIT) want = HARD_LIMIT - have;
  const pages = <i32>((want + 0xffff) >> 16);
  if (memory.grow(pages) < 0) {
    // Try the bare minimum before giving up.
    if (memory.grow(<i32>((needEnd - have + 0xffff) >> 16)) < 0) return false;
  }
  heapEnd = <u64>memory.size() << 16;
  return true;
}

/**
 * Makes room for `bytes` more (within the data limit) before a bulk load,
 * doubling linear memory when it grows. Every grow makes V8 count the whole
 * memory again as newly allocated external memory and collect garbage, so a
 * restore that grew in small steps spent a third of its time in the
 * collector; the part not yet used costs address space only. Best effort:
 * later allocations grow or fail as usual.
 */
export function reserve(bytes: u64): void {
  const stored = bytesInUse - scratchInUse;
  const room = dataLimit > stored ? dataLimit - stored : 0;
  const need = heapTop + (bytes < room ? bytes : room);
  if (need <= heapEnd) return;
  let target = need + heapEnd;
  const limit = heapTop + room;
  if (target > limit) target = limit > need ? limit : need;
  grow(target);
}

function allocBlock(size: usize, scratch: bool): usize {
  const cls = classOf(size);
  const csize = classSize(cls);
  if (!scratch && bytesInUse - scratchInUse + <u64>csize > dataLimit) {
    allocFailures++;
    return 0;
  }
  const head = freeLists + (<usize>cls << 2);
  let p = <usize>load<u32>(head);
  if (p != 0) {
    store<u32>(head, load<u32>(p));
  } else {
    const end = heapTop + <u64>csize;
    if (end > heapEnd && !grow(end)) {
      allocFailures++;
      return 0;
    }
    p = <usize>heapTop;
    heapTop = end;
  }
  bytesInUse += csize;
  if (scratch) scratchInUse += csize;
  return p;
}

/** A block for stored data (levels, chunks, pages): refused beyond the shard's data limit. */
export function alloc(size: usize): usize {
  return allocBlock(size, false);
}

/** A block for request or response bytes: not counted against the data limit. */
export function allocScratch(size: usize): usize {
  return allocBlock(size, true);
}

/** Capacity of the block growScratch returned last. */
export let grownScratchCap: usize = 0;

/**
 * A scratch buffer of at least `need` bytes (capacity doubled from `cap`, at
 * least `minCap`; past 1 GiB exactly `need`, so it cannot wrap) holding the
 * `used` bytes of `ptr`, which is freed; 0 when memory runs out (then `ptr`
 * stays as it was). The new capacity is in grownScratchCap.
 */
export function growScratch(ptr: usize, cap: usize, used: usize, need: usize, minCap: usize): usize {
  let n = cap < minCap ? minCap : cap;
  while (n < need) {
    if (n >= 0x4000_0000) {
      n = need;
      break;
    }
    n <<= 1;
  }
  const p = allocScratch(n);
  if (p == 0) return 0;
  if (ptr != 0) {
    memory.copy(p, ptr, used);
    freeScratch(ptr, cap);
  }
  grownScratchCap = n;
  return p;
}

export function freeScratch(ptr: usize, size: usize): void {
  if (ptr == 0) return;
  scratchInUse -= classSize(classOf(size));
  free(ptr, size);
}

export function free(ptr: usize, size: usize): void {
  if (ptr == 0) return;
  const cls = classOf(size);
  const head = freeLists + (<usize>cls << 2);
  store<u32>(ptr, load<u32>(head));
  store<u32>(head, <u32>ptr);
  bytesInUse -= classSize(cls);
}

/** Zeroed block for stored data. */
export function allocZeroed(size: usize): usize {
  const p = alloc(size);
  if (p != 0) memory.fill(p, 0, classSize(classOf(size)));
  return p;
}

/** Bytes of linear memory the allocator ever handed out (the heap's high water, what the process touched). */
export function touchedBytes(): u64 {
  return heapTop - <u64>((__heap_base + 15) & ~(<usize>15));
}

/**
 * Bytes on the free lists: blocks handed back and kept for reuse. With the
 * blocks in use (bytesInUse) they make up touchedBytes exactly, since the
 * bump region hands out whole class sizes.
 */
export function freeBytes(): u64 {
  return touchedBytes() - bytesInUse;
}

/**
 * The part of freeBytes in blocks larger than `size` (walks those classes'
 * lists, so it is for statistics: above 2,048 bytes they hold the few
 * request buffers outgrown, a handful of blocks).
 */
export function freeBytesAbove(size: usize): u64 {
  let total: u64 = 0;
  const first = size < FINE_LIMIT ? classOf(size + 1) : classOf(size) + 1;
  for (let cls = first; cls < CLASS_COUNT; cls++) {
    const bytes = <u64>classSize(cls);
    for (let p = <usize>load<u32>(freeLists + (<usize>cls << 2)); p != 0; p = <usize>load<u32>(p)) total += bytes;
  }
  return total;
}

export function memoryBytes(): u64 {
  return <u64>memory.size() << 16;
}
