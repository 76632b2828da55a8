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

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Thrown inside the scanner to give up; never escapes fastQueryRequest. */
const GIVE_UP = { giveUp: true };

class Scanner {
  at = 0;
  constructor(readonly text: string) {}

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
      case 'type-ids': once(seen, 8); typeIds = s.strings(); break;
      case 'subtype': once(seen, 16); subtype = s.string(); break;
      case 'subtype-ids': once(seen, 32); subtypeIds = s.strings(); break;
      case 'resolution': once(seen, 64); resolution = s.integer(); break;
      case 'scale-by': once(seen, 128); scaleBy = s.number(); break;
      case 'aggreg': once(seen, 256); aggreg = s.boolean(); break;
      default: throw GIVE_UP;
    }
  });
  return { metric, host, type, 'type-ids': typeIds, subtype, 'subtype-ids': subtypeIds, resolution, 'scale-by': scaleBy, aggreg };
}

/** The QueryRequest of `text` (the decoded body) when it has the common shape, else null. */
export function fastQueryRequest(text: string): QueryRequest | null {
  const s = new Scanner(text);
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
