// The /api/query body of the common shape, read in one pass over the text
// instead of JSON.parse, the Go-style key matching of json-input.ts and the
// checks of each field: those cost about six times the parse of the text
// alone on a small query. Only a strict subset is taken here: keys spelled
// exactly as the fields, each at most once, no null, strings without escapes,
// numbers whose value Number() reads as JSON.parse does. Anything else (any
// doubt) returns null, and query-request.ts parses the body the general way,
// which gives the same result for what is taken here and the errors for the
// rest. tests/api/query-body-fast.test.ts compares both on many bodies.

import type { QueryRequest, QuerySpec } from '../engine/types.ts';
import { ByteWriter } from '../engine/codec.ts';
import { rememberIdBytes } from '../engine/id-bytes.ts';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The ids "0" to "1023" (whole numbers as JSON.parse keeps them: no sign, no
 * leading zero), one string each for all bodies: a node's 72 hwthread ids
 * are read without a substring each.
 */
const SMALL_IDS: readonly string[] = Array.from({ length: 1024 }, (_, n) => String(n));

/** ids()'s room for a list's bytes, kept from one list to the next up to KEEP_ID_SCRATCH bytes. */
let idScratch: Uint8Array = new Uint8Array(1024);
const KEEP_ID_SCRATCH = 1 << 20;

/** Thrown inside the scanner to give up; never escapes fastQueryRequest. */
const GIVE_UP = { giveUp: true };

class Scanner {
  at = 0;
  /**
   * @param bytes the body's bytes when each is one character of `text` (same
   *   indices), else null: ids() reads them instead of the text.
   */
  constructor(readonly text: string, readonly bytes: Uint8Array | null) {}

  /** Skips JSON whitespace; returns the next character code (NaN at the end). */
  peek(): number {
    const t = this.text;
    let i = this.at;
    for (;;) {
      // No charCodeAt past the end: once a call site has read there, V8
      // compiles it as a call of the builtin rather than a load (2-3 times
      // the instructions of the whole scan of a small body's characters).
      if (i >= t.length) {
        this.at = i;
        return NaN;
      }
      const c = t.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else {
        this.at = i;
        return c;
      }
    }
  }

  expect(c: number): void {
    if (this.peek() !== c) throw GIVE_UP;
    this.at++;
  }

  /** A string without escapes or control characters, as JSON.parse reads it. */
  string(): string {
    this.expect(QUOTE);
    const t = this.text;
    const start = this.at;
    for (let i = start; ; i++) {
      if (i >= t.length) throw GIVE_UP;
      const c = t.charCodeAt(i);
      if (c === QUOTE) {
        this.at = i + 1;
        return t.slice(start, i);
      }
      // An escape or a control character (invalid JSON): the general path decides.
      if (c === BACKSLASH || c < 0x20) throw GIVE_UP;
    }
  }

  /** A number of JSON's grammar, -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?, read by Number() as JSON.parse reads it. */
  number(): number {
    this.peek();
    const t = this.text;
    const start = this.at;
    let i = start;
    const negative = codeAt(t, i) === 0x2d;
    if (negative) i++;
    const intStart = i;
    const first = codeAt(t, i);
    if (first === 0x30) i++;
    else if (first >= 0x31 && first <= 0x39) i = digits(t, i);
    else throw GIVE_UP;
    const next = codeAt(t, i);
    if (next !== 0x2e && next !== 0x65 && next !== 0x45 && i - intStart <= 15) {
      // A whole number of up to 15 digits is exact as a double: added up here,
      // without the substring and Number() (timestamps: from and to of every body).
      let n = 0;
      for (let k = intStart; k < i; k++) n = n * 10 + (t.charCodeAt(k) - 0x30);
      this.at = i;
      return negative ? -n : n;
    }
    if (next === 0x2e) {
      const end = digits(t, i + 1);
      if (end === i + 1) throw GIVE_UP;
      i = end;
    }
    const e = codeAt(t, i);
    if (e === 0x65 || e === 0x45) {
      i++;
      const sign = codeAt(t, i);
      if (sign === 0x2b || sign === 0x2d) i++;
      const end = digits(t, i);
      if (end === i) throw GIVE_UP;
      i = end;
    }
    this.at = i;
    return Number(t.slice(start, i));
  }

  /** A whole number within ±2^53 (what optionalInteger takes). */
  integer(): number {
    const n = this.number();
    if (!Number.isSafeInteger(n)) throw GIVE_UP;
    return n;
  }

  boolean(): boolean {
    const t = this.text;
    const c = this.peek();
    if (c === 0x74 && t.startsWith('true', this.at)) {
      this.at += 4;
      return true;
    }
    if (c === 0x66 && t.startsWith('false', this.at)) {
      this.at += 5;
      return false;
    }
    throw GIVE_UP;
  }

  strings(): string[] {
    const out: string[] = [];
    this.expect(0x5b);
    if (this.peek() === 0x5d) {
      this.at++;
      return out;
    }
    for (;;) {
      out.push(this.string());
      if (this.peek() === 0x2c) this.at++;
      else break;
    }
    this.expect(0x5d);
    return out;
  }

  /**
   * strings() of a list of ids: the run "0" to "n-1" one shared frozen list
   * (idRunEnd, idRun); other lists the same strings (small whole numbers the
   * shared ones of SMALL_IDS), read from the body's bytes when the scanner
   * has them (a charCodeAt costs several times a byte's load: about 400
   * instructions an id of the text, 72 ids a node's hwthreads), and, when
   * every id is ASCII and shorter than 256 characters, with the bytes
   * encodeQuery writes for them (str16 of each) made on the way and
   * registered (id-bytes.ts), instead of written again from the strings.
   */
  ids(): string[] {
    const b = this.bytes;
    if (b === null) return this.strings();
    const t = this.text;
    // A read past the end is undefined, which no comparison below takes: it
    // gives up. (Testing the index first costs more: 333 instructions an id
    // against 288, callgrind, bench/ids-profile.mjs.)
    const out: string[] = [];
    let i = skipSpace(b, this.at);
    if (b[i] !== 0x5b) throw GIVE_UP;
    i = skipSpace(b, i + 1);
    if (b[i] === 0x5d) {
      this.at = i + 1;
      return out;
    }
    const runEnd = idRunEnd(t, i);
    if (runEnd >= 0) {
      this.at = runEnd + 1;
      return idRun(RUN_OF_LENGTH[runEnd - i]!);
    }
    let room = idScratch;
    let p = 0;
    let encodable = true;
    for (;;) {
      if (b[i] !== QUOTE) throw GIVE_UP;
      const start = ++i;
      let codes = 0;
      let value = 0;
      let digitsOnly = true;
      for (;; i++) {
        const c = b[i]!;
        if (c === QUOTE) break;
        // An escape, a control character (invalid JSON) or the end: the general path decides.
        if (c === BACKSLASH || !(c >= 0x20)) throw GIVE_UP;
        codes |= c;
        if (c < 0x30 || c > 0x39) digitsOnly = false;
        else value = value * 10 + (c - 0x30);
      }
      const len = i - start;
      i++;
      const small = digitsOnly && len > 0 && len <= 4 && (len === 1 || b[start] !== 0x30) && value < SMALL_IDS.length;
      // A byte of 0x80 and above is not the character (the text has the UTF-8 decoded): the text's slice.
      out.push(small ? SMALL_IDS[value]! : t.slice(start, start + len));
      if (encodable) {
        // One byte a character (ASCII) and a length below 256: as ByteWriter.strs16 writes it.
        if (codes >= 0x80 || len >= 256) encodable = false;
        else {
          if (p + 2 + len > room.length) room = grown(room, p, p + 2 + len);
          room[p] = len;
          room[p + 1] = 0;
          for (let k = 0; k < len; k++) room[p + 2 + k] = b[start + k]!;
          p += 2 + len;
        }
      }
      i = skipSpace(b, i);
      if (b[i] !== 0x2c) break;
      i = skipSpace(b, i + 1);
    }
    if (b[i] !== 0x5d) throw GIVE_UP;
    this.at = i + 1;
    if (room.length <= KEEP_ID_SCRATCH) idScratch = room;
    if (encodable) rememberIdBytes(out, room.slice(0, p));
    return out;
  }

  /** The members of an object, `member` called with each key (the scanner then at its value). */
  object(member: (key: string) => void): void {
    this.expect(0x7b);
    if (this.peek() === 0x7d) {
      this.at++;
      return;
    }
    for (;;) {
      const key = this.string();
      this.expect(0x3a);
      member(key);
      if (this.peek() === 0x2c) this.at++;
      else break;
    }
    this.expect(0x7d);
  }
}

/** The text of the longest run: "0","1",...,"1023" (each id of SMALL_IDS in quotes, commas between). */
const RUN_TEXT = SMALL_IDS.map((id) => `"${id}"`).join(',');

/** By the length of a run's text (up to its last quote), the run's n; 0 for the lengths no run has. */
const RUN_OF_LENGTH = (() => {
  const of = new Uint16Array(RUN_TEXT.length + 1);
  let length = -1;
  SMALL_IDS.forEach((id, k) => {
    length += id.length + 3;
    of[length] = k + 1;
  });
  return of;
})();

/**
 * The index of the "]" of the list whose first id is at text[from] when the
 * list is the run "0","1",...,"n-1" (n at most SMALL_IDS.length, written
 * without whitespace, as cc-backend and JSON.stringify write it: a node's
 * hwthreads or cores; n is RUN_OF_LENGTH[end - from]), else -1 (then ids()
 * reads the list id by id). Native string searches and one comparison
 * instead of a loop a byte (that cost 9,300 instructions for 72 ids in the
 * server, bench/server-callgrind.mjs): the first "]"
 * must end the run's text, and the text up to it be RUN_TEXT's start. A "]"
 * inside an id only makes a length no run has, or the comparison fail. The
 * search stops at the list's own "]" (or, in a body that is not JSON, at the
 * end, once: then the fast path gives up).
 */
function idRunEnd(t: string, from: number): number {
  const end = t.indexOf(']', from);
  const length = end - from;
  if (end < 0 || length >= RUN_OF_LENGTH.length || RUN_OF_LENGTH[length] === 0) return -1;
  // Two slices (of 13 characters and more a view, not a copy) and the
  // builtin comparison: TurboFan makes startsWith a loop a character.
  return t.slice(from, end) === RUN_TEXT.slice(0, length) ? end : -1;
}

/** The runs met so far by length, each one frozen list for all bodies, its bytes registered once. */
const runs: Array<readonly string[] | undefined> = [];

/** The list "0" to String(n - 1) (n from 1 to SMALL_IDS.length), the same array every time. */
function idRun(n: number): string[] {
  let list = runs[n];
  if (list === undefined) {
    const ids = SMALL_IDS.slice(0, n);
    const w = new ByteWriter(4 * n);
    w.strs16(ids);
    list = rememberIdBytes(ids, w.result().slice());
    runs[n] = list;
  }
  // Frozen: the type says mutable only because QuerySpec does.
  return list as string[];
}

/** A buffer of at least `size` bytes holding the first `used` of `b`. */
function grown(b: Uint8Array, used: number, size: number): Uint8Array {
  let n = b.length * 2;
  while (n < size) n *= 2;
  const next = new Uint8Array(n);
  next.set(b.subarray(0, used));
  return next;
}

/** The index of the first byte from `from` on that is not JSON whitespace (the length when none is). */
function skipSpace(b: Uint8Array, from: number): number {
  let i = from;
  for (;;) {
    const c = b[i];
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
    else return i;
  }
}

/** The character code at `i`, -1 past the end (see peek: no charCodeAt there). */
function codeAt(t: string, i: number): number {
  return i < t.length ? t.charCodeAt(i) : -1;
}

function digits(t: string, from: number): number {
  let i = from;
  while (i < t.length) {
    const c = t.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
    i++;
  }
  return i;
}

/** Marks `key` seen in `seen` (a bit per field); gives up on a second one. */
function once(seen: { bits: number }, bit: number): void {
  if (seen.bits & bit) throw GIVE_UP;
  seen.bits |= bit;
}

function querySpec(s: Scanner): QuerySpec {
  let metric = '';
  let host = '';
  let type: string | null = null;
  let typeIds: string[] | null = null;
  let subtype: string | null = null;
  let subtypeIds: string[] | null = null;
  let resolution = 0;
  let scaleBy = 0;
  let aggreg = false;
  const seen = { bits: 0 };
  s.object((key) => {
    switch (key) {
      case 'metric': once(seen, 1); metric = s.string(); break;
      case 'host': once(seen, 2); host = s.string(); break;
      case 'type': once(seen, 4); type = s.string(); break;
      case 'type-ids': once(seen, 8); typeIds = s.ids(); break;
      case 'subtype': once(seen, 16); subtype = s.string(); break;
      case 'subtype-ids': once(seen, 32); subtypeIds = s.ids(); break;
      case 'resolution': once(seen, 64); resolution = s.integer(); break;
      case 'scale-by': once(seen, 128); scaleBy = s.number(); break;
      case 'aggreg': once(seen, 256); aggreg = s.boolean(); break;
      default: throw GIVE_UP;
    }
  });
  return { metric, host, type, 'type-ids': typeIds, subtype, 'subtype-ids': subtypeIds, resolution, 'scale-by': scaleBy, aggreg };
}

/**
 * The QueryRequest of `text` (the decoded body) when it has the common shape,
 * else null. `body`, the bytes `text` was decoded from, lets the ids be read
 * from the bytes when their indices are the text's: when there are as many
 * bytes as characters (each step of the UTF-8 decoder turns k >= 1 bytes into
 * at most k characters, and into k only for k = 1: an ASCII byte, or an
 * invalid one that becomes U+FFFD; a byte-order mark dropped makes one fewer).
 */
export function fastQueryRequest(text: string, body?: Uint8Array): QueryRequest | null {
  const s = new Scanner(text, body !== undefined && body.length === text.length ? body : null);
  let cluster = '';
  let from = 0;
  let to = 0;
  const queries: QuerySpec[] = [];
  let forAllNodes: string[] | null = null;
  let withStats = true;
  let withData = true;
  let withPadding = true;
  const seen = { bits: 0 };
  try {
    s.object((key) => {
      switch (key) {
        case 'cluster': once(seen, 1); cluster = s.string(); break;
        case 'from': once(seen, 2); from = s.integer(); break;
        case 'to': once(seen, 4); to = s.integer(); break;
        case 'queries': {
          once(seen, 8);
          s.expect(0x5b);
          if (s.peek() === 0x5d) {
            s.at++;
            break;
          }
          for (;;) {
            queries.push(querySpec(s));
            if (s.peek() === 0x2c) s.at++;
            else break;
          }
          s.expect(0x5d);
          break;
        }
        case 'for-all-nodes': once(seen, 16); forAllNodes = s.strings(); break;
        case 'with-stats': once(seen, 32); withStats = s.boolean(); break;
        case 'with-data': once(seen, 64); withData = s.boolean(); break;
        case 'with-padding': once(seen, 128); withPadding = s.boolean(); break;
        default: throw GIVE_UP;
      }
    });
    if (!Number.isNaN(s.peek())) return null;
  } catch (e) {
    if (e === GIVE_UP) return null;
    throw e;
  }
  return {
    cluster, from, to, queries,
    'for-all-nodes': forAllNodes,
    'with-stats': withStats,
    'with-data': withData,
    'with-padding': withPadding,
  };
}
