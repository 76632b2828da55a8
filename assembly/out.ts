// The response buffer every answer is written into, and the numbers and
// strings of our JSON (floats: see f32-format.ts).
import { freeScratch, grownScratchCap, growScratch } from "./alloc";
import { decimalLength, putDigits } from "./digits";
import { formatF32, formatF32Inline } from "./f32-format";
import { keepValueText, valueTextSlot, victimSlot } from "./value-texts";

export let outPtr: usize = 0;
export let outLen: usize = 0;
let outCap: usize = 0;
/** Set when the buffer could not grow; the answer is then incomplete and must be refused. */
export let outFailed: bool = false;

export function setOutLen(n: usize): void {
  outLen = n;
}

/**
 * The response buffer keeps its capacity up to this from one answer to the
 * next: query answers come in steps of about 1 MiB (query-step.ts), and what
 * a larger answer (a debug dump of everything, a large host's export) grew it
 * to is given back when the next answer starts, so it can serve another
 * buffer of its size class instead of staying with this one for good.
 */
const OUT_KEEP: usize = 8 << 20;

export function outReset(): void {
  if (outCap > OUT_KEEP) {
    freeScratch(outPtr, outCap);
    outPtr = 0;
    outCap = 0;
  }
  outLen = 0;
  outFailed = false;
}

/** Makes room for n more bytes; false (and outFailed) when memory runs out. */
export function outReserve(n: usize): bool {
  if (outLen + n <= outCap) return true;
  const p = growScratch(outPtr, outCap, outLen, outLen + n, 4096);
  if (p == 0) {
    outFailed = true;
    return false;
  }
  outPtr = p;
  outCap = grownScratchCap;
  return true;
}

// @ts-ignore: decorator
@inline export function putByte(b: u8): void {
  store<u8>(outPtr + outLen, b);
  outLen++;
}

export function writeByte(b: u8): void {
  if (!outReserve(1)) return;
  putByte(b);
}

export function writeBytes(ptr: usize, len: usize): void {
  if (!outReserve(len)) return;
  memory.copy(outPtr + outLen, ptr, len);
  outLen += len;
}

/**
 * Writes a static ASCII string literal, sixteen characters a turn (two
 * loads of its UTF-16, narrowed): every entry writes a few keys this way,
 * and byte by byte it took some 10 instructions a character. It reads up to
 * 30 bytes past the literal's end (static data, well inside memory) and
 * writes up to 15 past the text, inside the room reserved for that.
 */
export function writeAscii(s: string): void {
  const len = <usize>s.length;
  if (!outReserve((len + 15) & ~15)) return;
  const from = changetype<usize>(s);
  const to = outPtr + outLen;
  for (let i: usize = 0; i < len; i += 16) {
    const at = from + (i << 1);
    v128.store(to + i, i8x16.narrow_i16x8_u(v128.load(at), v128.load(at, 16)));
  }
  outLen += len;
}

export function writeU64(v: u64): void {
  if (!outReserve(20)) return;
  const len = decimalLength(v);
  putDigits(outPtr + outLen, v, len);
  outLen += <usize>len;
}

export function writeI64(v: i64): void {
  if (!outReserve(21)) return;
  if (v < 0) {
    putByte(45);
    writeU64(<u64>(-v));
  } else {
    writeU64(<u64>v);
  }
}

/** formatF32 at the end of the response; 24 bytes must be reserved. */
export function putF32(x: f32): void {
  outLen = formatF32(outPtr + outLen, x) - outPtr;
}

export function writeF32(x: f32): void {
  if (!outReserve(16)) return;
  putF32(x);
}

/** Count, sum, min and max of the non-NaN values of the last writeValueRange (from statReset on) or valueStats. */
export let statCount: i32 = 0;
export let statSum: f64 = 0;
export let statMin: f64 = 0;
export let statMax: f64 = 0;

/**
 * Only the statistics of values[0..n) (see statCount), eight values a turn.
 * The sum stays one chain of additions in slot order, in lane 0 of `acc`
 * (lane 1 gathers what it may: it is never read). A stretch of 64 is added
 * as it comes; when that makes the sum NaN (a missing value, or infinities
 * that cancel) the stretch is added again with its NaN lanes zeroed and
 * counted out: +0 leaves any sum but -0 as it was, and a sum that starts at
 * +0 is never -0. The minimum and maximum run per lane (NaN never wins a
 * comparison). In slot order, `x < mn ? x : mn` keeps the first value equal
 * to the minimum, and so does each lane's chain of pmin. Where the two lanes
 * end on equal values of different bits (+0 and -0) the order across lanes
 * matters, and the scalar loop decides.
 */
export function valueStats(values: usize, n: i32): void {
  let acc = f64x2.splat(0);
  let lo = f64x2.splat(f64.MAX_VALUE);
  let hi = f64x2.splat(-f64.MAX_VALUE);
  let count = 0;
  let j = 0;
  for (; j + 64 <= n; j += 64) {
    const before = acc;
    const stretch = values + (<usize>j << 3);
    for (let k: usize = 0; k < 64 << 3; k += 64) {
      const p = stretch + k;
      const a = v128.load(p);
      const b = v128.load(p, 16);
      const c = v128.load(p, 32);
      const d = v128.load(p, 48);
      // The running minimum on the left: pmin(x, NaN) is x, pmin(NaN, x) NaN.
      lo = f64x2.pmin(f64x2.pmin(f64x2.pmin(f64x2.pmin(lo, a), b), c), d);
      hi = f64x2.pmax(f64x2.pmax(f64x2.pmax(f64x2.pmax(hi, a), b), c), d);
      acc = addInOrder(acc, a);
      acc = addInOrder(acc, b);
      acc = addInOrder(acc, c);
      acc = addInOrder(acc, d);
    }
    if (!isNaN(f64x2.extract_lane(acc, 0))) {
      count += 64;
      continue;
    }
    acc = before;
    // Minus the count of present values, per lane (a present lane's mask is -1).
    let counted = i64x2.splat(0);
    for (let k: usize = 0; k < 64 << 3; k += 16) {
      const a = v128.load(stretch + k);
      const present = f64x2.eq(a, a);
      acc = addInOrder(acc, v128.and(a, present));
      counted = i64x2.add(counted, present);
    }
    count -= <i32>(i64x2.extract_lane(counted, 0) + i64x2.extract_lane(counted, 1));
  }
  let counted = i64x2.splat(0);
  for (; j + 2 <= n; j += 2) {
    const a = v128.load(values + (<usize>j << 3));
    lo = f64x2.pmin(lo, a);
    hi = f64x2.pmax(hi, a);
    const present = f64x2.eq(a, a);
    acc = addInOrder(acc, v128.and(a, present));
    counted = i64x2.add(counted, present);
  }
  count -= <i32>(i64x2.extract_lane(counted, 0) + i64x2.extract_lane(counted, 1));
  let sum = f64x2.extract_lane(acc, 0);
  let mn = min(f64x2.extract_lane(lo, 0), f64x2.extract_lane(lo, 1));
  let mx = max(f64x2.extract_lane(hi, 0), f64x2.extract_lane(hi, 1));
  if (j > 0 && (lanesSplit(lo, mn) || lanesSplit(hi, mx))) {
    mn = f64.MAX_VALUE;
    mx = -f64.MAX_VALUE;
    for (let i = 0; i < j; i++) {
      const x = load<f64>(values + (<usize>i << 3));
      mn = x < mn ? x : mn;
      mx = x > mx ? x : mx;
    }
  }
  if (j < n) {
    const x = load<f64>(values + (<usize>j << 3));
    if (!isNaN(x)) {
      count++;
      sum += x;
      mn = x < mn ? x : mn;
      mx = x > mx ? x : mx;
    }
  }
  statCount = count;
  statSum = sum;
  statMin = mn;
  statMax = mx;
}

/** Sets the statistics (read-stats.ts gathers them elsewhere). */
export function setStats(count: i32, sum: f64, mn: f64, mx: f64): void {
  statCount = count;
  statSum = sum;
  statMin = mn;
  statMax = mx;
}

/** acc with lane 0 plus v's lane 0, then plus v's lane 1 (lane 1 of acc: anything). */
// @ts-ignore: decorator
@inline export function addInOrder(acc: v128, v: v128): v128 {
  return f64x2.add(f64x2.add(acc, v), i64x2.shuffle(v, v, 1, 1));
}

/** Whether a lane equals m with other bits than m (only +0 against -0). */
// @ts-ignore: decorator
@inline export function lanesSplit(v: v128, m: f64): bool {
  if (m != 0) return false;
  const bits = reinterpret<i64>(m);
  const a = f64x2.extract_lane(v, 0);
  const b = f64x2.extract_lane(v, 1);
  return (a == 0 && reinterpret<i64>(a) != bits) || (b == 0 && reinterpret<i64>(b) != bits);
}

/**
 * `pad` nulls, then values[0..n) (f64, multiplied by `scale` unless it is 1)
 * as 32-bit floats, comma-separated, without brackets, for a caller that has
 * the statistics already (read-stats.ts gathered them as the series was read,
 * or valueStats takes them in a pass of its own) or needs none: the loop over
 * remembered texts then carries no statistics (writeRememberedTexts), which
 * is about a third of its instructions a value. The statistics globals are
 * left with whatever writeNew added to them: the caller sets them after.
 */
export function writeValuesOnly(values: usize, n: i32, scale: f64, pad: i32): void {
  writeRange(values, n, scale, pad, 0, pad + n, false);
}

export function statReset(): void {
  statCount = 0;
  statSum = 0;
  statMin = f64.MAX_VALUE;
  statMax = -f64.MAX_VALUE;
}

/**
 * Items [begin, end) of what writeValuesOnly writes (item k < pad is a null, the
 * others values[k - pad]), each followed by a comma but the very last one: a
 * long entry is written in pieces, one call each, with the same bytes and the
 * statistics carried on from the piece before (statReset before the first).
 */
export function writeValueRange(values: usize, n: i32, scale: f64, pad: i32, begin: i32, end: i32): void {
  writeRange(values, n, scale, pad, begin, end, true);
}

// @ts-ignore: decorator
@inline function writeRange(values: usize, n: i32, scale: f64, pad: i32, begin: i32, end: i32, stats: bool): void {
  const nullEnd = end < pad ? end : pad;
  const nulls = begin < nullEnd ? nullEnd - begin : 0;
  const first = begin > pad ? begin - pad : 0;
  const last = end - pad;
  const numbers: usize = last > first ? <usize>(last - first) : 0;
  // 24 bytes is the longest number, plus its comma (and a remembered text is
  // copied as 16 bytes whatever its length).
  if (!outReserve(<usize>nulls * 5 + numbers * 25 + 2)) return;
  let q = outPtr + outLen;
  for (let i = 0; i < nulls; i++) {
    store<u32>(q, 0x6c6c756e);
    store<u8>(q + 4, 44);
    q += 5;
  }
  outLen = q - outPtr;
  runStop = first;
  while (runStop < last) {
    if (stats) writeRemembered(values, runStop, last, scale);
    else writeRememberedTexts(values, runStop, last, scale);
    if (runStop < last) writeNew(values, runStop, last, scale);
  }
  if (end == pad + n && end > begin) outLen--;
}

/** Where writeRemembered or writeNew stopped: at `last`, or where the other one takes over. */
let runStop: i32 = 0;

/**
 * Values [first, last) as writeValueRange writes them, from outLen on, and
 * their statistics, while each value's text is remembered (value-texts.ts).
 * The loop calls nothing and ends with all it carries in globals (runStop,
 * outLen, the statistics), so that V8 keeps it in registers: with a call or
 * the formatter's many registers inside, it stores every one of them to the
 * stack on every turn. The statistics ride along with the copying, where the
 * sum's chain of additions costs no time of its own. x * 1 is x (a NaN of
 * any bits is written null), so an unscaled entry multiplies by 1.
 */
function writeRemembered(values: usize, first: i32, last: i32, scale: f64): void {
  let count = statCount;
  let sum = statSum;
  let mn = statMin;
  let mx = statMax;
  let q = outPtr + outLen;
  let i = first;
  for (; i < last; i++) {
    const x = load<f64>(values + (<usize>i << 3));
    const bits = reinterpret<u32>(<f32>(x * scale));
    let text = valueTextSlot(bits);
    if (load<u32>(text) != bits) {
      text = victimSlot(text);
      if (load<u32>(text) != bits) break;
    }
    if (!isNaN(x)) {
      count++;
      sum += x;
      mn = x < mn ? x : mn;
      mx = x > mx ? x : mx;
    }
    // The remembered text ends in its comma.
    v128.store(q, v128.load(text, 16));
    q += <usize>load<u8>(text, 4);
  }
  runStop = i;
  outLen = q - outPtr;
  statCount = count;
  statSum = sum;
  statMin = mn;
  statMax = mx;
}

/**
 * writeRemembered without the statistics (writeValuesOnly): the same bytes, the same stop.
 * The lookup in both tables is spelled out in each such loop on purpose: an inlined
 * helper returning the slot or 0 cost writeSeriesValues 25,260 -> 30,015 instructions
 * a single-host query (bench/aggregate-profile.mjs --query single, 2026-12-04).
 */
function writeRememberedTexts(values: usize, first: i32, last: i32, scale: f64): void {
  let q = outPtr + outLen;
  let i = first;
  for (; i < last; i++) {
    const bits = reinterpret<u32>(<f32>(load<f64>(values + (<usize>i << 3)) * scale));
    let text = valueTextSlot(bits);
    if (load<u32>(text) != bits) {
      text = victimSlot(text);
      if (load<u32>(text) != bits) break;
    }
    v128.store(q, v128.load(text, 16));
    q += <usize>load<u8>(text, 4);
  }
  runStop = i;
  outLen = q - outPtr;
}

/**
 * writeRemembered's other half: values whose text is not remembered,
 * formatted (formatF32, a call: the registers it spills are a small part of
 * a value's formatting) and remembered, up to one that is.
 */
function writeNew(values: usize, first: i32, last: i32, scale: f64): void {
  let count = statCount;
  let sum = statSum;
  let mn = statMin;
  let mx = statMax;
  let q = outPtr + outLen;
  let i = first;
  for (; i < last; i++) {
    const x = load<f64>(values + (<usize>i << 3));
    const v = <f32>(x * scale);
    const bits = reinterpret<u32>(v);
    const slot = valueTextSlot(bits);
    // Remembered in either table: the loops over remembered texts copy it.
    if (load<u32>(slot) == bits || load<u32>(victimSlot(slot)) == bits) break;
    if (!isNaN(x)) {
      count++;
      sum += x;
      mn = x < mn ? x : mn;
      mx = x > mx ? x : mx;
    }
    const e = formatF32Inline(q, v);
    store<u8>(e, 44);
    if (bits != NEGATIVE_ZERO) keepValueText(slot, bits, q, e + 1);
    q = e + 1;
  }
  runStop = i;
  outLen = q - outPtr;
  statCount = count;
  statSum = sum;
  statMin = mn;
  statMax = mx;
}

/**
 * The bits of -0, whose text no table slot holds: a scaled entry writes it
 * "-0" (x * scale of a negative scale), writeF32Values "0" (a stored -0 reads
 * as 0 + -0, as the reference's buffer.read adds it), so it has no one text.
 */
// @ts-ignore: decorator
@inline const NEGATIVE_ZERO: u32 = 0x80000000;

/**
 * The stored f32 values[0..n) (of one series, unscaled) as writeValuesOnly
 * writes what a read of them gives (0 + v, as f64, back to f32: the same
 * float, but -0 is 0), each followed by a comma: read-answer.ts writes a
 * single series' entry from the values as they are read, without the f64
 * copy and its conversions back (three instructions a value in the loop
 * over remembered texts). Room for 25 bytes a value must be reserved.
 */
export function writeF32Values(values: usize, n: i32): void {
  runStop = 0;
  while (runStop < n) {
    writeRememberedF32(values, runStop, n);
    if (runStop < n) writeNewF32(values, runStop, n);
  }
}

/** writeRememberedTexts over stored f32 values: a value's bits are its key (-0's never found). */
function writeRememberedF32(values: usize, first: i32, last: i32): void {
  let q = outPtr + outLen;
  let i = first;
  for (; i < last; i++) {
    const bits = load<u32>(values + (<usize>i << 2));
    let text = valueTextSlot(bits);
    if (load<u32>(text) != bits) {
      text = victimSlot(text);
      if (load<u32>(text) != bits) break;
    }
    v128.store(q, v128.load(text, 16));
    q += <usize>load<u8>(text, 4);
  }
  runStop = i;
  outLen = q - outPtr;
}

/** writeNew over stored f32 values, without the statistics. */
function writeNewF32(values: usize, first: i32, last: i32): void {
  let q = outPtr + outLen;
  let i = first;
  for (; i < last; i++) {
    const bits = load<u32>(values + (<usize>i << 2));
    const slot = valueTextSlot(bits);
    if (load<u32>(slot) == bits || load<u32>(victimSlot(slot)) == bits) break;
    // + 0: -0 is written 0 (any other float, NaN included, writes as it is).
    const e = formatF32Inline(q, reinterpret<f32>(bits) + <f32>0);
    store<u8>(e, 44);
    if (bits != NEGATIVE_ZERO) keepValueText(slot, bits, q, e + 1);
    q = e + 1;
  }
  runStop = i;
  outLen = q - outPtr;
}

/** n "null," at the end of the response (room reserved). */
export function putNulls(n: i32): void {
  let q = outPtr + outLen;
  for (let i = 0; i < n; i++) {
    store<u32>(q, 0x6c6c756e);
    store<u8>(q + 4, 44);
    q += 5;
  }
  outLen = q - outPtr;
}
