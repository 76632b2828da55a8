// A strict parser of the Prometheus text exposition format (version 0.0.4),
// for tests: it throws, naming the line, on anything Prometheus would refuse
// or that the format forbids (bad names, bad escapes, a TYPE after the first
// sample, a family split in two, duplicate series, histograms whose buckets
// are not cumulative or lack +Inf). The npm parsers accept malformed lines
// silently, so they cannot tell a broken exposition from a good one.

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: MetricType;
  help: string | null;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES: readonly string[] = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];

export class ExpositionError extends Error {}

export function parsePrometheusText(text: string): Map<string, Family> {
  if (text !== '' && !text.endsWith('\n')) throw new ExpositionError('the exposition must end with a newline');
  const families = new Map<string, Family>();
  const closed = new Set<string>();
  const series = new Set<string>();
  let current: Family | null = null;
  const lines = text.split('\n');
  lines.pop();

  const familyFor = (name: string, n: number, creating: boolean): Family => {
    let f = families.get(name);
    if (!f) {
      f = { name, type: 'untyped', help: null, samples: [] };
      families.set(name, f);
    } else if (closed.has(name)) {
      throw new ExpositionError(`line ${n}: ${name} appears again after other metrics (a family's lines must be together)`);
    } else if (creating && f.samples.length > 0) {
      throw new ExpositionError(`line ${n}: HELP or TYPE of ${name} after its samples`);
    }
    if (current && current !== f) closed.add(current.name);
    current = f;
    return f;
  };

  lines.forEach((line, i) => {
    const n = i + 1;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const m = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(line);
      if (!m) return; // a comment
      const [, keyword, name, rest = ''] = m;
      if (!METRIC_NAME.test(name!)) throw new ExpositionError(`line ${n}: invalid metric name ${JSON.stringify(name)}`);
      const f = familyFor(name!, n, true);
      if (keyword === 'HELP') {
        if (f.help !== null) throw new ExpositionError(`line ${n}: second HELP for ${name}`);
        f.help = unescapeHelp(rest, n);
      } else {
        if (f.samples.length > 0 || f.type !== 'untyped' || !TYPES.includes(rest.trim())) {
          throw new ExpositionError(`line ${n}: TYPE ${JSON.stringify(rest)} for ${name} is invalid, repeated or after its samples`);
        }
        f.type = rest.trim() as MetricType;
      }
      return;
    }
    const sample = parseSample(line, n);
    const family = familyOf(sample.name, families);
    familyFor(family, n, false).samples.push(sample);
    const key = `${sample.name}{${Object.entries(sample.labels).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
    if (series.has(key)) throw new ExpositionError(`line ${n}: duplicate series ${key}`);
    series.add(key);
  });

  for (const f of families.values()) checkFamily(f);
  return families;
}

/** The family a sample belongs to: histogram and summary samples carry a suffix. */
function familyOf(name: string, families: Map<string, Family>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!name.endsWith(suffix)) continue;
    const base = name.slice(0, -suffix.length);
    const f = families.get(base);
    if (f && (f.type === 'histogram' || (f.type === 'summary' && suffix !== '_bucket'))) return base;
  }
  return name;
}

function parseSample(line: string, n: number): Sample {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
  if (!m) throw new ExpositionError(`line ${n}: no metric name at the start of ${JSON.stringify(line)}`);
  const name = m[1]!;
  let at = name.length;
  const labels: Record<string, string> = {};
  if (line[at] === '{') {
    at++;
    for (;;) {
      if (line[at] === '}') {
        at++;
        break;
      }
      const ln = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(line.slice(at));
      if (!ln) throw new ExpositionError(`line ${n}: bad label at column ${at + 1}: ${JSON.stringify(line)}`);
      at += ln[0].length;
      let value = '';
      for (;;) {
        const c = line[at];
        if (c === undefined) throw new ExpositionError(`line ${n}: unterminated label value`);
        at++;
        if (c === '"') break;
        if (c === '\\') {
          const e = line[at++];
          if (e === '\\') value += '\\';
          else if (e === '"') value += '"';
          else if (e === 'n') value += '\n';
          else throw new ExpositionError(`line ${n}: invalid escape \\${e} in a label value`);
        } else value += c;
      }
      const label = ln[1]!;
      if (!LABEL_NAME.test(label) || label.startsWith('__')) throw new ExpositionError(`line ${n}: invalid label name ${label}`);
      if (label in labels) throw new ExpositionError(`line ${n}: label ${label} twice`);
      labels[label] = value;
      if (line[at] === ',') at++;
      else if (line[at] !== '}') throw new ExpositionError(`line ${n}: expected , or } after a label value`);
    }
  }
  const rest = line.slice(at);
  const parts = /^ +(\S+)(?: +(-?\d+))? *$/.exec(rest);
  if (!parts) throw new ExpositionError(`line ${n}: expected " value [timestamp]" after the labels, got ${JSON.stringify(rest)}`);
  return { name, labels, value: parseValue(parts[1]!, n) };
}

/** Go's strconv.ParseFloat as Prometheus uses it: decimal or exponent notation, NaN, [+-]Inf(inity), any case. */
function parseValue(text: string, n: number): number {
  const special = text.toLowerCase();
  if (special === 'nan') return NaN;
  if (/^\+?inf(inity)?$/.test(special)) return Infinity;
  if (/^-inf(inity)?$/.test(special)) return -Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) throw new ExpositionError(`line ${n}: invalid value ${JSON.stringify(text)}`);
  return Number(text);
}

function unescapeHelp(text: string, n: number): string {
  return text.replace(/\\(.?)/g, (_, e: string) => {
    if (e === '\\') return '\\';
    if (e === 'n') return '\n';
    throw new ExpositionError(`line ${n}: invalid escape \\${e} in HELP`);
  });
}

function checkFamily(f: Family): void {
  for (const s of f.samples) {
    if (f.type === 'counter' && !(s.value >= 0)) throw new ExpositionError(`${s.name}: a counter must not be negative or NaN (${s.value})`);
    if ((f.type === 'histogram' || f.type === 'summary') && s.name !== f.name && !s.name.startsWith(f.name)) {
      throw new ExpositionError(`${s.name} is not a sample of ${f.name}`);
    }
  }
  if (f.type !== 'histogram') return;
  const groups = new Map<string, { buckets: Array<[number, number]>; count?: number; sum?: number }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const g = groups.get(key) ?? { buckets: [] };
    groups.set(key, g);
    if (s.name === `${f.name}_bucket`) {
      if (le === undefined) throw new ExpositionError(`${s.name}: a bucket without le`);
      g.buckets.push([parseValue(le, 0), s.value]);
    } else if (s.name === `${f.name}_count`) g.count = s.value;
    else if (s.name === `${f.name}_sum`) g.sum = s.value;
    else throw new ExpositionError(`${s.name}: not a histogram sample of ${f.name}`);
  }
  for (const [key, g] of groups) {
    const where = `${f.name}${key}`;
    if (g.count === undefined || g.sum === undefined) throw new ExpositionError(`${where}: _count and _sum are required`);
    for (let i = 1; i < g.buckets.length; i++) {
      if (!(g.buckets[i]![0] > g.buckets[i - 1]![0])) throw new ExpositionError(`${where}: buckets not in ascending le`);
      if (g.buckets[i]![1] < g.buckets[i - 1]![1]) throw new ExpositionError(`${where}: bucket counts not cumulative`);
    }
    const last = g.buckets.at(-1);
    if (!last || last[0] !== Infinity) throw new ExpositionError(`${where}: no le="+Inf" bucket`);
    if (last[1] !== g.count) throw new ExpositionError(`${where}: the +Inf bucket (${last[1]}) differs from _count (${g.count})`);
  }
}

/** The value of one series, or undefined: `value(families, 'x_total', { source: 'http' })`. */
export function valueOf(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const f of families.values()) {
    for (const s of f.samples) {
      if (s.name !== name) continue;
      if (Object.entries(labels).every(([k, v]) => s.labels[k] === v)) return s.value;
    }
  }
  return undefined;
}
