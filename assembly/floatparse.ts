// Field values as Go's strconv.ParseFloat(s, 64) reads them (decimal with
// optional underscores between digits, hexadecimal with a p exponent,
// "inf"/"infinity" refused as non-numbers), stored as the 32-bit float
// nearest to that 64-bit result. Most values take a fast path; the rare ones
// near a rounding boundary or at the ends of the range take an exact
// multi-precision decimal path (the algorithm of Go's strconv/decimal.go).
import { POW10, POW10_MAX, POW10_MIN } from "./pow10-table";

export const PF_OK: i32 = 0;
export const PF_SYNTAX: i32 = 1;
export const PF_RANGE: i32 = 2;
export const PF_NONNUMBER: i32 = 3;

export let parsedValue: f32 = 0;

// readFloat results
let rMantissa: u64 = 0;
let rExp: i32 = 0;
let rNeg = false;
let rTrunc = false;
let rHex = false;

// @ts-ignore: decorator
@inline function lower(c: u32): u32 {
  return c | 0x20;
}

function underscoreOK(ptr: usize, len: usize): bool {
  let saw: u32 = 94; // '^'
  let i: usize = 0;
  let s = ptr;
  let n = len;
  if (n >= 1 && (load<u8>(s) == 45 || load<u8>(s) == 43)) {
    s++;
    n--;
  }
  let hex = false;
  if (n >= 2 && load<u8>(s) == 48) {
    const c1 = lower(load<u8>(s + 1));
    if (c1 == 98 || c1 == 111 || c1 == 120) {
      i = 2;
      saw = 48;
      hex = c1 == 120;
    }
  }
  for (; i < n; i++) {
    const c = <u32>load<u8>(s + i);
    if ((c >= 48 && c <= 57) || (hex && lower(c) >= 97 && lower(c) <= 102)) {
      saw = 48;
      continue;
    }
    if (c == 95) {
      if (saw != 48) return false;
      saw = 95;
      continue;
    }
    if (saw == 95) return false;
    saw = 33;
  }
  return saw != 95;
}

function commonPrefixLenIgnoreCase(ptr: usize, len: usize, prefix: string): i32 {
  let n = prefix.length;
  if (<usize>n > len) n = <i32>len;
  for (let i = 0; i < n; i++) {
    let c = <u32>load<u8>(ptr + <usize>i);
    if (c >= 65 && c <= 90) c += 32;
    if (c != <u32>prefix.charCodeAt(i)) return i;
  }
  return n;
}

/** Go's special(): true when the whole token is an optionally signed inf/infinity/nan. */
function isSpecial(ptr: usize, len: usize): bool {
  if (len == 0) return false;
  let s = ptr;
  let n = len;
  let nsign: usize = 0;
  const c0 = load<u8>(s);
  if (c0 == 43 || c0 == 45) {
    nsign = 1;
    s++;
    n--;
  }
  if (n == 0) return false;
  const c = lower(load<u8>(s));
  if (c == 105 || nsign == 1) {
    let k = commonPrefixLenIgnoreCase(s, n, "infinity");
    if (3 < k && k < 8) k = 3;
    if (k == 3 || k == 8) return <usize>k + nsign == len;
    return false;
  }
  if (c == 110) return commonPrefixLenIgnoreCase(s, n, "nan") == 3 && len == 3;
  return false;
}

/** Go's readFloat: true when the whole token is a well-formed number. */
function readFloat(ptr: usize, len: usize): bool {
  let i: usize = 0;
  rNeg = false;
  rTrunc = false;
  rHex = false;
  rMantissa = 0;
  rExp = 0;
  if (i >= len) return false;
  const c0 = load<u8>(ptr);
  if (c0 == 43) i++;
  else if (c0 == 45) {
    rNeg = true;
    i++;
  }
  let base: u64 = 10;
  let maxMantDigits: i32 = 19;
  let expChar: u32 = 101;
  if (i + 2 < len && load<u8>(ptr + i) == 48 && lower(load<u8>(ptr + i + 1)) == 120) {
    base = 16;
    maxMantDigits = 16;
    i += 2;
    expChar = 112;
    rHex = true;
  }
  let underscores = false;
  let sawdot = false;
  let sawdigits = false;
  let nd: i32 = 0;
  let ndMant: i32 = 0;
  let dp: i32 = 0;
  let mantissa: u64 = 0;
  for (; i < len; i++) {
    const c = <u32>load<u8>(ptr + i);
    if (c == 95) {
      underscores = true;
      continue;
    }
    if (c == 46) {
      if (sawdot) break;
      sawdot = true;
      dp = nd;
      continue;
    }
    if (c >= 48 && c <= 57) {
      sawdigits = true;
      if (c == 48 && nd == 0) {
        dp--;
        continue;
      }
      nd++;
      if (ndMant < maxMantDigits) {
        mantissa = mantissa * base + <u64>(c - 48);
        ndMant++;
      } else if (c != 48) {
        rTrunc = true;
      }
      continue;
    }
    if (base == 16 && lower(c) >= 97 && lower(c) <= 102) {
      sawdigits = true;
      nd++;
      if (ndMant < maxMantDigits) {
        mantissa = mantissa * 16 + <u64>(lower(c) - 97 + 10);
        ndMant++;
      } else {
        rTrunc = true;
      }
      continue;
    }
    break;
  }
  if (!sawdigits) return false;
  if (!sawdot) dp = nd;
  if (base == 16) {
    dp *= 4;
    ndMant *= 4;
  }
  if (i < len && lower(load<u8>(ptr + i)) == expChar) {
    i++;
    if (i >= len) return false;
    let esign: i32 = 1;
    if (load<u8>(ptr + i) == 43) i++;
    else if (load<u8>(ptr + i) == 45) {
      i++;
      esign = -1;
    }
    if (i >= len || load<u8>(ptr + i) < 48 || load<u8>(ptr + i) > 57) return false;
    let e: i32 = 0;
    for (; i < len; i++) {
      const c = <u32>load<u8>(ptr + i);
      if (c == 95) {
        underscores = true;
        continue;
      }
      if (c < 48 || c > 57) break;
      if (e < 10000) e = e * 10 + <i32>(c - 48);
    }
    dp += e * esign;
  } else if (base == 16) {
    return false;
  }
  if (mantissa != 0) rExp = dp - ndMant;
  rMantissa = mantissa;
  if (underscores && !underscoreOK(ptr, i)) return false;
  return i == len;
}

// ---- exact decimal path (digits, decimal point, binary shifts) ----

const DEC_MAX: i32 = 800;
const decDigits: usize = memory.data(DEC_MAX + 32);
const decTmp: usize = memory.data(DEC_MAX + 96);
let decNd: i32 = 0;
let decDp: i32 = 0;
let decTrunc = false;

function decSet(ptr: usize, len: usize): void {
  decNd = 0;
  decDp = 0;
  decTrunc = false;
  let i: usize = 0;
  const c0 = load<u8>(ptr);
  if (c0 == 43 || c0 == 45) i++;
  let sawdot = false;
  for (; i < len; i++) {
    const c = <u32>load<u8>(ptr + i);
    if (c == 95) continue;
    if (c == 46) {
      sawdot = true;
      decDp = decNd;
      continue;
    }
    if (c >= 48 && c <= 57) {
      if (c == 48 && decNd == 0) {
        decDp--;
        continue;
      }
      if (decNd < DEC_MAX) {
        store<u8>(decDigits + <usize>decNd, <u8>c);
        decNd++;
      } else if (c != 48) {
        decTrunc = true;
      }
      continue;
    }
    break;
  }
  // As in Go, the point of a dotless number sits after the digits kept.
  if (!sawdot) decDp = decNd;
  if (i < len && lower(load<u8>(ptr + i)) == 101) {
    i++;
    let esign: i32 = 1;
    if (load<u8>(ptr + i) == 43) i++;
    else if (load<u8>(ptr + i) == 45) {
      i++;
      esign = -1;
    }
    let e: i32 = 0;
    for (; i < len; i++) {
      const c = <u32>load<u8>(ptr + i);
      if (c == 95) continue;
      if (c < 48 || c > 57) break;
      if (e < 10000) e = e * 10 + <i32>(c - 48);
    }
    decDp += e * esign;
  }
  decTrim();
}

function decTrim(): void {
  while (decNd > 0 && load<u8>(decDigits + <usize>(decNd - 1)) == 48) decNd--;
  if (decNd == 0) decDp = 0;
}

function decRightShift(k: u32): void {
  let r: i32 = 0;
  let w: i32 = 0;
  let n: u64 = 0;
  for (; (n >> k) == 0; r++) {
    if (r >= decNd) {
      if (n == 0) {
        decNd = 0;
        return;
      }
      while ((n >> k) == 0) {
        n = n * 10;
        r++;
      }
      break;
    }
    n = n * 10 + <u64>(load<u8>(decDigits + <usize>r) - 48);
  }
  decDp -= r - 1;
  const mask: u64 = (<u64>1 << k) - 1;
  for (; r < decNd; r++) {
    const c = <u64>(load<u8>(decDigits + <usize>r) - 48);
    const dig = n >> k;
    n &= mask;
    store<u8>(decDigits + <usize>w, <u8>(dig + 48));
    w++;
    n = n * 10 + c;
  }
  while (n > 0) {
    const dig = n >> k;
    n &= mask;
    if (w < DEC_MAX) {
      store<u8>(decDigits + <usize>w, <u8>(dig + 48));
      w++;
    } else if (dig > 0) {
      decTrunc = true;
    }
    n = n * 10;
  }
  decNd = w;
  decTrim();
}

function decLeftShift(k: u32): void {
  // Multiply the digits by 2^k from the right, writing into decTmp from its end.
  let pos: i32 = DEC_MAX + 95;
  let carry: u64 = 0;
  for (let r = decNd - 1; r >= 0; r--) {
    const n = (<u64>(load<u8>(decDigits + <usize>r) - 48) << k) + carry;
    carry = n / 10;
    store<u8>(decTmp + <usize>pos, <u8>(n - carry * 10 + 48));
    pos--;
  }
  while (carry > 0) {
    const q = carry / 10;
    store<u8>(decTmp + <usize>pos, <u8>(carry - q * 10 + 48));
    pos--;
    carry = q;
  }
  const total = DEC_MAX + 95 - pos;
  const extra = total - decNd;
  let keep = total;
  if (keep > DEC_MAX) {
    for (let j = DEC_MAX; j < total; j++) {
      if (load<u8>(decTmp + <usize>(pos + 1 + j)) != 48) decTrunc = true;
    }
    keep = DEC_MAX;
  }
  memory.copy(decDigits, decTmp + <usize>(pos + 1), <usize>keep);
  decNd = keep;
  decDp += extra;
  decTrim();
}

function decShift(k: i32): void {
  if (decNd == 0) return;
  if (k > 0) {
    while (k > 60) {
      decLeftShift(60);
      k -= 60;
    }
    decLeftShift(<u32>k);
  } else if (k < 0) {
    while (k < -60) {
      decRightShift(60);
      k += 60;
    }
    decRightShift(<u32>-k);
  }
}

function decShouldRoundUp(nd: i32): bool {
  if (nd < 0 || nd >= decNd) return false;
  const d = load<u8>(decDigits + <usize>nd);
  if (d == 53 && nd + 1 == decNd) {
    if (decTrunc) return true;
    return nd > 0 && ((load<u8>(decDigits + <usize>(nd - 1)) - 48) & 1) == 1;
  }
  return d >= 53;
}

function decRoundedInteger(): u64 {
  if (decDp > 20) return 0xffffffffffffffff;
  let n: u64 = 0;
  let i: i32 = 0;
  for (; i < decDp && i < decNd; i++) n = n * 10 + <u64>(load<u8>(decDigits + <usize>i) - 48);
  for (; i < decDp; i++) n *= 10;
  if (decShouldRoundUp(decDp)) n++;
  return n;
}

const POWTAB: usize = memory.data<i32>([1, 3, 6, 9, 13, 16, 19, 23, 26]);
let decOverflow = false;

/** Go's decimal.floatBits for float64; sets decOverflow. */
function decFloatBits(neg: bool): u64 {
  const bias: i32 = -1023;
  let exp: i32 = 0;
  let mant: u64 = 0;
  decOverflow = false;
  if (decNd == 0) {
    exp = bias;
  } else if (decDp > 310) {
    decOverflow = true;
  } else if (decDp < -330) {
    exp = bias;
  } else {
    while (decDp > 0) {
      const n = decDp >= 9 ? 27 : load<i32>(POWTAB + (<usize>decDp << 2));
      decShift(-n);
      exp += n;
    }
    while (decDp < 0 || (decDp == 0 && load<u8>(decDigits) < 53)) {
      const n = -decDp >= 9 ? 27 : load<i32>(POWTAB + (<usize>(-decDp) << 2));
      decShift(n);
      exp -= n;
    }
    exp--;
    if (exp < bias + 1) {
      const n = bias + 1 - exp;
      decShift(-n);
      exp += n;
    }
    if (exp - bias >= 2047) {
      decOverflow = true;
    } else {
      decShift(53);
      mant = decRoundedInteger();
      if (mant == (<u64>2 << 52)) {
        mant >>= 1;
        exp++;
        if (exp - bias >= 2047) decOverflow = true;
      }
      if (!decOverflow && (mant & (<u64>1 << 52)) == 0) exp = bias;
    }
  }
  if (decOverflow) {
    mant = 0;
    exp = 2047 + bias;
  }
  let bits = mant & ((<u64>1 << 52) - 1);
  bits |= (<u64>((exp - bias) & 2047)) << 52;
  if (neg) bits |= <u64>1 << 63;
  return bits;
}

// ---- hexadecimal ----

let hexRange = false;

function atofHex(mantissaIn: u64, expIn: i32, neg: bool, trunc: bool): f64 {
  const bias: i32 = -1023;
  const mantbits: u64 = 52;
  const maxExp: i32 = 2048 + bias - 2;
  const minExp: i32 = bias + 1;
  let mantissa = mantissaIn;
  let exp = expIn + <i32>mantbits;
  hexRange = false;
  while (mantissa != 0 && (mantissa >> (mantbits + 2)) == 0) {
    mantissa <<= 1;
    exp--;
  }
  if (trunc) mantissa |= 1;
  while ((mantissa >> (1 + mantbits + 2)) != 0) {
    mantissa = (mantissa >> 1) | (mantissa & 1);
    exp++;
  }
  while (mantissa > 1 && exp < minExp - 2) {
    mantissa = (mantissa >> 1) | (mantissa & 1);
    exp++;
  }
  let round = mantissa & 3;
  mantissa >>= 2;
  round |= mantissa & 1;
  exp += 2;
  if (round == 3) {
    mantissa++;
    if (mantissa == (<u64>1 << (1 + mantbits))) {
      mantissa >>= 1;
      exp++;
    }
  }
  if ((mantissa >> mantbits) == 0) exp = bias;
  if (exp > maxExp) {
    mantissa = <u64>1 << mantbits;
    exp = maxExp + 1;
    hexRange = true;
  }
  let bits = mantissa & ((<u64>1 << mantbits) - 1);
  bits |= (<u64>((exp - bias) & 2047)) << mantbits;
  if (neg) bits |= <u64>1 << 63;
  return reinterpret<f64>(bits);
}

// ---- entry point ----

const EXACT_POW10: usize = memory.data<f64>([
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]);

function slowPath(ptr: usize, len: usize): i32 {
  decSet(ptr, len);
  const bits = decFloatBits(rNeg);
  if (decOverflow) return PF_RANGE;
  parsedValue = <f32>reinterpret<f64>(bits);
  return PF_OK;
}

/** Parses a float token; on PF_OK the result is in `parsedValue`. */
export function parseFloatToken(ptr: usize, len: usize): i32 {
  if (isSpecial(ptr, len)) {
    // nan or ±inf: Go parses them, the line protocol refuses them.
    return PF_NONNUMBER;
  }
  if (!readFloat(ptr, len)) return PF_SYNTAX;
  if (rHex) {
    const v = atofHex(rMantissa, rExp, rNeg, rTrunc);
    if (hexRange) return PF_RANGE;
    parsedValue = <f32>v;
    return PF_OK;
  }
  const m = rMantissa;
  if (m == 0) {
    // Every digit was zero (truncation only happens past 19 non-zero digits).
    parsedValue = rNeg ? -0.0 : 0.0;
    return PF_OK;
  }
  let e = rExp;
  if (!rTrunc && m < (<u64>1 << 53) && e >= -22 && e <= 22) {
    let v = <f64>m;
    if (e >= 0) v *= load<f64>(EXACT_POW10 + (<usize>e << 3));
    else v /= load<f64>(EXACT_POW10 + (<usize>(-e) << 3));
    parsedValue = <f32>(rNeg ? -v : v);
    return PF_OK;
  }
  if (approxDecimal(m, e, rNeg, rTrunc)) return PF_OK;
  return slowPath(ptr, len);
}

/**
 * m * 10^e (negated if `neg`) into `parsedValue`, when a 64-bit approximation
 * settles its 32-bit rounding; false when the exact path must decide. `trunc`:
 * digits beyond m were dropped (not all zero).
 */
export function approxDecimal(m: u64, e: i32, neg: bool, trunc: bool): bool {
  if (e <= POW10_MIN + 20 || e >= POW10_MAX - 20) return false;
  // Within ~2 ulps of the exact value (m and the power each rounded once, the
  // product once); accepted when no 32-bit rounding boundary lies that close,
  // which is all but a sliver of inputs.
  const a = <f64>m * load<f64>(POW10 + (<usize>(e - POW10_MIN) << 3));
  const bits = reinterpret<u64>(a);
  const bexp = <i32>((bits >> 52) & 0x7ff) - 1023;
  if (bexp >= -125 && bexp <= 126) {
    const low = <i64>(bits & 0x1fffffff);
    const dist = low - 0x10000000;
    const sticky = trunc ? 16 : 0;
    if (dist > 8 + sticky || dist < -8 - sticky) {
      parsedValue = <f32>(neg ? -a : a);
      return true;
    }
  } else if (bexp > 130 && bexp < 1000) {
    // Far beyond the 32-bit range but well inside the 64-bit one.
    parsedValue = neg ? -Infinity : Infinity;
    return true;
  }
  return false;
}
