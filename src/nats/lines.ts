// Byte positions of lines inside a message, for skipping past a malformed
// line and quoting it in the log. Lines end at '\n' (a '\r' before it stays
// part of the line, as in the ingest's own numbering).

const NEWLINE = 0x0a;

/** Offset of the first byte of line `line` (1-based), or -1 when the body has fewer lines. */
export function lineStart(body: Uint8Array, line: number): number {
  let pos = 0;
  for (let n = 1; n < line; n++) {
    const nl = body.indexOf(NEWLINE, pos);
    if (nl < 0) return -1;
    pos = nl + 1;
  }
  return pos < body.length || line === 1 ? pos : -1;
}

/** The text of line `line` (1-based), cut to `max` characters, for a log message. */
export function quoteLine(body: Uint8Array, line: number, max = 120): string {
  const start = lineStart(body, line);
  if (start < 0) return '';
  let end = body.indexOf(NEWLINE, start);
  if (end < 0) end = body.length;
  const text = new TextDecoder().decode(body.subarray(start, Math.min(end, start + max * 4))).replace(/\r$/, '');
  return text.length > max ? `${text.slice(0, max)}...` : text;
}
