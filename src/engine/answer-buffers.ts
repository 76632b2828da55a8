// The buffers answers are copied into out of the engine's memory (RowParts.join).
//
// An answer of a small query is 6-11 KB: a buffer of its own each time (Node's
// Buffer.allocUnsafeSlow) is a malloc, an ArrayBuffer and its backing store,
// and a free when a collection finds it dead, every request. Instead answers
// are cut from a slab, one after the other, as Node's Buffer pool does for
// small buffers: a slab is never reused, only dropped when full, and freed
// when the last answer cut from it is gone (a slow client's socket holding
// one answer keeps its slab, SLAB_BYTES at most, alive as long). Larger
// answers get a buffer of their own, as before.

const NodeBuffer = (globalThis as { Buffer?: { allocUnsafeSlow(size: number): Uint8Array } }).Buffer;

/** About six of the largest single-host answers: one malloc for several requests, little kept alive by one answer. */
const SLAB_BYTES = 64 * 1024;
/** Answers from this size on get a buffer of their own. */
const OWN_FROM = 16 * 1024;

let slab: Uint8Array = new Uint8Array(0);
let used = 0;

/** `size` bytes the caller fills whole (they are not zeroed first), nothing else refers to. */
export function answerBuffer(size: number): Uint8Array {
  if (size >= OWN_FROM) return uninitialized(size);
  if (used + size > slab.length) {
    slab = uninitialized(SLAB_BYTES);
    used = 0;
  }
  const out = slab.subarray(used, used + size);
  // The next one starts 8-aligned (a reader may take a wider view of its bytes).
  used += (size + 7) & ~7;
  return out;
}

/**
 * `size` bytes not zeroed first, where the runtime has Node's Buffer (Node,
 * Bun, Deno): zeroing them is a memset the size of the copy that fills them.
 * A plain Uint8Array over that memory, not the Buffer (whose slice() is a
 * view, not a copy).
 */
function uninitialized(size: number): Uint8Array {
  if (NodeBuffer === undefined) return new Uint8Array(size);
  const bytes = NodeBuffer.allocUnsafeSlow(size);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, size);
}
