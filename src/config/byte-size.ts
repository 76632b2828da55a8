// Byte sizes for our own config keys: a whole number of bytes, or a string
// with a unit ("256MiB", "4GiB", "512MB", "64k").

const UNIT_BYTES: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1000,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
};

/** Bytes in `value`, or null when it is neither a non-negative integer nor a size string. */
export function parseByteSize(value: unknown): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : null;
  if (typeof value !== 'string') return null;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(value);
  if (!match) return null;
  const factor = UNIT_BYTES[match[2]!.toLowerCase()];
  if (factor === undefined) return null;
  return Math.floor(Number(match[1]) * factor);
}
