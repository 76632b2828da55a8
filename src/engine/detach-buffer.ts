// Letting go of a buffer's memory without waiting for a full garbage collection.
//
// An ArrayBuffer's memory lives outside the JavaScript heap and is freed when
// the collector finds the buffer unreachable; a long-lived buffer is in the old
// generation, which only a full collection visits, and until then V8 counts its
// bytes as external memory, a reason for mark-compacts of the whole heap. Two
// ways to let go earlier:
// - `transfer(0)` detaches the buffer (every view of it is empty from then on)
//   and frees its memory at once, off V8's count: built in from V8 11.4 (Node
//   21, Bun, Deno); on Node 20 the runtime layer lends it (useBufferTransfer,
//   runtime/buffer-transfer.ts);
// - otherwise a structured clone that transfers it moves the memory to a new,
//   unreachable, young ArrayBuffer that the next scavenge frees.
// Collector writes on Node 20 (write-cpu.bench, 2026-12-03, separate runs on a
// loaded machine): the transfer took a request's server CPU 249 -> 166 us, the
// clone 212 -> 193 us.

type Transfer = (this: ArrayBuffer, newLength?: number) => ArrayBuffer;

let transfer: Transfer | null = (ArrayBuffer.prototype as { transfer?: Transfer }).transfer ?? null;

/** Where the runtime has `ArrayBuffer.prototype.transfer` only behind a flag: the runtime layer hands it over. */
export function useBufferTransfer(fn: Transfer): void {
  transfer = fn;
}

/** Detaches `buffer` and gives its memory back (at once, or at the next scavenge); false when it cannot be (shared, empty, untransferable). */
export function detachBuffer(buffer: ArrayBufferLike): boolean {
  if (!(buffer instanceof ArrayBuffer) || buffer.byteLength === 0) return false;
  try {
    if (transfer !== null) transfer.call(buffer, 0);
    else structuredClone(buffer, { transfer: [buffer] });
    return true;
  } catch {
    return false;
  }
}
