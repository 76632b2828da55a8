// Durations in Go's time.ParseDuration syntax, because config.json files are
// shared with the Go cc-metric-store: "48h", "12h30m", "90s", "1.5h", "500ms".

const UNIT_SECONDS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  'µs': 1e-6, // U+00B5 micro sign
  'μs': 1e-6, // U+03BC Greek mu
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};

const TERM = /(\d+\.?\d*|\.\d+)([a-zµμ]+)/y;

/** Seconds in `text`, or null when it is not a Go duration. */
export function parseDuration(text: string): number | null {
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest[0] === '-') sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return null;

  let seconds = 0;
  TERM.lastIndex = 0;
  while (TERM.lastIndex < rest.length) {
    const at = TERM.lastIndex;
    const match = TERM.exec(rest);
    if (!match || match.index !== at) return null;
    const factor = UNIT_SECONDS[match[2]!];
    if (factor === undefined) return null;
    seconds += Number(match[1]) * factor;
  }
  return sign * seconds;
}
