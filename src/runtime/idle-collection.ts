// A garbage collection once writes have gone quiet.
//
// Each write body arrives as socket chunks (node:http: one malloc'd buffer per
// read, outside the JavaScript heap) and leaves garbage behind; V8 collects it
// when allocation pressure says so. A store that stops receiving writes (the
// end of a burst, a backfill, a cluster's collectors stopped) allocates
// nothing more, so nothing collects the last bodies' buffers and their memory
// stays resident: 60 MB after a fill of 300,000-line bodies (README
// "Performance"). Collecting once, when the writes have been quiet for a
// while, frees them, and with them the buffers the store let go of when it
// went quiet (`beforeCollect`).
//
// Which collection (idleGarbageCollection): on Node a scavenge, which frees
// the young ArrayBuffers the write path moved each answered body's memory to
// (api/body-release.ts) and the WAL arena's. Not a full collection: with no
// request in flight, the maps only requests keep alive die in it, and the
// optimised code that depends on them is thrown away and compiled again by the
// next writes: 15-40 % more CPU a write for the first second of them
// (docs/engine.md "Memory after a fill"). Deno: the same scavenge (its bodies
// are not detached); Bun: none.
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
  /**
   * True while a write is under way though none has been noted for a while (a
   * bulk body still arriving): not quiet then. A body noted when it is whole
   * that takes longer than quietMs to arrive would otherwise let go of the
   * buffers it and the next body need, every body.
   */
  busy?: () => boolean;
  /** The collection itself; by default idleGarbageCollection() (nothing where there is none). */
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
  const collect = options.collect === undefined ? idleGarbageCollection() : options.collect;
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
    if (writes !== writesSeen || options.busy?.() === true) {
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
 * The collection for an idle store: on V8 (Node, Deno) a scavenge, young
 * generation only, where what the store detached is (the WAL arena; on Node
 * the bodies' buffers too, body-release.ts). None on Bun: JavaScriptCore
 * collects on timers of its own, and whether a forced full collection there
 * costs the writes after it as V8's does was not measured. Null where there
 * is none.
 */
export function idleGarbageCollection(): (() => void) | null {
  if ((globalThis as { Bun?: unknown }).Bun) return null;
  const gc = v8GarbageCollection();
  return gc ? () => gc({ type: 'minor' }) : null;
}

type V8Gc = (options?: { type?: 'major' | 'minor'; execution?: 'sync' | 'async' }) => void;

/**
 * V8's gc() (its options pick a scavenge or a full collection; none: a full
 * one), exposed by setting --expose-gc at run time and taken from a context
 * made after that (the main context was made before). Null off V8.
 */
export function v8GarbageCollection(): V8Gc | null {
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') return exposed as V8Gc;
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? (gc as V8Gc) : null;
  } catch {
    return null;
  }
}
