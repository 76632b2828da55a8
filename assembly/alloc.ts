// Memory of one shard: a bump region carved into size classes, each with its
// own free list. Blocks carry no header (callers know their sizes), so a
// 256-byte page of samples costs exactly 256 bytes. Nothing here traps: when
// memory.grow is refused (or the shard's limit is reached) the caller gets 0.

// Size classes: 16-byte steps up to 128, then four classes per power of two.
const CLASS_COUNT: i32 = 112;
const freeLists: usize = memory.data(CLASS_COUNT * 4, 16);

let heapTop: u64 = 0;
let heapEnd: u64 = 0;
/** Data allocations stop at this many bytes of linear memory. */
let dataLimit: u64 = 0;
/** Scratch (request/response) buffers may go up to the hard 4 GiB. */
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
}

// @ts-ignore: decorator
@inline export function classOf(size: usize): i32 {
  if (size <= 128) return <i32>((size + 15) >> 4) - 1 + <i32>(size == 0);
  const e = 31 - <i32>clz<u32>(<u32>(size - 1)); // 2^e < size <= 2^(e+1)
  const sub = <i32>((size - 1) >> (e - 2)) & 3;
  return 8 + (e - 7) * 4 + sub;
}

// @ts-ignore: decorator
@inline export function classSize(cls: i32): usize {
  if (cls < 8) return <usize>(cls + 1) << 4;
  const e = ((cls - 8) >> 2) + 7;
  const sub = (cls - 8) & 3;
  return <usize>(5 + sub) << (e - 2);
}

function grow(needEnd: u64, limit: u64): bool {
  if (needEnd > limit) return false;
  const have = heapEnd;
  // Grow by at least 1/64 of what we hold (min 1 MiB): few grow calls, little slack.
  let want = needEnd - have;
  let step = have >> 6;
  if (step < 0x10_0000) step = 0x10_0000;
  if (want < step) want = step;
  if (have + want > limit) want = limit - have;
  let pages = <i32>((want + 0xffff) >> 16);
  if (have + (<u64>pages << 16) > limit) pages = <i32>((limit - have) >> 16);
  if (memory.grow(pages) < 0) {
    // Try the bare minimum before giving up.
    pages = <i32>((needEnd - have + 0xffff) >> 16);
    if (memory.grow(pages) < 0) return false;
  }
  heapEnd = <u64>memory.size() << 16;
  return true;
}

function allocWithLimit(size: usize, limit: u64): usize {
  const cls = classOf(size);
  const head = freeLists + (<usize>cls << 2);
  const p = load<u32>(head);
  const csize = classSize(cls);
  if (p != 0) {
    store<u32>(head, load<u32>(<usize>p));
    bytesInUse += csize;
    return <usize>p;
  }
  const end = heapTop + <u64>csize;
  if (end > heapEnd) {
    if (!grow(end, limit)) {
      allocFailures++;
      return 0;
    }
  }
  const r = <usize>heapTop;
  heapTop = end;
  bytesInUse += csize;
  return r;
}

/** A block for stored data (levels, chunks, pages): bounded by the shard limit. */
export function alloc(size: usize): usize {
  return allocWithLimit(size, dataLimit);
}

/** A block for request or response bytes: may exceed the data limit, never 4 GiB. */
export function allocScratch(size: usize): usize {
  const p = allocWithLimit(size, HARD_LIMIT);
  if (p != 0) scratchInUse += classSize(classOf(size));
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

export function memoryBytes(): u64 {
  return <u64>memory.size() << 16;
}
