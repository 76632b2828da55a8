// A full garbage collection once writes have gone quiet.
//
// Each write body arrives as socket chunks (node:http: one malloc'd buffer per
// read, below the mmap threshold, so in the brk heap or a malloc arena) and
// leaves garbage behind; V8 collects it when allocation pressure says so. A
// store that stops receiving writes (the end of a burst, a backfill, a
// cluster's collectors stopped) allocates nothing more, so nothing collects
// the last bodies' buffers and their memory stays resident for good: 60 MB
// after a fill of 300,000-line bodies (README "Performance"). Collecting once,
// when the writes have been quiet for a while, frees them, and with them the
// buffers the store let go of when it went quiet (`beforeCollect`).
//
// Nothing of this runs on a write: noting one adds to two numbers and, when no
// timer is armed, arms one (unref'd, so it never keeps a process alive).

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface IdleCollectionOptions {
  /** Writes must have been quiet this long (between this and twice this, by the timer's period). */
  quietMs: number;
  /** A collection only when at least this many body bytes came in since the last one. */
  minBytes: number;
  /** Runs first: let go of buffers kept for the next write. */
  beforeCollect?: () => void;
  /** The collection itself; by default the runtime's full collection (nothing where there is none). */
  collect?: (() => void) | null;
}

export interface IdleCollection {
  /** A write body of `bytes` came in. */
  noteWrite(bytes: number): void;
  /** Collections run so far. */
  collections(): number;
  /** No more timers. */
  stop(): void;
}

export function collectWhenQuiet(options: IdleCollectionOptions): IdleCollection {
  const collect = options.collect === undefined ? fullGarbageCollection() : options.collect;
  let bytes = 0;
  let writes = 0;
  let writesSeen = 0;
  let collections = 0;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const arm = () => {
    timer = setTimeout(check, options.quietMs);
    (timer as { unref?: () => void }).unref?.();
  };
  const check = () => {
    timer = null;
    if (stopped) return;
    if (writes !== writesSeen) {
      // Not quiet yet: look again a period later.
      writesSeen = writes;
      arm();
      return;
    }
    if (bytes < options.minBytes) return;
    bytes = 0;
    options.beforeCollect?.();
    collect?.();
    collections++;
  };

  return {
    noteWrite(n) {
      bytes += n;
      writes++;
      if (timer === null && !stopped) arm();
    },
    collections: () => collections,
    stop() {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
}

/**
 * The runtime's full, synchronous garbage collection, or null where it offers
 * none. Node and Deno: V8's gc(), exposed by setting --expose-gc at run time
 * and taken from a context made after that (the main context was made
 * before); Bun: Bun.gc(true).
 */
export function fullGarbageCollection(): (() => void) | null {
  const bun = (globalThis as { Bun?: { gc(force: boolean): void } }).Bun;
  if (bun) return () => bun.gc(true);
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') return exposed as () => void;
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    return null;
  }
}
