// InfluxDB line protocol, read the way influxdata/line-protocol/v2 (the
// decoder the reference uses) reads it, one line at a time over bytes in
// linear memory. Escaped tokens are unescaped in place (the input is our own
// copy), so nothing is allocated per line.
//
// parseLine() leaves one sample in the `line*` globals, or reports a line to
// skip (unknown metric), a line to reject (a cluster/host name that cannot be
// stored) or a malformed line.
//
// The parser is in three files by job: lineproto-scan.ts (the input, errors,
// character classes and token helpers), lineproto-fast.ts (the sample a line
// leaves, tags, and the fast path for the usual line) and this one (the
// general parser, which knows every rule and error message).
import { isStorableName } from "./bytes";
import { parseFloatToken, parsedValue, PF_NONNUMBER, PF_OK, PF_RANGE } from "./floatparse";
import { findMetric } from "./metrics";
import { floorDiv, INT_OK, INT_RANGE, isBool, parsedInt, parseInt64 } from "./lp-literals";
import { msgAscii, msgQuoted, msgQuotedChar, msgRaw, msgReset } from "./lp-message";
import {
  advance, atEnd, CC_FVAL, CC_KEY, CC_MEAS, CC_TIME, consumeLine, cur, discardSpaces, end, fail, failAt,
  isWhite, LINE_EOF, LINE_ERROR, LINE_SAMPLE, LINE_SKIP, LINE_UNSAFE_NAME, lineNo, pos, setSkipping, skipEmptyLines,
  skipping, skipToLineEnd, take, takeEOL, takeEsc, takeQuoted, tokBad, tokLen, tokPtr,
} from "./lineproto-scan";
import {
  applyTag, beginLine, clearLineTs, deviceUnderNode, fastLine, isValueKey, lineClusterLen, lineClusterPtr,
  lineHostLen, lineHostPtr, lineMetric, setLineMetric, setLineTs, setLineValue, subLen, typeLen,
} from "./lineproto-fast";

// What the rest of the engine reads of the parser.
export {
  errorLine, initParser, LINE_EOF, LINE_ERROR, LINE_SAMPLE, LINE_SKIP, LINE_UNSAFE_NAME, lineNo, lineRanIntoEnd,
  parserContinue, parserStart,
} from "./lineproto-scan";
export {
  lineClusterLen, lineClusterPtr, lineHasTs, lineHostLen, lineHostPtr, lineMetric, lineTs, lineValue,
  setDefaultCluster, subBuf, subLen, typeBuf, typeLen,
} from "./lineproto-fast";

/** The number of the line parseLine() read last (lineNo may already count its newline). */
export let lineFirst: i32 = 1;

/** Off only to test that both paths read lines the same way. */
export let fastPath = true;
export function setFastPath(on: bool): void {
  fastPath = on;
}

/** Where the line parseLine() read last begins (after blank lines and comments). */
export let lineStartPos: usize = 0;

function advanceTagComma(): i32 {
  if (atEnd() || cur() != 44) return LINE_SAMPLE;
  advance();
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
    advance();
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
    advance();
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
      advance();
      const valid = takeQuoted();
      vPtr = tokPtr;
      vLen = tokLen;
      if (!valid) return badToken();
      if (atEnd()) {
        msgAscii("expected closing quote for string field ");
        msgQuoted(kPtr, kLen);
        msgAscii(", found end of input");
        return fail();
      }
      advance();
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
        advance();
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
      setLineValue(v);
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
      skipToLineEnd();
      msgAscii("invalid timestamp (");
      msgQuoted(start, pos - start);
      msgAscii(")");
      return fail();
    }
    discardSpaces();
    if (!atEnd() && !takeEOL()) {
      const extra = pos;
      skipToLineEnd();
      msgAscii("unexpected text after timestamp (");
      msgQuoted(extra, pos - extra);
      msgAscii(")");
      return fail();
    }
  }
  if (skipping || tLen == 0) {
    clearLineTs();
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
  setLineTs(ts);
  return LINE_SAMPLE;
}

/** Validates the rest of a line that is skipped; a malformed rest is ignored as the reference does. */
function skipRest(fromTags: bool): void {
  setSkipping(true);
  let r = LINE_SAMPLE;
  if (fromTags) r = parseTags();
  if (r == LINE_SAMPLE) r = parseFields();
  if (r == LINE_SAMPLE && timeFollows) r = parseTime();
  setSkipping(false);
  msgReset();
  if (r != LINE_SAMPLE) consumeLine();
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
  setLineMetric(findMetric(mPtr, mLen));
  if (lineMetric < 0) {
    skipRest(true);
    return LINE_SKIP;
  }

  beginLine();
  let r = parseTags();
  if (r != LINE_SAMPLE) return r;
  if (!isStorableName(lineClusterPtr, lineClusterLen) || !isStorableName(lineHostPtr, lineHostLen)) {
    skipRest(false);
    return LINE_UNSAFE_NAME;
  }
  r = parseFields();
  if (r != LINE_SAMPLE) return r;
  clearLineTs();
  if (timeFollows) {
    r = parseTime();
    if (r != LINE_SAMPLE) return r;
  }
  if (typeLen > 255 || subLen > 255) {
    msgAscii(typeLen > 255 ? "type name longer than 255 bytes" : "stype name longer than 255 bytes");
    return failAt(firstLine);
  }
  if (typeLen == 0 && subLen != 0) deviceUnderNode();
  return LINE_SAMPLE;
}

