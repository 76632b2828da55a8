// Buffers a write body is gathered into as it arrives, kept from body to body.
//
// node:http hands a body to JavaScript as a new 64 KiB buffer for every read of
// the socket, outside the JavaScript heap. Held until a bulk body's last byte
// arrives (18 MB of them for 230,400 lines), they count as V8's external memory
// against the old generation's slack and start a mark-compact of the whole heap
// about once a body (docs/architecture.md "Bulk writes"). Copied into a buffer
// that lives on between bodies and detached at once (engine/detach-buffer.ts:
// transfer(0) frees the memory right away), a chunk never adds to that count:
// the body's memory is allocated once, for the first body of its size, not per
// body. The copy (about 3 ms of 18 MB) is the price.
//
// A buffer is lent to one body at a time (two connections sending bulk bodies
// at once gather into two buffers), given back once the write path has
// returned, and kept for the next body, up to KEPT_BUFFERS of them. Each is at
// most the body limit (main.max-body-size). When writes go quiet, `release`
// lets go of them all (service/start.ts, with the store's own idle release).

import { detachBuffer } from '../engine/detach-buffer.ts';
import type { IngestBody } from '../engine/types.ts';
import { detachOwned } from './body-release.ts';

/** Free buffers kept for the next bodies; more than this given back are let go at once. */
const KEPT_BUFFERS = 2;
/** The smallest buffer made for a body without a Content-Length (it grows by doubling). */
const MIN_CAPACITY = 64 * 1024;

/**
 * A new buffer's size for `want` bytes: 1/16 more, in whole 64 KiB, within
 * `limit`. Bodies of one shape differ by a few bytes (their timestamps): a
 * buffer made exactly to size would be too small for the next body that is a
 * byte longer, and a new one of 18 MB each time is what this is to avoid.
 */
function capacityFor(want: number, limit: number): number {
  const roomy = Math.ceil((want + want / 16) / MIN_CAPACITY) * MIN_CAPACITY;
  return Math.max(1, Math.min(limit, Math.max(roomy, MIN_CAPACITY)));
}

/** One body's gathering: its bytes so far at the start of a lent buffer. */
export interface BodyGathering {
  /** Appends `chunk` (the body's length stays within the limit: the caller checks) and lets go of its memory. */
  add(chunk: Uint8Array): void;
  /** The body's bytes: a view of the lent buffer, valid until the buffer is given back. */
  bytes(): Uint8Array;
  /** Gives the buffer back (the body's bytes are not read any more; they will be overwritten). */
  end(): void;
}

export class BodyBuffers {
  private readonly free: Uint8Array[] = [];
  /** The buffers lent to bodies now, by their ArrayBuffer, to tell their views from anything else. */
  private readonly lent = new Map<ArrayBufferLike, Uint8Array>();

  /** Starts gathering a body of `declared` bytes (NaN: not said), at most `limit`. */
  gather(declared: number, limit: number): BodyGathering {
    const sized = Number.isSafeInteger(declared) && declared > 0 && declared <= limit;
    let buffer: Uint8Array | null = null;
    let filled = 0;
    const ensure = (need: number) => {
      if (buffer !== null && need <= buffer.byteLength) return;
      if (buffer === null) {
        buffer = this.take(sized ? declared : need, limit);
        if (need <= buffer.byteLength) return;
      }
      // Too small (more bytes than declared, or no Content-Length): a larger one, the bytes so far moved over.
      const larger = new Uint8Array(capacityFor(Math.max(need, buffer.byteLength * 2), limit));
      larger.set(buffer.subarray(0, filled));
      this.lent.delete(buffer.buffer);
      detachBuffer(buffer.buffer);
      this.lent.set(larger.buffer, larger);
      buffer = larger;
    };
    return {
      add: (chunk) => {
        ensure(filled + chunk.byteLength);
        buffer!.set(chunk, filled);
        filled += chunk.byteLength;
        detachOwned(chunk);
      },
      bytes: () => (buffer === null ? new Uint8Array(0) : buffer.subarray(0, filled)),
      end: () => {
        if (buffer !== null && this.lent.has(buffer.buffer)) this.giveBack(buffer);
        buffer = null;
        filled = 0;
      },
    };
  }

  /**
   * Gives back the buffer `body` (a gathered body) is a view of, once nothing
   * reads it any more; false when it is no such view (the caller's to release):
   * a kept buffer must not be detached with the chunks of other bodies.
   */
  giveBackBody(body: IngestBody): boolean {
    if (Array.isArray(body)) return false;
    const buffer = this.lent.get((body as Uint8Array).buffer);
    if (buffer === undefined) return false;
    this.giveBack(buffer);
    return true;
  }

  /** Lets go of the kept buffers (writes have gone quiet); the next body makes a new one. */
  release(): void {
    for (const buffer of this.free.splice(0)) detachBuffer(buffer.buffer);
  }

  /** True while a body is being gathered (a buffer is lent): writes are under way, though none has reached the store yet. */
  gathering(): boolean {
    return this.lent.size > 0;
  }

  /** Bytes held in free buffers (for tests and status). */
  keptBytes(): number {
    let n = 0;
    for (const buffer of this.free) n += buffer.byteLength;
    return n;
  }

  /** A free buffer of at least `want` bytes, else a new one; the free ones are too small for it kept as they are. */
  private take(want: number, limit: number): Uint8Array {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const size = this.free[i]!.byteLength;
      if (size >= want && (best < 0 || size < this.free[best]!.byteLength)) best = i;
    }
    const buffer = best >= 0 ? this.free.splice(best, 1)[0]! : new Uint8Array(capacityFor(want, limit));
    this.lent.set(buffer.buffer, buffer);
    return buffer;
  }

  private giveBack(buffer: Uint8Array): void {
    this.lent.delete(buffer.buffer);
    this.free.push(buffer);
    if (this.free.length <= KEPT_BUFFERS) return;
    // Keep the largest: the next body of that size needs no new buffer.
    this.free.sort((a, b) => b.byteLength - a.byteLength);
    for (const dropped of this.free.splice(KEPT_BUFFERS)) detachBuffer(dropped.buffer);
  }
}
