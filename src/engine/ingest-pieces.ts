// Cutting an ingest body into the pieces the engine parses one after the
// other (assembly/ingest.ts "a body in pieces"), so the parsing shard's input
// buffer holds a piece, not the body: linear memory never shrinks, and a
// 300 MB body copied whole would keep 300 MB of it for good.
//
// A piece ends after a newline, at most `limit` bytes from its start when a
// newline is there; a longer line makes its piece end at the line's newline.
// The engine may not read a piece to its end: a line that runs into the end
// of a piece without its newline ending it (a quoted string with a newline in
// it) is read again at the start of the next piece. When nothing of a piece
// could be read, the next one starts at the same place and is (at least)
// twice as long, so even such a line costs a few passes, not one per newline.

/** Bytes of a body parsed at once, at most (unless one line is longer). */
/** (64 KiB short of 4 MiB: a piece, the default cluster and the padding after them fit a 4 MiB buffer.) */
export const DEFAULT_PIECE_BYTES = 4 * 2 ** 20 - 65536;

const NEWLINE = 10;

/**
 * An ingest body: its bytes in one buffer, or in the chunks it arrived in
 * (an HTTP body, as the socket delivered it). Chunks are read in place, one
 * piece at a time, so a big body is never copied whole into a buffer of its
 * own before the copy into the engine.
 */
export type IngestBody = Uint8Array | readonly Uint8Array[];

/** What cutting a body into pieces reads: Uint8Array's own methods, or ChunkedBody's. */
export interface BodyBytes {
  readonly length: number;
  indexOf(value: number, from: number): number;
  lastIndexOf(value: number, from: number): number;
}

/** A body in chunks, addressed as the one buffer they would make end to end. */
export class ChunkedBody implements BodyBytes {
  readonly length: number;
  /** Where each chunk starts in the body. */
  private readonly starts: number[] = [];

  constructor(private readonly chunks: readonly Uint8Array[]) {
    let at = 0;
    for (const c of chunks) {
      this.starts.push(at);
      at += c.length;
    }
    this.length = at;
  }

  /** As Uint8Array.indexOf: the first `value` at or after `from`, or -1. */
  indexOf(value: number, from: number): number {
    if (from < 0) from = 0;
    for (let i = from < this.length ? this.chunkAt(from) : this.chunks.length; i < this.chunks.length; i++) {
      const start = this.starts[i]!;
      const found = this.chunks[i]!.indexOf(value, Math.max(0, from - start));
      if (found >= 0) return start + found;
    }
    return -1;
  }

  /** As Uint8Array.lastIndexOf: the last `value` at or before `from`, or -1. */
  lastIndexOf(value: number, from: number): number {
    if (from >= this.length) from = this.length - 1;
    if (from < 0) return -1;
    for (let i = this.chunkAt(from); i >= 0; i--) {
      const start = this.starts[i]!;
      const chunk = this.chunks[i]!;
      const found = chunk.lastIndexOf(value, Math.min(chunk.length - 1, from - start));
      if (found >= 0) return start + found;
    }
    return -1;
  }

  /** Copies the body's bytes [start, end) into `dst` at `at`. */
  copyTo(dst: Uint8Array, at: number, start: number, end: number): void {
    for (let i = start < this.length ? this.chunkAt(start) : this.chunks.length; i < this.chunks.length && start < end; i++) {
      const chunkStart = this.starts[i]!;
      const chunk = this.chunks[i]!;
      const from = start - chunkStart;
      const to = Math.min(chunk.length, end - chunkStart);
      dst.set(from === 0 && to === chunk.length ? chunk : chunk.subarray(from, to), at);
      at += to - from;
      start = chunkStart + to;
    }
  }

  /** The chunk holding byte `pos` (0 <= pos < length): the last one starting at or before it that is not empty. */
  private chunkAt(pos: number): number {
    const starts = this.starts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (starts[mid]! <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/** The body as cutting reads it: one buffer as it is (a body of one chunk too), else a ChunkedBody. */
export function bodyBytes(body: IngestBody): Uint8Array | ChunkedBody {
  if (!Array.isArray(body)) return body as Uint8Array;
  const chunks = body as readonly Uint8Array[];
  if (chunks.length === 1) return chunks[0]!;
  return chunks.length === 0 ? new Uint8Array(0) : new ChunkedBody(chunks);
}

/** Copies the body's bytes [start, end) into `dst` at `at`. */
export function copyBody(body: Uint8Array | ChunkedBody, dst: Uint8Array, at: number, start: number, end: number): void {
  if (body instanceof ChunkedBody) body.copyTo(dst, at, start, end);
  // (Node's Buffer.subarray costs more than the copy of a collector's body: the whole body goes as it is.)
  else dst.set(start === 0 && end === body.length ? body : body.subarray(start, end), at);
}

export interface Piece {
  start: number;
  end: number;
  /** The body ends with this piece. */
  last: boolean;
}

export class BodyPieces {
  private current: Piece = { start: 0, end: 0, last: false };

  constructor(
    private readonly body: BodyBytes,
    private readonly limit: number,
  ) {}

  first(): Piece {
    return (this.current = this.cut(0, this.limit));
  }

  /** The piece after the current one, of which the engine read `consumed` bytes. */
  next(consumed: number): Piece {
    const { start, end } = this.current;
    if (consumed > 0) return (this.current = this.cut(start + consumed, this.limit));
    // Nothing read: the line at `start` goes on past `end`.
    return (this.current = this.cut(start, Math.max(this.limit, 2 * (end - start))));
  }

  /** From `start`, ending after the last newline within `size` bytes, or else after the first newline beyond. */
  private cut(start: number, size: number): Piece {
    const body = this.body;
    if (body.length - start <= size) return { start, end: body.length, last: true };
    const within = body.lastIndexOf(NEWLINE, start + size - 1);
    if (within >= start) return { start, end: within + 1, last: within + 1 === body.length };
    const beyond = body.indexOf(NEWLINE, start + size);
    if (beyond < 0) return { start, end: body.length, last: true };
    return { start, end: beyond + 1, last: beyond + 1 === body.length };
  }
}
