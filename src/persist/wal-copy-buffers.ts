// Buffers the WAL appender copies a big call's records into, so that they can
// be written on the thread pool while the event loop goes on with the next
// request (the records are views of engine memory and of the store's arena,
// valid only until the next store call).
//
// Bounded: at most MAX_BUFFERS buffers of at most MAX_BUFFER_BYTES each. When
// none is free (the thread pool has not finished the writes of the last
// calls) or a call needs more, `lease` gives null and the appender writes
// synchronously as before: the event loop then waits for the disk instead of
// piling up copies. Buffers are kept from call to call (a new 10 MB buffer a
// body would be 10 MB of zeroed external memory, a reason for V8's major
// collections) and dropped once none has been lent for QUIET_MS.

import { setTimeout } from 'node:timers';

/** Buffers at most; with two bulk connections, one is filled while the other's records are written. */
const MAX_BUFFERS = 2;
/** Bytes a buffer holds at most (a bulk body of 230,400 lines has about 10 MB of records). */
export const MAX_BUFFER_BYTES = 32 * 2 ** 20;
/** New buffers are a little larger than asked: bodies of one shape differ by a few bytes. */
const ROUND = 65536;
/** Without a lease for this long, the kept buffers go (as the store's own idle release, service/start.ts). */
const QUIET_MS = 3000;

/**
 * A buffer lent to one call; the writes that hold its views each `hold` it and
 * `drop` it once written. The call holds it too until it has queued them all.
 */
export class CopyLease {
  private holders = 1;

  constructor(
    readonly bytes: Uint8Array,
    private readonly pool: WalCopyBuffers,
  ) {}

  hold(): this {
    this.holders++;
    return this;
  }

  drop(): void {
    if (--this.holders === 0) this.pool.giveBack(this);
  }
}

export class WalCopyBuffers {
  private readonly free: Uint8Array[] = [];
  private lent = 0;
  /** Leases made so far: the quiet timer lets go only if none came since it started. */
  private leases = 0;
  private quietTimer: ReturnType<typeof setTimeout> | null = null;

  /** A buffer of at least `bytes` bytes, or null when none can be had (then write synchronously). */
  lease(bytes: number): CopyLease | null {
    if (bytes > MAX_BUFFER_BYTES) return null;
    const i = this.free.findIndex((b) => b.length >= bytes);
    let buffer: Uint8Array;
    if (i >= 0) {
      buffer = this.free.splice(i, 1)[0]!;
    } else {
      if (this.lent + this.free.length >= MAX_BUFFERS) {
        if (this.free.length === 0) return null;
        this.free.shift(); // too small for this call: replaced by one that fits
      }
      buffer = new Uint8Array(Math.min(MAX_BUFFER_BYTES, Math.ceil((bytes + bytes / 16) / ROUND) * ROUND));
    }
    this.lent++;
    this.leases++;
    return new CopyLease(buffer, this);
  }

  /** Lets go of the buffers not lent out (writes gone quiet). */
  release(): void {
    this.free.length = 0;
  }

  /** Bytes kept for the next calls. */
  heldBytes(): number {
    let n = 0;
    for (const b of this.free) n += b.length;
    return n;
  }

  /** @internal by CopyLease.drop */
  giveBack(lease: CopyLease): void {
    this.lent--;
    this.free.push(lease.bytes);
    if (this.lent === 0 && !this.quietTimer) this.releaseWhenQuiet(this.leases);
  }

  private releaseWhenQuiet(leasesBefore: number): void {
    const timer = setTimeout(() => {
      this.quietTimer = null;
      if (this.lent > 0) return; // the last giveBack starts the next timer
      if (this.leases === leasesBefore) this.release();
      else this.releaseWhenQuiet(this.leases);
    }, QUIET_MS);
    // Never what keeps the process alive (node:timers' unref works on Bun and Deno too).
    timer.unref();
    this.quietTimer = timer;
  }
}
