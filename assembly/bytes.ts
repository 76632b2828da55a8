// Byte helpers shared by the parser, the tree and the encoders.

// @ts-ignore: decorator
@inline export const FNV_OFFSET: u32 = 0x811c9dc5;
// @ts-ignore: decorator
@inline export const FNV_PRIME: u32 = 0x01000193;

export function fnv1a(ptr: usize, len: usize, seed: u32): u32 {
  let h = seed;
  for (let i: usize = 0; i < len; i++) {
    h = (h ^ <u32>load<u8>(ptr + i)) * FNV_PRIME;
  }
  return h;
}

/** The hash that decides which shard owns a host; src/engine/shard-hash.ts computes the same. */
export function hostHash(cPtr: usize, cLen: usize, hPtr: usize, hLen: usize): u32 {
  let h = fnv1a(cPtr, cLen, FNV_OFFSET);
  h = (h ^ 0xff) * FNV_PRIME;
  return fnv1a(hPtr, hLen, h);
}

export function bytesEqual(a: usize, b: usize, len: usize): bool {
  let i: usize = 0;
  while (i + 8 <= len) {
    if (load<u64>(a + i) != load<u64>(b + i)) return false;
    i += 8;
  }
  while (i < len) {
    if (load<u8>(a + i) != load<u8>(b + i)) return false;
    i++;
  }
  return true;
}

/**
 * The n < 8 bytes at p as a little-endian u64 (byte j at bits 8j, the rest
 * 0), in at most three loads and none past p + n: nameHash's tail ("17" of
 * "hwthread17") without a loop a byte. (bytesEqual's tail the same way made
 * it too big to inline into findChildHashed: 4,500 instructions more a query.)
 */
// @ts-ignore: decorator
@inline function tailBytes(p: usize, n: usize): u64 {
  let v: u64 = 0;
  let shift: u64 = 0;
  let q = p;
  if (n & 4) {
    v = <u64>load<u32>(q);
    shift = 32;
    q += 4;
  }
  if (n & 2) {
    v |= <u64>load<u16>(q) << shift;
    shift += 16;
    q += 2;
  }
  if (n & 1) v |= <u64>load<u8>(q) << shift;
  return v;
}

export function contains(ptr: usize, len: usize, needle0: u8, needle1: u8): bool {
  // needle1 == 0 means a single-byte needle.
  for (let i: usize = 0; i < len; i++) {
    if (load<u8>(ptr + i) == needle0) {
      if (needle1 == 0) return true;
      if (i + 1 < len && load<u8>(ptr + i + 1) == needle1) return true;
    }
  }
  return false;
}

/**
 * Cluster and host names become directories: empty names, `.`, anything with
 * `..`, `/` or a backslash, and names over 255 bytes (NAME_MAX) are refused.
 */
export function isStorableName(ptr: usize, len: usize): bool {
  // len - 1 wraps for an empty name.
  if (len - 1 >= 255) return false;
  if (len == 1 && load<u8>(ptr) == 0x2e) return false;
  for (let i: usize = 0; i < len; i++) {
    const c = load<u8>(ptr + i);
    if (c == 0x2f || c == 0x5c) return false;
    if (c == 0x2e && i + 1 < len && load<u8>(ptr + i + 1) == 0x2e) return false;
  }
  return true;
}

/** Go's utf8.Valid. */
export function utf8Valid(ptr: usize, len: usize): bool {
  let i: usize = 0;
  while (i < len) {
    const c = <u32>load<u8>(ptr + i);
    if (c < 0x80) {
      i++;
      continue;
    }
    let n: usize = 0;
    let lo: u32 = 0x80;
    let hi: u32 = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c == 0xe0) { n = 2; lo = 0xa0; }
    else if (c >= 0xe1 && c <= 0xec) n = 2;
    else if (c == 0xed) { n = 2; hi = 0x9f; }
    else if (c >= 0xee && c <= 0xef) n = 2;
    else if (c == 0xf0) { n = 3; lo = 0x90; }
    else if (c >= 0xf1 && c <= 0xf3) n = 3;
    else if (c == 0xf4) { n = 3; hi = 0x8f; }
    else return false;
    if (i + n >= len) return false;
    const c1 = <u32>load<u8>(ptr + i + 1);
    if (c1 < lo || c1 > hi) return false;
    for (let k: usize = 2; k <= n; k++) {
      const ck = <u32>load<u8>(ptr + i + k);
      if (ck < 0x80 || ck > 0xbf) return false;
    }
    i += n + 1;
  }
  return true;
}

/** memory.copy for the short runs of the hot paths (a bulk-memory call costs more than a few loads). */
// @ts-ignore: decorator
@inline export function copySmall(dst: usize, src: usize, len: usize): void {
  if (len > 32) {
    memory.copy(dst, src, len);
    return;
  }
  let i: usize = 0;
  while (i + 8 <= len) {
    store<u64>(dst + i, load<u64>(src + i));
    i += 8;
  }
  while (i < len) {
    store<u8>(dst + i, load<u8>(src + i));
    i++;
  }
}

/** A fast hash of a short name (not the shard hash: that one must match JavaScript). */
export function nameHash(ptr: usize, len: usize): u32 {
  let h: u64 = 0x9e3779b97f4a7c15 ^ <u64>len;
  let i: usize = 0;
  while (i + 8 <= len) {
    h = (h ^ load<u64>(ptr + i)) * 0xff51afd7ed558ccd;
    h ^= h >> 32;
    i += 8;
  }
  if (i < len) {
    // The same value as the tail's bytes shifted in one by one.
    const tail = tailBytes(ptr + i, len - i);
    h = (h ^ tail) * 0xff51afd7ed558ccd;
    h ^= h >> 32;
  }
  h *= 0xc4ceb9fe1a85ec53;
  return <u32>(h >> 32);
}
