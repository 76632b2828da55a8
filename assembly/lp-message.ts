// Error messages of the line-protocol reader, worded like the reference's
// decoder (influxdata/line-protocol v2) and quoted like Go's %q.

export const errorMsg: usize = memory.data(1024);
export let errorLen: usize = 0;

export function msgReset(): void {
  errorLen = 0;
}

export function msgAscii(s: string): void {
  for (let i = 0; i < s.length && errorLen < 1000; i++) {
    store<u8>(errorMsg + errorLen, <u8>s.charCodeAt(i));
    errorLen++;
  }
}

/** Bytes as they are (cut at 200). */
export function msgRaw(ptr: usize, len: usize): void {
  const n = min(len, 200);
  for (let i: usize = 0; i < n && errorLen < 1000; i++) {
    store<u8>(errorMsg + errorLen, load<u8>(ptr + i));
    errorLen++;
  }
  if (len > n) msgAscii("...");
}

function msgHexByte(c: u32): void {
  const d1 = c >> 4;
  const d2 = c & 15;
  msgAscii("\\x");
  store<u8>(errorMsg + errorLen, <u8>(d1 < 10 ? 48 + d1 : 87 + d1));
  store<u8>(errorMsg + errorLen + 1, <u8>(d2 < 10 ? 48 + d2 : 87 + d2));
  errorLen += 2;
}

function msgQuotedByte(c: u32, quote: u32): void {
  if (errorLen > 990) return;
  if (c == quote || c == 92) {
    store<u8>(errorMsg + errorLen, 92);
    store<u8>(errorMsg + errorLen + 1, <u8>c);
    errorLen += 2;
  } else if (c == 10) msgAscii("\\n");
  else if (c == 13) msgAscii("\\r");
  else if (c == 9) msgAscii("\\t");
  else if (c < 32 || c == 127) msgHexByte(c);
  else {
    store<u8>(errorMsg + errorLen, <u8>c);
    errorLen++;
  }
}

/** Like Go's %q of a byte string (cut at 200). */
export function msgQuoted(ptr: usize, len: usize): void {
  msgAscii('"');
  const n = min(len, 200);
  for (let i: usize = 0; i < n; i++) msgQuotedByte(load<u8>(ptr + i), 34);
  if (len > n) msgAscii("...");
  msgAscii('"');
}

/** Like Go's %q of a single byte. */
export function msgQuotedChar(c: u32): void {
  msgAscii("'");
  msgQuotedByte(c, 39);
  msgAscii("'");
}
