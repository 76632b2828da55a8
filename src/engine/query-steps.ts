// A query answered in steps (assembly/query-step.ts): each engine call writes
// a bounded part of the answer, which is copied out before the next call, so
// the engine's response buffer stays small whatever the answer; between
// steps the caller may let other work run (queryAsync).

import { answerBuffer } from './answer-buffers.ts';
import { EngineMemoryError, type Shard } from './shard.ts';

/** How much one engine call answers at most. */
export interface StepSize {
  /** Output after which a step stops at the next selector. */
  bytes: number;
  /** Selectors (type-id x subtype-id pairs) after which a step stops. */
  selectors: number;
  /** Points read (over all series of the selectors) after which a step stops. */
  reads: number;
  /** An entry with more points is written in pieces of this many, one call each. */
  points: number;
}

/** About 1 MiB per step, and about a millisecond of work (a selector found takes 1-10 us, a point read ~2 ns). */
export const DEFAULT_STEP: StepSize = { bytes: 1 << 20, selectors: 1024, reads: 1 << 19, points: 1 << 16 };

export interface QueryOptions {
  /** Points (values and padding nulls, after resolution) the whole answer may hold; beyond: QueryLimitError. */
  maxPoints?: number;
  /** Smaller steps than DEFAULT_STEP (tests use them to run every answer through many steps). */
  step?: Partial<StepSize>;
}

/** An answer would hold more points than QueryOptions.maxPoints allows. */
export class QueryLimitError extends Error {
  constructor(readonly maxPoints: number) {
    super(`the answer would hold more than ${maxPoints} points`);
    this.name = 'QueryLimitError';
  }
}

// STEP_* of assembly/query-step.ts
const STEP_DONE = 1;
const STEP_MORE = 2;
const STEP_PIECE = 3;
const STEP_OVER = 4;
const STEP_BROKEN = 5;

/**
 * The JSON of every result row, in parts. A part is either a copy or, when
 * its step was the shard's last, a view of the shard's response buffer,
 * which stays valid until the next call into that shard: detach() copies
 * the views before anything else may run.
 */
export class RowParts {
  private readonly rows: Array<Uint8Array | Uint8Array[] | undefined>;
  private views: number[] = [];
  /** Rows whose every part is in (for takeReady; made on the first markComplete: a whole answer needs none). */
  private complete: Uint8Array | null = null;
  /** Rows before it were handed out by takeReady. */
  private next = 0;
  private headOut = false;

  constructor(count: number) {
    this.rows = new Array(count);
  }

  /** `row` has all its parts (its shard went past it). */
  markComplete(row: number): void {
    (this.complete ??= new Uint8Array(this.rows.length))[row] = 1;
  }

  /**
   * For an answer written as it is produced: `head` (on the first call) and the
   * complete rows not handed out yet that follow each other from the first, with
   * their commas, copied into one buffer (views included, so nothing refers to
   * engine memory); those rows' parts are dropped. Null when nothing is ready.
   */
  takeReady(head: Uint8Array): Uint8Array | null {
    const first = this.next;
    let end = first;
    const complete = this.complete;
    if (complete) while (end < this.rows.length && complete[end] === 1) end++;
    if (end === first && this.headOut) return null;
    let size = this.headOut ? 0 : head.length;
    for (let i = first; i < end; i++) size += (i > 0 ? 1 : 0) + partsOf(this.rows[i]).reduce((a, b) => a + b.length, 0);
    const out = new Uint8Array(size);
    let p = 0;
    if (!this.headOut) {
      out.set(head, 0);
      p = head.length;
      this.headOut = true;
    }
    for (let i = first; i < end; i++) {
      if (i > 0) out[p++] = 44;
      for (const part of partsOf(this.rows[i])) {
        out.set(part, p);
        p += part.length;
      }
      this.rows[i] = undefined;
    }
    this.next = end;
    this.views = this.views.filter((row) => row >= end);
    return out;
  }

  add(row: number, bytes: Uint8Array, isView: boolean): void {
    const have = this.rows[row];
    if (have === undefined) this.rows[row] = bytes;
    else if (Array.isArray(have)) have.push(bytes);
    else this.rows[row] = [have, bytes];
    if (isView) this.views.push(row);
  }

  detach(): void {
    for (const row of this.views) {
      const have = this.rows[row]!;
      // A view is the last part of its row: its step finished the row.
      if (Array.isArray(have)) have[have.length - 1] = have[have.length - 1].slice();
      else this.rows[row] = have.slice();
    }
    this.views = [];
  }

  /** head, the rows separated by commas, tail (all at once; takeReady not called). Plain loops: this runs once per answer of every query. */
  join(head: Uint8Array, tail: Uint8Array): Uint8Array {
    const rows = this.rows;
    let size = head.length + tail.length + Math.max(0, rows.length - 1);
    for (let i = 0; i < rows.length; i++) size += sizeOf(rows[i]);
    // Every byte of it is written below: no need to zero it first.
    const out = answerBuffer(size);
    out.set(head, 0);
    let p = head.length;
    for (let i = 0; i < rows.length; i++) {
      if (i > 0) out[p++] = 44;
      const r = rows[i];
      if (r === undefined) continue;
      if (!Array.isArray(r)) {
        out.set(r, p);
        p += r.length;
        continue;
      }
      for (const part of r) {
        out.set(part, p);
        p += part.length;
      }
    }
    out.set(tail, p);
    return out;
  }
}

function sizeOf(row: Uint8Array | Uint8Array[] | undefined): number {
  if (row === undefined) return 0;
  if (!Array.isArray(row)) return row.length;
  let n = 0;
  for (const part of row) n += part.length;
  return n;
}

/**
 * Answers one shard's query command in steps, adding the rows' parts to
 * `parts`; yields where other work may run (before that, every view is
 * detached). `command` is copied into the shard on the first step (encodeQuery reuses
 * its buffer). Returns the points the answer may still hold.
 */
export function* answerOnShard(
  shard: Shard, command: Uint8Array, pointsLeft: number, maxPoints: number, step: StepSize, parts: RowParts,
  rows?: readonly number[],
): Generator<void, number> {
  /** `rows` (the shard's rows, ascending) before rows[done] are marked complete. */
  let done = 0;
  const x = shard.x;
  const cursor = x.queryOpen(command.length) >>> 0;
  if (cursor === 0) throw new EngineMemoryError('query command');
  try {
    shard.u8().set(command, x.queryCommand(cursor) >>> 0);
    for (;;) {
      const status = x.queryStep(cursor, pointsLeft, step.bytes, step.selectors, step.reads, step.points);
      if (status === STEP_OVER) throw new QueryLimitError(maxPoints);
      if (status === STEP_BROKEN) throw new Error('query answer interrupted by another query on the shard');
      if (status !== STEP_DONE && status !== STEP_MORE && status !== STEP_PIECE) throw new EngineMemoryError('query answer');
      pointsLeft = x.queryPointsLeft();
      // The next call into this shard overwrites the response: copy unless this was the last.
      const last = status === STEP_DONE;
      // A fragment's offset is into the response: one view of memory each, no view of the response first.
      const at = x.responsePtr() >>> 0;
      const n = x.queryFragmentCount();
      const table = x.queryFragments() >>> 0;
      const dv = shard.dv();
      const memory = shard.u8();
      for (let i = 0; i < n; i++) {
        const row = dv.getUint32(table + i * 12, true);
        const off = at + dv.getUint32(table + i * 12 + 4, true);
        const len = dv.getUint32(table + i * 12 + 8, true);
        const bytes = memory.subarray(off, off + len);
        parts.add(row, last ? bytes : bytes.slice(), last);
        if (rows) while (done < rows.length && rows[done]! < row) parts.markComplete(rows[done++]!);
      }
      if (last) {
        if (rows) while (done < rows.length) parts.markComplete(rows[done++]!);
        return pointsLeft;
      }
      // An open entry (STEP_PIECE) is finished before anything else runs.
      if (status === STEP_MORE) {
        parts.detach();
        yield;
      }
    }
  } finally {
    x.queryClose(cursor);
  }
}

export function runToEnd<T>(steps: Generator<void, T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** Runs the steps, giving the event loop a turn (I/O included) between them. */
export async function runWithTurns<T>(steps: Generator<void, T>): Promise<T> {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    await nextTurn();
  }
}

/** A macrotask: other requests' I/O is served before it (a resolved promise would not let them). */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof setImmediate === 'function') setImmediate(resolve);
    else setTimeout(resolve, 0);
  });
}

function partsOf(row: Uint8Array | Uint8Array[] | undefined): Uint8Array[] {
  return row === undefined ? [] : Array.isArray(row) ? row : [row];
}
