// InfluxDB line protocol, read the way influxdata/line-protocol/v2 (the
// decoder the reference uses) reads it, one line at a time over bytes in
// linear memory. Escaped tokens are unescaped in place (the input is our own
// copy), so nothing is allocated per line.
//
// parseLine() leaves one sample in the `line*` globals, or reports a line to
// skip (unknown metric), a line to reject (a cluster/host name that cannot be
// stored) or a malformed line.
import { grownScratchCap, growScratch } from "./alloc";
import { copySmall, isStorableName, utf8Valid } from "./bytes";
import { approxDecimal, parseFloatToken, parsedValue, PF_NONNUMBER, PF_OK, PF_RANGE } from "./floatparse";
import { findMetric, findMetricCached } from "./metrics";
import { floorDiv, INT_OK, INT_RANGE, isBool, parsedInt, parseInt64 } from "./lp-literals";
import { msgAscii, msgQuoted, msgQuotedChar, msgRaw, msgReset } from "./lp-message";

export const LINE_SAMPLE: i32 = 0;
export const LINE_SKIP: i32 = 1;
export const LINE_ERROR: i32 = 2;
export const LINE_EOF: i32 = 3;
/** A cluster or host name that cannot be stored (isStorableName): the line is consumed and rejected. */
export const LINE_UNSAFE_NAME: i32 = 4;

// Character classes.
const CC_MEAS: u8 = 1; // measurement names
const CC_KEY: u8 = 2; // tag keys, tag values, field keys
const CC_FVAL: u8 = 4; // unquoted field values
const CC_COMMENT: u8 = 8;
const CC_TIME: u8 = 16;
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
let pos: usize = 0;
let end: usize = 0;
export let lineNo: i32 = 1;
/** The number of the line parseLine() read last (lineNo may already count its newline). */
export let lineFirst: i32 = 1;
let skipping = false;

/** Off only to test that both paths read lines the same way. */
export let fastPath = true;
export function setFastPath(on: bool): void {
  fastPath = on;
}

export function parserStart(ptr: usize, len: usize): void {
  parserContinue(ptr, len, 1);
}

// Input that comes in pieces (ingest.ts): each piece but the last ends with a
// newline, and a line that runs into the end of a piece that is not the last
// is read again at the start of the next one, with the bytes after it.
/** Just past the last newline consumed as the end of a line. */
let lastEol: usize = 0;
/** Where the line parseLine() read last begins (after blank lines and comments). */
export let lineStartPos: usize = 0;

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

// The parsed line.
export let lineMetric: i32 = -1;
export let lineClusterPtr: usize = 0;
export let lineClusterLen: usize = 0;
export let lineHostPtr: usize = 0;
export let lineHostLen: usize = 0;
export let lineValue: f32 = 0;
export let lineTs: i64 = 0;
export let lineHasTs = false;
let defaultClusterPtr: usize = 0;
let defaultClusterLen: usize = 0;

export function setDefaultCluster(ptr: usize, len: usize): void {
  defaultClusterPtr = ptr;
  defaultClusterLen = len;
}

// Sub-level names: "type"+"type-id" and "stype"+"stype-id", assembled like the
// reference does (a type tag after its id is put in front). After a line,
// typeBuf names the level below the host and subBuf the one below that.
export let typeBuf: usize = 0;
export let typeLen: usize = 0;
let typeCap: usize = 0;
export let subBuf: usize = 0;
export let subLen: usize = 0;
let subCap: usize = 0;

function typeGrow(need: usize): bool {
  const p = growScratch(typeBuf, typeCap, typeLen, need, 64);
  if (p == 0) return false;
  typeBuf = p;
  typeCap = grownScratchCap;
  return true;
}

// @ts-ignore: decorator
@inline function typeAdd(ptr: usize, len: usize, front: bool): bool {
  if (typeLen + len > typeCap && !typeGrow(typeLen + len)) return false;
  if (front) {
    memory.copy(typeBuf + len, typeBuf, typeLen);
    memory.copy(typeBuf, ptr, len);
  } else {
    copySmall(typeBuf + typeLen, ptr, len);
  }
  typeLen += len;
  return true;
}

/**
 * (ours) A stype without a type (`type=node` or none) names a device of the
 * node, e.g. `stype=network,stype-id=eth0`: it becomes the level below the
 * host, where a type would be. The reference drops it, so the devices of a
 * node overwrite each other. The buffers trade places: nothing is copied.
 */
function deviceUnderNode(): void {
  const buf = typeBuf;
  const cap = typeCap;
  typeBuf = subBuf;
  typeCap = subCap;
  typeLen = subLen;
  subBuf = buf;
  subCap = cap;
  subLen = 0;
}

function subGrow(need: usize): bool {
  const p = growScratch(subBuf, subCap, subLen, need, 64);
  if (p == 0) return false;
  subBuf = p;
  subCap = grownScratchCap;
  return true;
}

// @ts-ignore: decorator
@inline function subAdd(ptr: usize, len: usize, front: bool): bool {
  if (subLen + len > subCap && !subGrow(subLen + len)) return false;
  if (front) {
    memory.copy(subBuf + len, subBuf, subLen);
    memory.copy(subBuf, ptr, len);
  } else {
    copySmall(subBuf + subLen, ptr, len);
  }
  subLen += len;
  return true;
}

// ---- errors ----

export let errorLine: i32 = 0;

function fail(): i32 {
  return failAt(lineNo);
}

/** An error on `line`: a check that runs after the line's end was consumed names the line it read. */
function failAt(line: i32): i32 {
  errorLine = line;
  return LINE_ERROR;
}

// ---- scanning ----

let tokPtr: usize = 0;
let tokLen: usize = 0;
let tokBad = false; // invalid UTF-8

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
function nextStop(p: usize): usize {
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
const stops: usize = memory.data(MAX_STOPS * 4);

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
function lineStops(p: usize): i32 {
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
function takeEsc(mask: u8, meas: bool): void {
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

function take(mask: u8): void {
  const start = pos;
  let p = pos;
  while (p < end && (cls(load<u8>(p)) & mask) != 0) p++;
  pos = p;
  tokPtr = start;
  tokLen = p - start;
}

// @ts-ignore: decorator
@inline function atEnd(): bool {
  return pos >= end;
}
// @ts-ignore: decorator
@inline function cur(): u32 {
  return <u32>load<u8>(pos);
}
// @ts-ignore: decorator
@inline function isWhite(c: u32): bool {
  return c == 32 || c == 13 || c == 10;
}

function discardSpaces(): void {
  while (pos < end && load<u8>(pos) == 32) pos++;
}

/** Consumes an end of line (LF, CRLF, CR at the end of input, or the end itself). */
function takeEOL(): bool {
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
function skipEmptyLines(): void {
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
function consumeLine(): void {
  while (pos < end && load<u8>(pos) != 10) pos++;
  if (pos < end) {
    pos++;
    lineNo++;
    lastEol = pos;
  }
}

function advanceTagComma(): i32 {
  if (atEnd() || cur() != 44) return LINE_SAMPLE;
  pos++;
  if (atEnd()) {
    msgAscii("expected tag key after comma; got end of input");
    return fail();
  }
  if (isWhite(cur())) {
    msgAscii("expected tag key after comma; got white space instead");
    return fail();
  }
  return LINE_SAMPLE;
}

function badToken(): i32 {
  msgAscii("invalid utf-8 sequence in token ");
  msgQuoted(tokPtr, tokLen);
  return fail();
}

// ---- tag handling (only when not skipping) ----

// Tag keys as little-endian words. Tokens lie in the padded input, so reading
// up to 7 bytes past one is safe.
const W_HOST: u32 = 0x74736f68; // "host"
const W_TYPE: u32 = 0x65707974; // "type"
const W_NODE: u32 = 0x65646f6e; // "node"
const W_STYP: u32 = 0x70797473; // "styp"
const W_CLUSTER: u64 = 0x0072657473756c63; // "cluster"
const W_TYPE_ID: u64 = 0x0064692d65707974; // "type-id"
const W_HOSTNAME: u64 = 0x656d616e74736f68; // "hostname"
const W_STYPE_ID: u64 = 0x64692d6570797473; // "stype-id"
const W_VALUE: u64 = 0x00000065756c6176; // "value"

// @ts-ignore: decorator
@inline function isValueKey(ptr: usize, len: usize): bool {
  return len == 5 && (load<u64>(ptr) & 0xffffffffff) == W_VALUE;
}

// @ts-ignore: decorator
@inline function applyTag(kPtr: usize, kLen: usize, vPtr: usize, vLen: usize): bool {
  if (kLen == 4) {
    const k = load<u32>(kPtr);
    if (k == W_HOST) {
      lineHostPtr = vPtr;
      lineHostLen = vLen;
    } else if (k == W_TYPE) {
      if (vLen == 4 && load<u32>(vPtr) == W_NODE) return true;
      return typeAdd(vPtr, vLen, typeLen != 0);
    }
  } else if (kLen == 7) {
    const k = load<u64>(kPtr) & 0x00ffffffffffffff;
    if (k == W_CLUSTER) {
      lineClusterPtr = vPtr;
      lineClusterLen = vLen;
    } else if (k == W_TYPE_ID) {
      return typeAdd(vPtr, vLen, false);
    }
  } else if (kLen == 8) {
    const k = load<u64>(kPtr);
    if (k == W_HOSTNAME) {
      lineHostPtr = vPtr;
      lineHostLen = vLen;
    } else if (k == W_STYPE_ID) {
      return subAdd(vPtr, vLen, false);
    }
  } else if (kLen == 5) {
    if (load<u32>(kPtr) == W_STYP && load<u8>(kPtr + 4) == 101) return subAdd(vPtr, vLen, subLen != 0);
  }
  return true;
}

// ---- sections ----

function parseTags(): i32 {
  while (true) {
    if (!atEnd() && cur() == 32) {
      discardSpaces();
      return LINE_SAMPLE;
    }
    takeEsc(CC_KEY, false);
    const kPtr = tokPtr;
    const kLen = tokLen;
    if (tokBad) return badToken();
    if (kLen == 0 || atEnd() || cur() != 61) {
      if (atEnd() && kLen == 0) msgAscii("expected tag key or field but found end of input instead");
      else if (atEnd()) {
        msgAscii("expected '=' after tag key ");
        msgQuoted(kPtr, kLen);
        msgAscii(", but got end of input instead");
      } else if (kLen != 0) {
        msgAscii("expected '=' after tag key ");
        msgQuoted(kPtr, kLen);
        msgAscii(", but got ");
        msgQuotedChar(cur());
        msgAscii(" instead");
      } else if (cur() == 61) {
        msgAscii("empty tag key");
      } else {
        msgAscii("expected tag key or field but found ");
        msgQuotedChar(cur());
        msgAscii(" instead");
      }
      return fail();
    }
    pos++;
    takeEsc(CC_KEY, false);
    const vPtr = tokPtr;
    const vLen = tokLen;
    if (tokBad) return badToken();
    if (vLen == 0) {
      msgAscii("expected tag value after tag key ");
      msgQuoted(kPtr, kLen);
      msgAscii(", but none found");
      return fail();
    }
    if (atEnd()) {
      if (!skipping && !applyTag(kPtr, kLen, vPtr, vLen)) return noMemory();
      return LINE_SAMPLE;
    }
    const r = advanceTagComma();
    if (r != LINE_SAMPLE) return r;
    if (!skipping && !applyTag(kPtr, kLen, vPtr, vLen)) return noMemory();
  }
  return LINE_SAMPLE;
}

function noMemory(): i32 {
  msgAscii("out of memory while reading the line");
  return fail();
}

const KIND_FLOAT: i32 = 0;
const KIND_INT: i32 = 1;
const KIND_UINT: i32 = 2;
const KIND_STRING: i32 = 3;
const KIND_BOOL: i32 = 4;

/** Whether the section after the fields is a timestamp (else the line ended). */
let timeFollows = false;

function valueError(line: i32, kPtr: usize, kLen: usize, reason: string): i32 {
  msgAscii("cannot parse value for field key ");
  msgQuoted(kPtr, kLen);
  msgAscii(": ");
  msgAscii(reason);
  return failAt(line);
}

function hostPrefix(): void {
  msgAscii("host ");
  msgRaw(lineHostPtr, lineHostLen);
  msgAscii(": ");
}

function parseFields(): i32 {
  timeFollows = false;
  while (true) {
    takeEsc(CC_KEY, false);
    const kPtr = tokPtr;
    const kLen = tokLen;
    if (tokBad) return badToken();
    if (kLen == 0) {
      if (atEnd()) msgAscii("expected field key but none found");
      else {
        msgAscii("invalid character ");
        msgQuotedChar(cur());
        msgAscii(" found at start of field key");
      }
      return fail();
    }
    if (atEnd()) {
      msgAscii("want '=' after field key ");
      msgQuoted(kPtr, kLen);
      msgAscii(", found end of input");
      return fail();
    }
    if (cur() != 61) {
      msgAscii("want '=' after field key ");
      msgQuoted(kPtr, kLen);
      msgAscii(", found ");
      msgQuotedChar(cur());
      return fail();
    }
    pos++;
    if (atEnd()) {
      msgAscii("expected value for field ");
      msgQuoted(kPtr, kLen);
      msgAscii(", found end of input");
      return fail();
    }
    const c = cur();
    let kind = KIND_FLOAT;
    let vPtr: usize = 0;
    let vLen: usize = 0;
    if (c == 34) {
      pos++;
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
      vPtr = start;
      vLen = pos - start;
      if ((high & 0x80) != 0 && !utf8Valid(vPtr, vLen)) {
        tokPtr = vPtr;
        tokLen = vLen;
        return badToken();
      }
      if (atEnd()) {
        msgAscii("expected closing quote for string field ");
        msgQuoted(kPtr, kLen);
        msgAscii(", found end of input");
        return fail();
      }
      pos++;
      kind = KIND_STRING;
    } else if (c == 116 || c == 84 || c == 102 || c == 70) {
      take(CC_FVAL);
      vPtr = tokPtr;
      vLen = tokLen;
      kind = KIND_BOOL;
    } else if (c == 45 || c == 46 || (c >= 48 && c <= 57)) {
      take(CC_FVAL);
      vPtr = tokPtr;
      vLen = tokLen;
      const last = <u32>load<u8>(vPtr + vLen - 1);
      if (last == 105) {
        kind = KIND_INT;
        vLen--;
      } else if (last == 117) {
        kind = KIND_UINT;
        vLen--;
      }
    } else if (c == 32 || c == 44) {
      msgAscii("missing field value for field ");
      msgQuoted(kPtr, kLen);
      return fail();
    } else {
      take(CC_FVAL);
      msgAscii("value for field ");
      msgQuoted(kPtr, kLen);
      msgAscii(" (");
      msgQuoted(tokPtr, tokLen);
      msgAscii(") has unrecognized type");
      return fail();
    }

    // What follows the value. Its checks below name this line, though its newline may be read by then.
    const line = lineNo;
    let more = false;
    if (!atEnd()) {
      const n = cur();
      if (n == 44) {
        pos++;
        more = true;
      } else if (!isWhite(n)) {
        msgAscii("unexpected character ");
        msgQuotedChar(n);
        msgAscii(" after field ");
        msgQuoted(kPtr, kLen);
        return fail();
      } else {
        discardSpaces();
        if (!takeEOL()) timeFollows = true;
      }
    }

    if (!skipping) {
      // The value is parsed first, then the reference checks key and kind.
      let v: f32 = 0;
      if (kind == KIND_FLOAT) {
        const r = parseFloatToken(vPtr, vLen);
        if (r == PF_RANGE) return valueError(line, kPtr, kLen, "line-protocol value out of range");
        if (r == PF_NONNUMBER) {
          msgAscii("cannot parse value for field key ");
          msgQuoted(kPtr, kLen);
          msgAscii(": non-number ");
          msgQuoted(vPtr, vLen);
          msgAscii(" cannot be represented as a line-protocol field value");
          return failAt(line);
        }
        if (r != PF_OK) return valueError(line, kPtr, kLen, "invalid float value syntax");
        v = parsedValue;
      } else if (kind == KIND_INT) {
        const r = parseInt64(vPtr, vLen, true);
        if (r == INT_RANGE) return valueError(line, kPtr, kLen, "line-protocol value out of range");
        if (r != INT_OK) return valueError(line, kPtr, kLen, "invalid integer value syntax");
        v = <f32><f64>parsedInt;
      } else if (kind == KIND_UINT) {
        const r = parseInt64(vPtr, vLen, false);
        if (r == INT_RANGE) return valueError(line, kPtr, kLen, "line-protocol value out of range");
        if (r != INT_OK) return valueError(line, kPtr, kLen, "invalid unsigned integer value syntax");
        v = <f32><f64><u64>parsedInt;
      } else if (kind == KIND_BOOL) {
        if (!isBool(vPtr, vLen)) {
          msgAscii("cannot parse value for field key ");
          msgQuoted(kPtr, kLen);
          msgAscii(": invalid bool value ");
          msgQuoted(vPtr, vLen);
          return failAt(line);
        }
      }
      if (!isValueKey(kPtr, kLen)) {
        hostPrefix();
        msgAscii("unknown field: '");
        msgRaw(kPtr, kLen);
        msgAscii("'");
        return failAt(line);
      }
      if (kind == KIND_STRING || kind == KIND_BOOL) {
        hostPrefix();
        msgAscii(kind == KIND_STRING ? "unsupported value type in message: String" : "unsupported value type in message: Bool");
        return failAt(line);
      }
      lineValue = v;
    }
    if (!more) return LINE_SAMPLE;
  }
  return LINE_SAMPLE;
}

function parseTime(): i32 {
  const start = pos;
  const line = lineNo;
  take(CC_TIME);
  const tPtr = tokPtr;
  const tLen = tokLen;
  if (!atEnd()) {
    if (!isWhite(cur())) {
      while (pos < end && load<u8>(pos) != 10 && load<u8>(pos) != 13) pos++;
      msgAscii("invalid timestamp (");
      msgQuoted(start, pos - start);
      msgAscii(")");
      return fail();
    }
    discardSpaces();
    if (!atEnd() && !takeEOL()) {
      const extra = pos;
      while (pos < end && load<u8>(pos) != 10 && load<u8>(pos) != 13) pos++;
      msgAscii("unexpected text after timestamp (");
      msgQuoted(extra, pos - extra);
      msgAscii(")");
      return fail();
    }
  }
  if (skipping || tLen == 0) {
    lineHasTs = false;
    return LINE_SAMPLE;
  }
  const r = parseInt64(tPtr, tLen, true);
  if (r != INT_OK) {
    msgAscii("invalid timestamp (");
    msgQuoted(tPtr, tLen);
    msgAscii(r == INT_RANGE ? "): line-protocol value out of range" : "): invalid syntax");
    return failAt(line);
  }
  // The smallest unit (s, ms, us, ns) in which the number still fits a 64-bit nanosecond count.
  const n = parsedInt;
  let ts: i64;
  if (n <= 9223372036 && n >= -9223372036) ts = n;
  else if (n <= 9223372036854 && n >= -9223372036854) ts = floorDiv(n, 1000);
  else if (n <= 9223372036854775 && n >= -9223372036854775) ts = floorDiv(n, 1000000);
  else ts = floorDiv(n, 1000000000);
  lineTs = ts;
  lineHasTs = true;
  return LINE_SAMPLE;
}

/** Validates the rest of a line that is skipped; a malformed rest is ignored as the reference does. */
function skipRest(fromTags: bool): void {
  skipping = true;
  let r = LINE_SAMPLE;
  if (fromTags) r = parseTags();
  if (r == LINE_SAMPLE) r = parseFields();
  if (r == LINE_SAMPLE && timeFollows) r = parseTime();
  skipping = false;
  msgReset();
  if (r != LINE_SAMPLE) consumeLine();
}

// ---- the common case, in one pass ----

/**
 * isStorableName for a name in the padded input (the default cluster is
 * copied there too), where 16 bytes may be read: up to 16 bytes by vector.
 */
// @ts-ignore: decorator
@inline function storableInInput(ptr: usize, len: usize): bool {
  // len - 1 wraps for an empty name (isStorableName refuses it).
  if (len - 1 >= 16) return isStorableName(ptr, len);
  const v = v128.load(ptr);
  const keep: u32 = (<u32>1 << <u32>len) - 1;
  const bad = <u32>i8x16.bitmask(v128.or(i8x16.eq(v, i8x16.splat(0x2f)), i8x16.eq(v, i8x16.splat(0x5c)))) & keep;
  const dots = <u32>i8x16.bitmask(i8x16.eq(v, i8x16.splat(0x2e))) & keep;
  return bad == 0 && (dots & (dots >> 1)) == 0 && (len != 1 || dots == 0);
}

/** 8 ASCII digits at p as a number, or -1 when they are not all digits. */
// @ts-ignore: decorator
@inline function eightDigits(p: usize): i64 {
  const d = load<u64>(p) - 0x3030303030303030;
  // A byte below '0' borrows (its top bit set); one above '9' gets it from + 0x76.
  if (((d | (d + 0x7676767676767676)) & 0x8080808080808080) != 0) return -1;
  // Pairs, then fours, then all eight (the first digit is the lowest byte).
  const pairs = (d * 10 + (d >> 8)) & 0x00ff00ff00ff00ff;
  const fours = (pairs * 100 + (pairs >> 16)) & 0x0000ffff0000ffff;
  return <i64>((fours * 10000 + (fours >> 32)) & 0xffffffff);
}

const FAST_POW10: usize = memory.data<f64>([
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
]);

/**
 * A line of the usual shape (ASCII, no escapes, tags, a single plain
 * decimal or integer `value`, an optional plain timestamp) read in one pass.
 * Anything else returns -1 with nothing consumed, and the general parser
 * (which knows every rule and error) reads the line instead.
 */
function fastLine(): i32 {
  if (lineStops(pos) == 0) return -1;
  // Every check after taking a stop fails on the terminal one or `end`: no read runs past the last.
  let sp = stops;
  let p = <usize>load<u32>(sp);
  if (p >= end || p == pos) return -1;
  let c = <u32>load<u8>(p);
  if ((c != 44 && c != 32) || load<u8>(pos) == 35) return -1;
  const metric = findMetricCached(pos, p - pos);
  if (metric < 0) return -1;
  lineClusterPtr = defaultClusterPtr;
  lineClusterLen = defaultClusterLen;
  lineHostPtr = 0;
  lineHostLen = 0;
  typeLen = 0;
  subLen = 0;
  while (c == 44) {
    const k = p + 1;
    const eq = <usize>load<u32>(sp, 4);
    if (eq >= end || eq == k || load<u8>(eq) != 61) return -1;
    const v = eq + 1;
    p = <usize>load<u32>(sp, 8);
    sp += 8;
    if (p >= end || p == v) return -1;
    c = <u32>load<u8>(p);
    if (c != 44 && c != 32) return -1;
    if (!applyTag(k, eq - k, v, p - v)) return -1;
  }
  if (!storableInInput(lineClusterPtr, lineClusterLen) || !storableInInput(lineHostPtr, lineHostLen) ||
    typeLen > 255 || subLen > 255) return -1;
  p++;
  while (p < end && load<u8>(p) == 32) p++;
  if (p + 6 > end || !isValueKey(p, 5) || load<u8>(p + 5) != 61) return -1;
  const vs = p + 6;
  // Past the spaces and the '=' of "value=" (stops all, before any terminal one).
  let ve = <usize>load<u32>(sp);
  while (ve < vs) {
    sp += 4;
    ve = <usize>load<u32>(sp);
  }
  if (ve == vs) return -1;

  // The value: [-]digits[.digits] or [-]digits'i', at most 19 digits (a u64).
  let q = vs;
  let neg = false;
  if (load<u8>(q) == 45) {
    neg = true;
    q++;
  }
  // Digits, then a '.' and digits (8 at a time while they last); more than 19 is refused below anyway.
  let mant: u64 = 0;
  let frac = 0;
  let dot = false;
  const i0 = q;
  while (q < ve) {
    const d = <u32>load<u8>(q) - 48;
    if (d > 9) break;
    mant = mant * 10 + <u64>d;
    q++;
  }
  let digits = <i32>(q - i0);
  if (q < ve && load<u8>(q) == 46) {
    dot = true;
    q++;
    const f0 = q;
    while (q + 8 <= ve) {
      const e8 = eightDigits(q);
      if (e8 < 0) break;
      mant = mant * 100000000 + <u64>e8;
      q += 8;
    }
    while (q < ve) {
      const d = <u32>load<u8>(q) - 48;
      if (d > 9) break;
      mant = mant * 10 + <u64>d;
      q++;
    }
    frac = <i32>(q - f0);
    digits += frac;
  }
  if (digits == 0 || digits > 19) return -1;
  let value: f64;
  if (q == ve) {
    if (digits <= 15) {
      // Exact: mant < 2^53 and 10^frac are both exact in 64 bits, so one rounding.
      value = <f64>mant / load<f64>(FAST_POW10 + (<usize>frac << 3));
      if (neg) value = -value;
    } else {
      // The 16 to 17 digits of a shortest float64 (what Go's collectors print).
      if (!approxDecimal(mant, -frac, neg, false)) return -1;
      value = <f64>parsedValue;
    }
  } else if (digits > 15) {
    return -1;
  } else if (q + 1 == ve && load<u8>(q) == 105 && !dot) {
    // An integer: "-0i" is plain zero.
    value = <f64>(neg ? -(<i64>mant) : <i64>mant);
  } else {
    return -1;
  }

  // What follows: end of line, or spaces and a timestamp.
  let hasTs = false;
  let ts: i64 = 0;
  p = ve;
  if (p < end) {
    c = <u32>load<u8>(p);
    if (c == 32) {
      while (p < end && load<u8>(p) == 32) p++;
      if (p < end && load<u8>(p) != 10 && load<u8>(p) != 13) {
        const ts0 = p;
        let n: u64 = 0;
        if (p + 8 <= end) {
          const e8 = eightDigits(p);
          if (e8 >= 0) {
            n = <u64>e8;
            p += 8;
          }
        }
        while (p < end) {
          const d = <u32>load<u8>(p) - 48;
          if (d > 9) break;
          n = n * 10 + <u64>d;
          p++;
        }
        const nd = p - ts0;
        if (nd == 0 || nd > 18) return -1;
        const t = <i64>n;
        if (t <= 9223372036) ts = t;
        else if (t <= 9223372036854) ts = t / 1000;
        else if (t <= 9223372036854775) ts = t / 1000000;
        else ts = t / 1000000000;
        hasTs = true;
      }
    }
    if (p < end) {
      c = <u32>load<u8>(p);
      if (c == 10) {
        p++;
        lineNo++;
        lastEol = p;
      } else if (c == 13 && p + 1 < end && load<u8>(p + 1) == 10) {
        p += 2;
        lineNo++;
        lastEol = p;
      } else if (c == 13 && p + 1 == end) {
        p++;
      } else {
        return -1;
      }
    }
  }
  pos = p;
  lineMetric = metric;
  lineValue = <f32>value;
  lineTs = ts;
  lineHasTs = hasTs;
  if (typeLen == 0 && subLen != 0) deviceUnderNode();
  return LINE_SAMPLE;
}

/**
 * Reads the next line. LINE_SAMPLE: the line* globals hold a sample.
 * LINE_SKIP: an unknown metric; LINE_UNSAFE_NAME: a name that cannot be
 * stored (either way the line is consumed).
 * LINE_ERROR: errorLine/errorMsg describe it. LINE_EOF: nothing left.
 */
export function parseLine(): i32 {
  msgReset();
  skipEmptyLines();
  lineStartPos = pos;
  if (atEnd()) return LINE_EOF;
  // The line's own number: by the time the whole line is read, its newline is too.
  const firstLine = lineNo;
  lineFirst = firstLine;
  if (fastPath && fastLine() == LINE_SAMPLE) return LINE_SAMPLE;

  // Measurement.
  takeEsc(CC_MEAS, true);
  if (tokBad) return badToken();
  if (tokLen == 0) {
    if (atEnd()) msgAscii("no measurement name found");
    else {
      msgAscii("invalid character ");
      msgQuotedChar(cur());
      msgAscii(" found at start of measurement name");
    }
    return fail();
  }
  if (load<u8>(tokPtr) == 35) {
    msgAscii("invalid character found in comment line");
    return fail();
  }
  const mPtr = tokPtr;
  const mLen = tokLen;
  const tc = advanceTagComma();
  if (tc != LINE_SAMPLE) return tc;
  lineMetric = findMetric(mPtr, mLen);
  if (lineMetric < 0) {
    skipRest(true);
    return LINE_SKIP;
  }

  lineClusterPtr = defaultClusterPtr;
  lineClusterLen = defaultClusterLen;
  lineHostPtr = 0;
  lineHostLen = 0;
  typeLen = 0;
  subLen = 0;
  let r = parseTags();
  if (r != LINE_SAMPLE) return r;
  if (!isStorableName(lineClusterPtr, lineClusterLen) || !isStorableName(lineHostPtr, lineHostLen)) {
    skipRest(false);
    return LINE_UNSAFE_NAME;
  }
  r = parseFields();
  if (r != LINE_SAMPLE) return r;
  lineHasTs = false;
  if (timeFollows) {
    r = parseTime();
    if (r != LINE_SAMPLE) return r;
  }
  if (typeLen > 255 || subLen > 255) {
    msgAscii(typeLen > 255 ? "type name longer than 255 bytes" : "stype name longer than 255 bytes");
    fail();
    errorLine = firstLine;
    return LINE_ERROR;
  }
  if (typeLen == 0 && subLen != 0) deviceUnderNode();
  return LINE_SAMPLE;
}

