// Literals of field values and timestamps as Go's strconv reads them.

export const INT_OK: i32 = 0;
export const INT_SYNTAX: i32 = 1;
export const INT_RANGE: i32 = 2;

/** The result of the last parseInt64 that returned INT_OK. */
export let parsedInt: i64 = 0;

/** strconv.ParseInt / ParseUint in base 10 (a sign only for signed). */
export function parseInt64(ptr: usize, len: usize, signed: bool): i32 {
  if (len == 0) return INT_SYNTAX;
  let i: usize = 0;
  let neg = false;
  const c0 = load<u8>(ptr);
  if (signed && (c0 == 43 || c0 == 45)) {
    neg = c0 == 45;
    i = 1;
    if (len == 1) return INT_SYNTAX;
  }
  let v: u64 = 0;
  if (len - i <= 18) {
    // Up to 18 digits cannot overflow.
    for (; i < len; i++) {
      const d = <u32>load<u8>(ptr + i) - 48;
      if (d > 9) return INT_SYNTAX;
      v = v * 10 + <u64>d;
    }
  }
  for (; i < len; i++) {
    const c = <u32>load<u8>(ptr + i);
    if (c < 48 || c > 57) return INT_SYNTAX;
    const d = <u64>(c - 48);
    // Like Go, an overflow is reported at the digit where it happens.
    if (v > (0xffffffffffffffff - d) / 10) return INT_RANGE;
    v = v * 10 + d;
  }
  if (signed) {
    if (neg) {
      if (v > 0x8000000000000000) return INT_RANGE;
      parsedInt = -(<i64>v);
    } else {
      if (v > 0x7fffffffffffffff) return INT_RANGE;
      parsedInt = <i64>v;
    }
  } else {
    parsedInt = <i64>v;
  }
  return INT_OK;
}

// @ts-ignore: decorator
@inline function is(ptr: usize, len: usize, s: string): bool {
  if (len != <usize>s.length) return false;
  for (let i = 0; i < s.length; i++) {
    if (<u32>load<u8>(ptr + <usize>i) != <u32>s.charCodeAt(i)) return false;
  }
  return true;
}

/** The spellings of a boolean the line protocol accepts. */
export function isBool(ptr: usize, len: usize): bool {
  return is(ptr, len, "t") || is(ptr, len, "T") || is(ptr, len, "true") || is(ptr, len, "True") ||
    is(ptr, len, "TRUE") || is(ptr, len, "f") || is(ptr, len, "F") || is(ptr, len, "false") ||
    is(ptr, len, "False") || is(ptr, len, "FALSE");
}

/** a / b rounded down (timestamps before 1970 in ms/us/ns). */
export function floorDiv(a: i64, b: i64): i64 {
  const q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}
