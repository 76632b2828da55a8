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

export interface Piece {
  start: number;
  end: number;
  /** The body ends with this piece. */
  last: boolean;
}

export class BodyPieces {
  private current: Piece = { start: 0, end: 0, last: false };

  constructor(
    private readonly body: Uint8Array,
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
