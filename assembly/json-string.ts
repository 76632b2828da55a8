// JSON strings in the response: UTF-8 bytes escaped as Go's encoder escapes them.
import { outReserve, putByte, writeByte } from "./out";

/**
 * Writes UTF-8 bytes as the inside of a JSON string (quotes not included),
 * escaping like Go's encoder: <, > and & as \u003c etc., U+2028/2029 too.
 */
export function writeJsonStringBody(ptr: usize, len: usize): void {
  if (!outReserve(len * 6)) return;
  for (let i: usize = 0; i < len; i++) {
    const c = load<u8>(ptr + i);
    if (c == 60 || c == 62 || c == 38) {
      putByte(92);
      putByte(117);
      putByte(48);
      putByte(48);
      putByte(c == 38 ? 50 : 51);
      putByte(c == 60 ? 99 : c == 62 ? 101 : 54);
    } else if (c == 0xe2 && i + 2 < len && load<u8>(ptr + i + 1) == 0x80 && (load<u8>(ptr + i + 2) & 0xfe) == 0xa8) {
      putByte(92);
      putByte(117);
      putByte(50);
      putByte(48);
      putByte(50);
      putByte(load<u8>(ptr + i + 2) == 0xa8 ? 56 : 57);
      i += 2;
    } else if (c == 34 || c == 92) {
      putByte(92);
      putByte(c);
    } else if (c < 0x20) {
      putByte(92);
      if (c == 10) putByte(110);
      else if (c == 13) putByte(114);
      else if (c == 9) putByte(116);
      else {
        putByte(117);
        putByte(48);
        putByte(48);
        putByte(<u8>(48 + (c >> 4)));
        const lo = c & 15;
        putByte(<u8>(lo < 10 ? 48 + lo : 87 + lo));
      }
    } else {
      putByte(c);
    }
  }
}

export function writeJsonString(ptr: usize, len: usize): void {
  writeByte(34);
  writeJsonStringBody(ptr, len);
  writeByte(34);
}
