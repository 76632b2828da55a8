// The WAL records of one ingest call (or a batch of held calls), per host.
// A shard may hand its records over in parts during the call (the parsing
// shard between hosts once they pass 2 MiB, every shard at the end of each
// piece of a body) and hands over the rest at its end; a host whose records
// span parts gets them as a list (`WalAppend.parts`).
//
// Records handed over at the end of the call stay where they are: the result
// holds views of engine memory, valid until the next call into the store (the
// WAL appender writes them at once and copies only what must wait). Parts
// handed over during the call are copied, since the shard reuses that buffer.
// The engine lists a host whose records are in several runs (hosts
// interleaved in the body) run by run, its runs together (assembly/wal.ts
// walFinish): handed over during the call, they are copied into one part, so
// the copy groups them; at the end, they are parts of their own.
// A host's parts are not joined unless someone reads its `records`: the WAL
// appender takes `parts` and writes them in one writev (the join was some 2 %
// of a bulk body's main-thread time).
//
// The result lists the hosts shard by shard, each shard's in order of first
// appearance: the same order whether the body came in one piece or many.
//
// The copies (the parts, and a join should one be asked for) go into a WalArena the
// store keeps from call to call, so they are views valid until the next call,
// like those of engine memory: a bulk body's 10 MB of records cost no new
// buffers (each zeroed, and, as external memory, a reason for major
// collections of the JavaScript heap) on every request.
import { detachBuffer } from './detach-buffer.ts';
import type { WalAppend } from './types.ts';
import { EngineMemoryError, type Shard } from './shard.ts';

/** Bytes an arena keeps for the next call at most (a body whose parts need more gets buffers of its own beyond it). */
export const WAL_ARENA_MAX_BYTES = 32 * 2 ** 20;
const WAL_ARENA_MIN_BYTES = 2 ** 20;

/**
 * Room for the copies of one ingest call (or held batch), handed out anew by
 * the next: what `take` returns is valid until `reset`. A view never spans
 * the whole of its buffer: the WAL appender keeps a view's bytes by copying
 * them, a whole buffer as it is.
 */
export class WalArena {
  private buffer = new Uint8Array(0);
  private used = 0;

  /** A new call: what the last one was handed may be overwritten from now on. */
  reset(): void {
    this.used = 0;
  }

  /**
   * Lets go of the buffer (the store gone quiet): up to WAL_ARENA_MAX_BYTES
   * that would stay resident until the next bulk body; the next take starts a
   * new one. `inUse`: views handed out may still be read (records held for a
   * batch), so they keep their bytes (they hold the old buffer). Otherwise the
   * buffer is detached, its memory left to the next scavenge rather than the
   * next full collection (detach-buffer.ts): the views of the last call are
   * invalid from its end on anyway (the next call would overwrite them).
   */
  release(inUse: boolean): void {
    if (!inUse) detachBuffer(this.buffer.buffer);
    this.buffer = new Uint8Array(0);
    this.used = 0;
  }

  /** Bytes the arena holds for the next call. */
  heldBytes(): number {
    return this.buffer.length;
  }

  /** `n` bytes to fill. */
  take(n: number): Uint8Array {
    if (this.used + n >= this.buffer.length) {
      const size = Math.max(2 * this.buffer.length, n + 1, WAL_ARENA_MIN_BYTES);
      // Beyond what the arena keeps: a buffer of its own, one byte longer (still a view), the arena left as it is.
      if (size > WAL_ARENA_MAX_BYTES) return new Uint8Array(n + 1).subarray(0, n);
      // Views of the buffer before stay valid: they hold it until they are dropped.
      this.buffer = new Uint8Array(size);
      this.used = 0;
    }
    const out = this.buffer.subarray(this.used, this.used + n);
    this.used += n;
    return out;
  }

  /** A copy of `bytes[start, end)`. */
  copy(bytes: Uint8Array, start: number, end: number): Uint8Array {
    const out = this.take(end - start);
    out.set(bytes.subarray(start, end));
    return out;
  }

  /** The parts end to end (a single part as it is). */
  join(parts: readonly Uint8Array[]): Uint8Array {
    if (parts.length === 1) return parts[0]!;
    let size = 0;
    for (const p of parts) size += p.length;
    const out = this.take(size);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

/** u32 words per entry (a host, or one of its runs) in the shard's table: level, offset, length, count, generation (assembly/wal.ts). */
const TABLE_WORDS = 5;

/**
 * A host handed over in parts: `records` joins them (into the arena) only when
 * read. Only cluster, host and count are own properties, so that a copy made
 * by spreading (`{ ...w, records }`) looks like any other entry.
 */
class PartedAppend implements WalAppend {
  count = 0;
  readonly #parts: Uint8Array[] = [];
  readonly #arena: WalArena;
  #joined: Uint8Array | null = null;

  constructor(
    readonly cluster: string,
    readonly host: string,
    arena: WalArena,
  ) {
    this.#arena = arena;
  }

  get parts(): readonly Uint8Array[] {
    return this.#parts;
  }

  get records(): Uint8Array {
    return (this.#joined ??= this.#arena.join(this.#parts));
  }

  push(part: Uint8Array, count: number): void {
    this.#parts.push(part);
    this.count += count;
  }
}

interface SplitHost {
  append: PartedAppend;
  generation: number;
}

interface ShardParts {
  /** Its hosts in order of first appearance. */
  out: WalAppend[];
  /** Hosts handed over in parts, by level (a level's address and generation name one host). */
  split: Map<number, SplitHost>;
}

export class WalParts {
  private readonly shards: ShardParts[] = [];

  /** `arena`: the store's, reset here (the records of its last call are no longer valid). */
  constructor(private readonly arena: WalArena) {
    arena.reset();
  }

  private of(index: number): ShardParts {
    while (this.shards.length <= index) this.shards.push({ out: [], split: new Map() });
    return this.shards[index]!;
  }

  /** The shard's records so far, copied; the caller then lets the shard drop them (walNext). */
  takePart(shard: Shard, index: number): void {
    const n = groups(shard);
    if (n === 0) return;
    const parts = this.of(index);
    const table = shard.x.walTablePtr() >>> 2;
    const words = shard.u32();
    const bytes = shard.u8();
    for (let i = 0, t = table; i < n; ) {
      const level = words[t];
      const generation = words[t + 4];
      // The host's entries: one, or its runs one after the other.
      const runs = runsOf(words, t, i, n);
      let host = parts.split.get(level);
      if (host === undefined || host.generation !== generation) {
        const names = shard.hostNames(level, generation);
        host = { append: new PartedAppend(names.cluster, names.host, this.arena), generation };
        parts.split.set(level, host);
        parts.out.push(host.append);
      }
      if (runs === 1) {
        host.append.push(this.arena.copy(bytes, words[t + 1], words[t + 1] + words[t + 2]), words[t + 3]);
      } else {
        let size = 0;
        let count = 0;
        for (let r = 0, e = t; r < runs; r++, e += TABLE_WORDS) {
          size += words[e + 2];
          count += words[e + 3];
        }
        const out = this.arena.take(size);
        for (let r = 0, e = t, at = 0; r < runs; r++, e += TABLE_WORDS) {
          out.set(bytes.subarray(words[e + 1], words[e + 1] + words[e + 2]), at);
          at += words[e + 2];
        }
        host.append.push(out, count);
      }
      i += runs;
      t += runs * TABLE_WORDS;
    }
  }

  /** The records a shard holds at the end of the call, as views. */
  takeFinal(shard: Shard, index: number): void {
    const n = groups(shard);
    if (n === 0) return;
    const parts = this.of(index);
    const table = shard.x.walTablePtr() >>> 2;
    const words = shard.u32();
    const bytes = shard.u8();
    for (let i = 0, t = table; i < n; ) {
      const level = words[t];
      const generation = words[t + 4];
      const runs = runsOf(words, t, i, n);
      const earlier = parts.split.get(level);
      let append: PartedAppend | null = earlier !== undefined && earlier.generation === generation ? earlier.append : null;
      if (append === null && runs === 1) {
        const names = shard.hostNames(level, generation);
        parts.out.push({ cluster: names.cluster, host: names.host, records: bytes.subarray(words[t + 1], words[t + 1] + words[t + 2]), count: words[t + 3] });
      } else {
        if (append === null) {
          const names = shard.hostNames(level, generation);
          append = new PartedAppend(names.cluster, names.host, this.arena);
          parts.out.push(append);
        }
        for (let r = 0, e = t; r < runs; r++, e += TABLE_WORDS) {
          append.push(bytes.subarray(words[e + 1], words[e + 1] + words[e + 2]), words[e + 3]);
        }
      }
      i += runs;
      t += runs * TABLE_WORDS;
    }
  }

  result(): WalAppend[] {
    const out: WalAppend[] = [];
    for (const parts of this.shards) {
      for (const a of parts.out) out.push(a);
    }
    return out;
  }
}

/** Lists the shard's records by host (walGroups); the number of table entries. */
function groups(shard: Shard): number {
  const n = shard.x.walGroups() >>> 0;
  if (n === 0xffffffff) throw new EngineMemoryError('WAL records');
  return n;
}

/** How many entries from entry `i` (at word `t`) of `n` are runs of the same host (its level and generation). */
function runsOf(words: Uint32Array, t: number, i: number, n: number): number {
  const level = words[t];
  const generation = words[t + 4];
  let runs = 1;
  for (let e = t + TABLE_WORDS; i + runs < n && words[e] === level && words[e + 4] === generation; e += TABLE_WORDS) runs++;
  return runs;
}
