// The shortest decimal text that reads back to the same 32-bit float. The Go
// writer prints one fixed decimal ('%.1f'), which turns 0.25 into 0.2 and 1e-5
// into 0.0; this keeps every value, and both our reader and Go's accept it.

/** Text for a finite or infinite f32 value; NaN has no text (the formats write `null`). */
export function float32ToText(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 2 ** 24) return Object.is(value, -0) ? '-0' : String(value);
  if (!Number.isFinite(value)) {
    // JSON has no infinity; 1e39 overflows f32 when read back, so it round-trips.
    return value > 0 ? '1e39' : '-1e39';
  }
  // Shortest precision p (1..9) whose nearest p-digit decimal maps back to the
  // same f32. Monotone in p, so a binary search needs at most four tries.
  let lo = 1;
  let hi = 9;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (Math.fround(Number(value.toPrecision(mid))) === value) hi = mid;
    else lo = mid + 1;
  }
  // Number(...) then String(...) gives the canonical JS form (no trailing zeros,
  // exponent only for very large or small values), which is valid JSON.
  return String(Number(value.toPrecision(lo)));
}
