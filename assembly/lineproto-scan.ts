// The line-protocol parser's input and its scanning (lineproto.ts is the
// parser): character classes, the position in the input and line numbers,
// errors, and the token helpers both readers of a line use, among them the
// vector sweep over a line's stop bytes (nextStop, lineStops).
//
// This module owns the input's state; the other parts of the parser read it
// through imports and change it only through the functions here (advance,
// setPos, newlineTo, setSkipping), which are inlined.
import { utf8Valid } from "./bytes";
import { msgAscii, msgQuoted } from "./lp-message";

export const LINE_SAMPLE: i32 = 0;
export const LINE_SKIP: i32 = 1;
export const LINE_ERROR: i32 = 2;
export const LINE_EOF: i32 = 3;
/** A cluster or host name that cannot be stored (isStorableName): the line is consumed and rejected. */
export const LINE_UNSAFE_NAME: i32 = 4;

// Character classes.
export const CC_MEAS: u8 = 1; // measurement names
export const CC_KEY: u8 = 2; // tag keys, tag values, field keys
export const CC_FVAL: u8 = 4; // unquoted field values
const CC_COMMENT: u8 = 8;
export const CC_TIME: u8 = 16;
const classes: usize = memory.data(256);

export function initParser(): void {
  for (let c = 0; c < 256; c++) {
    const nonPrintable = c < 32 || c == 127;
    let k: u8 = 0;
    if (!nonPrintable && c != 44 && c != 32) k |= CC_MEAS;
    if (!nonPrintable && c != 44 && c != 61 && c != 32) k |= CC_KEY;
    if (c != 44 && c != 32 && c != 13 && c != 10) k |= CC_FVAL;
    if (!nonPrintable) k |= CC_COMMENT;
    if (c == 45 || (c >= 48 && c <= 57)) k |= CC_TIME;
    store<u8>(classes + <usize>c, k);
  }
}

// @ts-ignore: decorator
@inline function cls(c: u32): u8 {
  return load<u8>(classes + <usize>c);
}

// Input.
export let pos: usize = 0;
export let end: usize = 0;
export let lineNo: i32 = 1;
/** While the rest of a skipped line is only validated: tokens are not unescaped. */
export let skipping = false;

export function parserStart(ptr: usize, len: usize): void {
  parserContinue(ptr, len, 1);
}

// Input that comes in pieces (ingest.ts): each piece but the last ends with a
// newline, and a line that runs into the end of a piece that is not the last
// is read again at the start of the next one, with the bytes after it.
/** Just past the last newline consumed as the end of a line. */
let lastEol: usize = 0;

/** Input from `ptr`, its first line numbered `line`. */
export function parserContinue(ptr: usize, len: usize, line: i32): void {
  maskBase = 0xffffffff;
  maskBits = 0;
  pos = ptr;
  end = ptr + len;
  lineNo = line;
  lastEol = ptr;
  skipping = false;
}

/** Whether the line just read reached the end of the input without its newline ending it (so more input could change it). */
export function lineRanIntoEnd(): bool {
  return pos >= end && lastEol != end;
}

// The input's state changed from the other parts of the parser.
/** Past the byte at pos. */
// @ts-ignore: decorator
@inline export function advance(): void {
  pos++;
}
// @ts-ignore: decorator
@inline export function setPos(p: usize): void {
  pos = p;
}
/** A newline consumed as the end of a line, `p` just past it (pos is set apart). */
// @ts-ignore: decorator
@inline export function newlineTo(p: usize): void {
  lineNo++;
  lastEol = p;
}
// @ts-ignore: decorator
@inline export function setSkipping(on: bool): void {
  skipping = on;
}

// ---- errors ----

export let errorLine: i32 = 0;

export function fail(): i32 {
  return failAt(lineNo);
}

/** An error on `line`: a check that runs after the line's end was consumed names the line it read. */
export function failAt(line: i32): i32 {
  errorLine = line;
  return LINE_ERROR;
}

// ---- scanning ----

export let tokPtr: usize = 0;
export let tokLen: usize = 0;
export let tokBad = false; // invalid UTF-8

// @ts-ignore: decorator
@inline function measEscapable(c: u32): bool {
  return c == 32 || c == 44;
}
// @ts-ignore: decorator
@inline function keyEscapable(c: u32): bool {
  return c == 32 || c == 44 || c == 61;
}

// Stop bytes of the fast scan: ',', '=', ' ', a backslash, or a byte outside
// 0x20..0x7e (controls, DEL, the start of a multi-byte UTF-8 sequence). A
// 64-bit mask of them is kept for the 64 bytes from maskBase; the input is
// padded, so the vector loads may read past `end`.
let maskBase: usize = 0;
let maskBits: u64 = 0;

// @ts-ignore: decorator
@inline function stop16(v: v128): u64 {
  let m = v128.or(i8x16.eq(v, i8x16.splat(44)), i8x16.eq(v, i8x16.splat(32)));
  m = v128.or(m, v128.or(i8x16.eq(v, i8x16.splat(92)), i8x16.eq(v, i8x16.splat(61))));
  m = v128.or(m, v128.or(i8x16.lt_u(v, i8x16.splat(32)), i8x16.gt_u(v, i8x16.splat(126))));
  return <u64><u32>i8x16.bitmask(m);
}

/** The first stop byte at or after p (or `end`). */
export function nextStop(p: usize): usize {
  let q = p;
  while (q < end) {
    if (q < maskBase || q >= maskBase + 64) {
      maskBase = q;
      maskBits = stop16(v128.load(q)) | (stop16(v128.load(q, 16)) << 16) |
        (stop16(v128.load(q, 32)) << 32) | (stop16(v128.load(q, 48)) << 48);
    }
    const bits = maskBits >> <u64>(q - maskBase);
    if (bits != 0) {
      const r = q + <usize>ctz<u64>(bits);
      return r < end ? r : end;
    }
    q = maskBase + 64;
  }
  return end;
}

// The fast path reads a line's stop bytes in one sweep: their positions, in
// order, up to and including the first that ends the sweep (a backslash, a
// control byte such as the newline, a byte outside ASCII) or `end` itself in
// place of any stop at or past it. What nextStop(x) would return for x just
// past a stop is then the next entry.
const MAX_STOPS: i32 = 32;
export const stops: usize = memory.data(MAX_STOPS * 4);

/** The stop bytes of 16 at p (low 16 bits) and the terminal ones among them (high 16). */
// @ts-ignore: decorator
@inline function stopsTerm16(p: usize): u32 {
  const v = v128.load(p);
  // Bytes outside 0x20..0x7e: v + 1 below 33 as a signed byte.
  const t = v128.or(i8x16.lt_s(i8x16.add(v, i8x16.splat(1)), i8x16.splat(33)), i8x16.eq(v, i8x16.splat(92)));
  const a = v128.or(v128.or(i8x16.eq(v, i8x16.splat(44)), i8x16.eq(v, i8x16.splat(32))), v128.or(i8x16.eq(v, i8x16.splat(61)), t));
  return <u32>i8x16.bitmask(a) | (<u32>i8x16.bitmask(t) << 16);
}

/** Fills `stops` from p on; their count, or 0 when a line has more than MAX_STOPS (the general parser reads it). */
export function lineStops(p: usize): i32 {
  let base = p;
  let n = 0;
  while (base < end) {
    const m0 = stopsTerm16(base);
    const m1 = stopsTerm16(base + 16);
    const m2 = stopsTerm16(base + 32);
    const m3 = stopsTerm16(base + 48);
    const all = <u64>(m0 & 0xffff) | (<u64>(m1 & 0xffff) << 16) | (<u64>(m2 & 0xffff) << 32) | (<u64>(m3 & 0xffff) << 48);
    const term = <u64>(m0 >>> 16) | (<u64>(m1 >>> 16) << 16) | (<u64>(m2 >>> 16) << 32) | (<u64>(m3 >>> 16) << 48);
    // Up to and including the first terminal stop.
    let bits = term != 0 ? all & (term ^ (term - 1)) : all;
    while (bits != 0) {
      const r = base + <usize>ctz<u64>(bits);
      if (r >= end) break;
      if (n == MAX_STOPS) return 0;
      store<u32>(stops + (<usize>n << 2), <u32>r);
      n++;
      bits &= bits - 1;
    }
    // The terminal stop is the last one stored (unless it lies past `end`).
    if (bits == 0 && term != 0) return n;
    if (bits != 0) break;
    base += 64;
  }
  if (n == MAX_STOPS) return 0;
  store<u32>(stops + (<usize>n << 2), <u32>end);
  return n + 1;
}

/** Go's takeEsc: the bytes of class `mask`, backslash escapes included. */
export function takeEsc(mask: u8, meas: bool): void {
  const start = pos;
  let p = nextStop(pos);
  // '=' ends keys and values but belongs to a measurement name.
  if (meas) while (p < end && load<u8>(p) == 61) p = nextStop(p + 1);
  let high: u32 = 0;
  let escaped = false;
  if (p < end) {
    const c0 = <u32>load<u8>(p);
    if (c0 == 92 || c0 >= 0x80) {
      // Escapes or UTF-8: finish the token byte by byte.
      while (p < end) {
        const c = <u32>load<u8>(p);
        if (c != 92) {
          if ((cls(c) & mask) == 0) break;
          high |= c;
          p++;
          continue;
        }
        if (p + 1 >= end) {
          p = end;
          break;
        }
        const n = <u32>load<u8>(p + 1);
        if (meas ? measEscapable(n) : keyEscapable(n)) {
          escaped = true;
          p += 2;
          continue;
        }
        p++;
      }
    }
  }
  pos = p;
  tokPtr = start;
  tokLen = p - start;
  if (escaped && !skipping) {
    let r = start;
    let w = start;
    while (r < p) {
      const c = <u32>load<u8>(r);
      if (c == 92 && r + 1 < p) {
        const n = <u32>load<u8>(r + 1);
        if (meas ? measEscapable(n) : keyEscapable(n)) {
          store<u8>(w, <u8>n);
          w++;
          r += 2;
          continue;
        }
      }
      store<u8>(w, <u8>c);
      w++;
      r++;
    }
    tokLen = w - start;
  }
  tokBad = (high & 0x80) != 0 && !utf8Valid(tokPtr, tokLen);
}

export function take(mask: u8): void {
  const start = pos;
  let p = pos;
  while (p < end && (cls(load<u8>(p)) & mask) != 0) p++;
  pos = p;
  tokPtr = start;
  tokLen = p - start;
}

// @ts-ignore: decorator
@inline export function atEnd(): bool {
  return pos >= end;
}
// @ts-ignore: decorator
@inline export function cur(): u32 {
  return <u32>load<u8>(pos);
}
// @ts-ignore: decorator
@inline export function isWhite(c: u32): bool {
  return c == 32 || c == 13 || c == 10;
}

export function discardSpaces(): void {
  while (pos < end && load<u8>(pos) == 32) pos++;
}

/** Consumes an end of line (LF, CRLF, CR at the end of input, or the end itself). */
export function takeEOL(): bool {
  if (pos >= end) return true;
  const c = cur();
  if (c == 10) {
    pos++;
    lineNo++;
    lastEol = pos;
    return true;
  }
  if (c == 13) {
    if (pos + 1 >= end) {
      pos++;
      return true;
    }
    if (load<u8>(pos + 1) == 10) {
      pos += 2;
      lineNo++;
      lastEol = pos;
      return true;
    }
  }
  return false;
}

/** Skips blank lines and comments. */
export function skipEmptyLines(): void {
  while (true) {
    const lineStart = pos;
    discardSpaces();
    if (pos >= end) return;
    const c = cur();
    if (c == 35) {
      while (pos < end && (cls(load<u8>(pos)) & CC_COMMENT) != 0 && load<u8>(pos) != 13 && load<u8>(pos) != 10) pos++;
      if (!takeEOL()) {
        // A comment with a control character: the measurement parser reports it.
        pos = lineStart;
        return;
      }
    } else if (c == 10) {
      lineNo++;
      pos++;
      lastEol = pos;
    } else if (c == 13) {
      if (!takeEOL()) return;
    } else {
      return;
    }
  }
}

/** Recovery after an error in a skipped line: everything up to the next newline. */
export function consumeLine(): void {
  while (pos < end && load<u8>(pos) != 10) pos++;
  if (pos < end) {
    pos++;
    lineNo++;
    lastEol = pos;
  }
}

/** Up to the end of the line (its newline or CR not consumed), for the text of an error. */
export function skipToLineEnd(): void {
  while (pos < end && load<u8>(pos) != 10 && load<u8>(pos) != 13) pos++;
}

/**
 * The body of a quoted string field, from pos (past the opening quote) up to
 * its closing quote or `end`, escapes kept: tokPtr/tokLen, and whether it is
 * valid UTF-8. A newline inside counts as a line.
 */
export function takeQuoted(): bool {
  const start = pos;
  let high: u32 = 0;
  while (pos < end) {
    const b = <u32>load<u8>(pos);
    if (b == 34) break;
    if (b == 92 && pos + 1 < end) {
      const n = <u32>load<u8>(pos + 1);
      if (n == 92 || n == 34 || n == 110 || n == 114 || n == 116) {
        pos += 2;
        continue;
      }
    }
    if (b == 10) lineNo++;
    high |= b;
    pos++;
  }
  tokPtr = start;
  tokLen = pos - start;
  return (high & 0x80) == 0 || utf8Valid(tokPtr, tokLen);
}
