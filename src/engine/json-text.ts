// JSON strings escaped the way Go's encoding/json does by default (HTML-safe),
// so text built here matches the bytes the engine writes.

const HEX = '0123456789abcdef';

export function jsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x3c) out += '\\u003c';
    else if (c === 0x3e) out += '\\u003e';
    else if (c === 0x26) out += '\\u0026';
    else if (c === 0x2028) out += '\\u2028';
    else if (c === 0x2029) out += '\\u2029';
    else if (c < 0x20) {
      if (c === 0x0a) out += '\\n';
      else if (c === 0x0d) out += '\\r';
      else if (c === 0x09) out += '\\t';
      else out += '\\u00' + HEX[c >> 4] + HEX[c & 15];
    } else out += s[i];
  }
  return out + '"';
}
