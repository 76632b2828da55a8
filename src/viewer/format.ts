// How the viewer prints numbers and times.

/** The shortest decimal that reads back to the same 32-bit float, as the store answers; "—" for missing. */
export function formatValue(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  const f = Math.fround(v);
  if (f !== v) return shortest(v, (x) => x === v); // an average: a double, not a stored sample
  return shortest(v, (x) => Math.fround(x) === f);
}

function shortest(v: number, same: (x: number) => boolean): string {
  for (let digits = 1; digits < 17; digits++) {
    const text = v.toPrecision(digits);
    if (same(Number(text))) return String(Number(text));
  }
  return String(v);
}

/** An average to show: six significant digits are plenty to compare with a query answer. */
export function formatAverage(v: number): string {
  if (Number.isNaN(v)) return '—';
  return String(Number(v.toPrecision(6)));
}

/** Unix seconds as local date and time, "2024-09-06 12:53:50". */
export function formatTime(unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}
