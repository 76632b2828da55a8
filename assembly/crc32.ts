// CRC-32 (IEEE, reflected, as zlib and Go's hash/crc32) with slicing-by-8
// tables, plus the pieces that let the WAL assemble the CRC of a record from
// parts it has already seen: the register is linear, so for a message A || B
//   reg(init, A || B) = zeros(reg(init, A), |B|) ^ reg(0, B)
// where zeros(c, n) feeds n zero bytes to the register c.

// Table t maps a byte to its effect on the register t bytes later.
const TABLES: usize = memory.data(256 * 4 * 8, 16);

export function initCrc32(): void {
  for (let i: u32 = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    store<u32>(TABLES + (<usize>i << 2), c);
  }
  for (let t: usize = 1; t < 8; t++) {
    for (let i: usize = 0; i < 256; i++) {
      const prev = load<u32>(TABLES + ((t - 1) << 10) + (i << 2));
      store<u32>(TABLES + (t << 10) + (i << 2), (prev >>> 8) ^ load<u32>(TABLES + ((<usize>(prev & 0xff)) << 2)));
    }
  }
}

// @ts-ignore: decorator
@inline function tab(t: usize, b: u32): u32 {
  return load<u32>(TABLES + (t << 10) + (<usize>(b & 0xff) << 2));
}

/** The register after 4 bytes `word` (little endian) were fed to register c. */
// @ts-ignore: decorator
@inline export function crcWord(c: u32, word: u32): u32 {
  const x = c ^ word;
  return tab(3, x) ^ tab(2, x >>> 8) ^ tab(1, x >>> 16) ^ tab(0, x >>> 24);
}

/** The register after `len` bytes at ptr were fed to register c (no pre/post inversion). */
export function crcUpdate(c0: u32, ptr: usize, len: usize): u32 {
  let c = c0;
  let p = ptr;
  let n = len;
  while (n >= 8) {
    const lo = load<u32>(p) ^ c;
    const hi = load<u32>(p, 4);
    c = tab(7, lo) ^ tab(6, lo >>> 8) ^ tab(5, lo >>> 16) ^ tab(4, lo >>> 24) ^
      tab(3, hi) ^ tab(2, hi >>> 8) ^ tab(1, hi >>> 16) ^ tab(0, hi >>> 24);
    p += 8;
    n -= 8;
  }
  if (n >= 4) {
    c = crcWord(c, load<u32>(p));
    p += 4;
    n -= 4;
  }
  while (n > 0) {
    c = tab(0, c ^ <u32>load<u8>(p)) ^ (c >>> 8);
    p++;
    n--;
  }
  return c;
}

/** The register c after n zero bytes. */
export function crcZeros(c0: u32, len: usize): u32 {
  let c = c0;
  let n = len;
  while (n >= 4) {
    c = tab(3, c) ^ tab(2, c >>> 8) ^ tab(1, c >>> 16) ^ tab(0, c >>> 24);
    n -= 4;
  }
  while (n > 0) {
    c = tab(0, c) ^ (c >>> 8);
    n--;
  }
  return c;
}

export function crc32(ptr: usize, len: usize): u32 {
  return ~crcUpdate(0xffffffff, ptr, len);
}
