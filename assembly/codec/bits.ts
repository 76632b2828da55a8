// Bit packing and varints shared by the codecs (docs/engine.md "Chunk
// encodings"). Packed fields run LSB first: field j of width w occupies bits
// [j*w, (j+1)*w) of its area, bit b being (byte[b >> 3] >> (b & 7)) & 1. An
// area starts on a byte and is ceil(count*w / 8) bytes long. Widths are at
// most 57, so one unaligned u64 load holds any field.

let wp: usize = 0;
let acc: u64 = 0;
let accBits: u32 = 0;

/** Starts a packed area at p. */
// @ts-ignore: decorator
@inline export function packBegin(p: usize): void {
  wp = p;
  acc = 0;
  accBits = 0;
}

/** Appends the low w bits of v (v < 2^w, w <= 57). */
// @ts-ignore: decorator
@inline export function packPut(v: u64, w: u32): void {
  acc |= v << <u64>accBits;
  const total = accBits + w;
  if (total < 64) {
    accBits = total;
  } else {
    // accBits >= 1 here (w < 64), so the shift below is below 64.
    store<u64>(wp, acc);
    wp += 8;
    acc = v >> <u64>(64 - accBits);
    accBits = total - 64;
  }
}

/** Ends the area: writes the bytes still held and returns the address after it. */
export function packEnd(): usize {
  let p = wp;
  let a = acc;
  for (let b: u32 = 0; b < accBits; b += 8) {
    store<u8>(p, <u8>a);
    a >>= 8;
    p++;
  }
  return p;
}

/** Writes the `bits` (< 64) bits still in `acc` as whole bytes; returns the address after them. */
// @ts-ignore: decorator
@inline export function packTail(q: usize, acc: u64, bits: u32): usize {
  for (let b: u32 = 0; b < bits; b += 8) {
    store<u8>(q, <u8>acc);
    acc >>= 8;
    q++;
  }
  return q;
}

/** Bytes of a packed area of `count` fields of width w. */
// @ts-ignore: decorator
@inline export function packedBytes(count: i32, w: i32): i32 {
  return (count * w + 7) >> 3;
}

/**
 * Field at bit `bit` of the area at `area`, masked to `mask`. Loads 8 bytes
 * at once unless they would pass `end` (the end of the block), so a decoder
 * never reads outside what it was given.
 */
// @ts-ignore: decorator
@inline export function unpackAt(area: usize, bit: u32, mask: u64, end: usize): u64 {
  const at = area + <usize>(bit >> 3);
  if (at + 8 <= end) return (load<u64>(at) >> <u64>(bit & 7)) & mask;
  return unpackTail(at, bit & 7, mask, end);
}

/**
 * How far the field loads of a block ending at `end` may reach: 16 bytes
 * (unpack4's load) past it when that is still inside linear memory, so that
 * the block's last fields take the wide loads too instead of a byte at a time
 * (a chunk's or page's last group of eight: 8 of its 64 or 512 values, a
 * fifth of a packed page's decoding). The bytes past `end` belong to no
 * field: a decoder masks each field out of what it loads, and refuses a
 * block whose fields would pass `end` (its values are then dropped).
 */
export function readableEnd(end: usize): usize {
  const reach = <u64>end + 16;
  return reach <= (<u64>memory.size() << 16) ? <usize>reach : end;
}

/** How many of c fields of width w from `area` can be read by an 8-byte load that stays before `end`. */
// @ts-ignore: decorator
@inline export function safeFields(area: usize, end: usize, c: i32, w: i32): i32 {
  const room = <i32>end - <i32>area - 8;
  if (room < 0) return 0;
  // Every field but the block's last few is safe: no division for those (it is once a block).
  if ((c - 1) * w <= room << 3) return c;
  return min(c, (room << 3) / w + 1);
}

function unpackTail(at: usize, shift: u32, mask: u64, end: usize): u64 {
  let v: u64 = 0;
  let k: u64 = 0;
  for (let p = at; p < end && k < 64; p++, k += 8) v |= <u64>load<u8>(p) << k;
  return (v >> <u64>shift) & mask;
}

// @ts-ignore: decorator
@inline export function widthMask(w: i32): u64 {
  return w >= 64 ? <u64>-1 : (<u64>1 << <u64>w) - 1;
}

/** Bits needed for an unsigned range (0 for 0). */
// @ts-ignore: decorator
@inline export function bitWidth(range: u64): i32 {
  return 64 - <i32>clz(range);
}

// @ts-ignore: decorator
@inline export function zigzag(v: i64): u64 {
  return <u64>((v << 1) ^ (v >> 63));
}

// @ts-ignore: decorator
@inline export function unzigzag(u: u64): i64 {
  return <i64>(u >> 1) ^ -(<i64>(u & 1));
}

/**
 * Bytes of the LEB128 varint of u (7 bits a byte, low first, high bit = more):
 * (bits + 6) / 7, the division as * 37 >> 8 (exact for bits + 6 in 7..70),
 * where V8's signed division by 7 took a multiply and four more steps
 * (planning takes two a block).
 */
// @ts-ignore: decorator
@inline export function varintBytes(u: u64): i32 {
  return <i32>((<u32>bitWidth(u | 1) + 6) * 37 >> 8);
}

export function putVarint(p: usize, u: u64): usize {
  while (u >= 0x80) {
    store<u8>(p, <u8>(u | 0x80));
    u >>= 7;
    p++;
  }
  store<u8>(p, <u8>u);
  return p + 1;
}

/** The address after the varint getVarint read last. */
export let varintEnd: usize = 0;

/** Reads a varint at p (at most 10 bytes, never past `end`); the address after it goes to varintEnd. */
export function getVarint(p: usize, end: usize): u64 {
  let u: u64 = 0;
  let shift: u64 = 0;
  while (p < end && shift < 64) {
    const b = <u64>load<u8>(p);
    p++;
    u |= (b & 0x7f) << shift;
    if (b < 0x80) break;
    shift += 7;
  }
  varintEnd = p;
  return u;
}
