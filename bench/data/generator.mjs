// Synthetic cluster data as cc-metric-collector sends it, for benches and
// tests: deterministic (seeded), no dependencies, plain ESM with JSDoc types.
//
// Lines: InfluxDB line protocol as the collector writes it, tags sorted by key,
// the unit as a tag, second timestamps, values as Go's line-protocol encoder
// prints them (floats with strconv 'g', shortest: `97.43`, `2.4683584e+07`,
// `0.6583184420939716`; int64 as `4i`, uint64 as `237u`):
//
//   cpu_user,cluster=fritz,hostname=f0001,type=hwthread,type-id=3,unit=Percent value=97.43 1725620476
//   proc_run,cluster=fritz,hostname=f0001,type=node value=37i 1725620476
//   ib_recv,cluster=fritz,hostname=f0001,type=node,unit=bytes value=1003741823412u 1725620476
//
// Every series follows its host's job schedule: segments of 15 min to 24 h
// (exponential, mean 5 h for a job, 3 h idle), about 30 % of them idle (90 %
// on the ~15 % of hosts that are mostly idle). A job uses all, half or a
// quarter of the hwthreads (the others look idle) and draws its own levels
// (user %, FLOP rate, bandwidth, IPC, clock, memory, network), so values jump
// at every job start and end. A host goes silent now and then (p = 1/5,000 per
// tick, for 2-30 ticks: a collector restart), and any single line is left out
// with p = 0.002: missing samples are lines not sent, NaN in the store.
//
// Shapes (`kind`; what the store holds is the float32 of the printed value):
//   percent-busy   cpu_user: 2 decimals; busy 85-99.5 +- 1.5, idle 0 (10 %: up to 0.5)
//   percent-small  cpu_system: 2 decimals; busy 0.2-3 +- 0.3, idle 0 (20 %: up to 0.2)
//   percent-idle   cpu_idle: 2 decimals; 100 - user - system of the job, idle ~100
//   rare           cpu_iowait, cpu_irq, cpu_softirq: 0, a spike of up to 5.00 with p = 0.003
//   clock          cpufreq in MHz, 3 decimals (kHz / 1000): the job's clock (or 1200 idle),
//                  held for long stretches, moving by a few kHz with p = 0.01
//   flops          flops_any, flops_dp in MFLOP/s, full float64 digits; idle 0 (3 %: tiny)
//   bandwidth      mem_bw in MByte/s, full digits; idle 0 or a few
//   ipc            IPC, full float64 digits (0.3-2.5 busy, 0.4-1.0 idle), never 0
//   ratio          vectorization_ratio in %, full digits; idle 0
//   load           load_one/five/fifteen: 2 decimals, the busy threads smoothed over
//                  1/5/15 min (`tau`), like /proc/loadavg
//   integer        proc_run as int64 (`37i`): the busy threads + 0..2
//   integer-slow   proc_total as int64: ~900, drifting by a few
//   memory-gb      mem_used, mem_cached in GB, 3 decimals, moving towards the job's level
//   constant       mem_total in GB, 3 decimals, never changes
//   counter        ib_recv, ib_xmit as uint64 (`u`), monotone: bytes so far at the job's rate
//   net-rate       net_bytes_in/out in bytes/s, whole numbers printed as floats
//                  (`2.4683584e+07` from 10^6 on)
//   worst          mode 'worst': every series a full-precision random walk (start
//                  0-1000, steps of N(0, 1-10)), no missing samples, no job schedule
//
// API:
//   seriesValues(kind, n, seed)  -> Float32Array of n slots as the store holds them
//                                   (NaN = not sent); a busy hwthread (thread 0) of one host
//   bodies({ hosts, hwthreads, metrics, from, to, step, linesPerBody, seed, mode,
//            cluster, frequencies, missing })
//                                -> iterator of Uint8Array, line protocol, time-major
//   metricConfig({ metrics, step, frequencies }) -> the store's `metrics` table
//   METRICS, KINDS, formatGoFloat(x)
//
// bodies(): ticks every `step` seconds from `from` (inclusive) to `to`
// (exclusive); a metric is sent at the ticks that are a multiple of its
// frequency after `from` (`every` x step by default, or `frequencies[name]`,
// seconds or `{ frequency }`, a multiple of step). A line is stamped with its
// tick plus its host's fixed offset (0..step-1 s, as collectors started at
// different seconds). `metrics`: names of METRICS (default all), or a number n
// for the first n hwthread metrics and every node metric. Bodies end after
// `linesPerBody` lines (the last may be shorter). Same arguments, same bytes.

/** @typedef {'node' | 'hwthread'} Level */
/** @typedef {'float' | 'int' | 'uint'} ValueType */
/**
 * @typedef {object} MetricSpec
 * @property {string} name
 * @property {Level} level
 * @property {string} kind           a shape of the list above
 * @property {string} unit           the unit tag ('' for none)
 * @property {ValueType} type        how the value is printed
 * @property {'sum' | 'avg' | null} aggregation
 * @property {number} every          frequency in ticks of `step`
 * @property {number} [tau]          load: smoothing in seconds
 */

/** @type {readonly MetricSpec[]} */
export const METRICS = Object.freeze([
  hw('cpu_user', 'percent-busy', 'Percent', 'avg'),
  hw('cpu_system', 'percent-small', 'Percent', 'avg'),
  hw('cpu_idle', 'percent-idle', 'Percent', 'avg'),
  hw('cpu_iowait', 'rare', 'Percent', 'avg'),
  hw('cpu_irq', 'rare', 'Percent', 'avg'),
  hw('cpu_softirq', 'rare', 'Percent', 'avg'),
  hw('cpufreq', 'clock', 'MHz', 'avg'),
  hw('flops_any', 'flops', 'MFLOP/s', 'sum'),
  hw('flops_dp', 'flops', 'MFLOP/s', 'sum'),
  hw('mem_bw', 'bandwidth', 'MByte/s', 'sum'),
  hw('ipc', 'ipc', 'IPC', 'avg'),
  hw('vectorization_ratio', 'ratio', 'Percent', 'avg'),
  node('load_one', 'load', '', { tau: 60 }),
  node('load_five', 'load', '', { tau: 300 }),
  node('load_fifteen', 'load', '', { tau: 900 }),
  node('proc_run', 'integer', '', { type: 'int' }),
  node('proc_total', 'integer-slow', '', { type: 'int', every: 2 }),
  node('mem_used', 'memory-gb', 'GBytes'),
  node('mem_cached', 'memory-gb', 'GBytes'),
  node('mem_total', 'constant', 'GBytes', { every: 2 }),
  node('ib_recv', 'counter', 'bytes', { type: 'uint' }),
  node('ib_xmit', 'counter', 'bytes', { type: 'uint' }),
  node('net_bytes_in', 'net-rate', 'bytes/sec'),
  node('net_bytes_out', 'net-rate', 'bytes/sec'),
]);

/** Every shape seriesValues() knows. */
export const KINDS = Object.freeze([...new Set(METRICS.map((m) => m.kind)), 'worst']);

/** @returns {MetricSpec} */
function hw(name, kind, unit, aggregation) {
  return Object.freeze({ name, level: 'hwthread', kind, unit, type: 'float', aggregation, every: 1 });
}
/** @returns {MetricSpec} */
function node(name, kind, unit, extra = {}) {
  return Object.freeze({ name, level: 'node', kind, unit, type: 'float', aggregation: null, every: 1, ...extra });
}

// --- randomness ---------------------------------------------------------------

/** mulberry32: a 32-bit state, uniform doubles in [0, 1) with 32 random bits. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniform double with 53 random bits, so the printed value has all 17 digits. */
function fine(rand) {
  return (Math.floor(rand() * 2 ** 21) * 2 ** 32 + Math.floor(rand() * 2 ** 32)) / 2 ** 53;
}

/** About N(0, 1): sum of 4 uniforms, scaled (cheap, no logs; tails are bounded at +-3.5). */
function gauss(rand) {
  return (rand() + rand() + rand() + rand() - 2) * 1.7320508075688772;
}

/** FNV-1a of a string: seeds of hosts and series from the run's seed. */
function hash(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const round2 = (x) => Math.round(x * 100) / 100;
const round3 = (x) => Math.round(x * 1000) / 1000;
const clamp = (x, lo, hi) => (x < lo ? lo : x > hi ? hi : x);

// --- hosts: job schedule and silences ---------------------------------------

const MIN = 60;
const HOUR = 3600;

/** One host's jobs over time and when its collector is silent. Asked in time order. */
class Host {
  /**
   * @param {number} seed
   * @param {number} hwthreads
   * @param {number} from first tick
   */
  constructor(seed, hwthreads, from) {
    this.rand = random(seed);
    this.hwthreads = hwthreads;
    this.idleShare = this.rand() < 0.15 ? 0.9 : 0.3;
    this.silentTicks = 0;
    this.job = null;
    // The first segment began before `from`.
    this.segmentEnd = from - Math.floor(this.rand() * 4 * HOUR);
    this.segmentStart = this.segmentEnd;
  }

  /** The job running at `t` (null: idle). */
  jobAt(t) {
    while (t >= this.segmentEnd) this.nextSegment();
    return this.job;
  }

  nextSegment() {
    const r = this.rand;
    const idle = r() < this.idleShare;
    const mean = idle ? 3 * HOUR : 5 * HOUR;
    const length = clamp(Math.round(-Math.log(1 - r()) * mean), 15 * MIN, 24 * HOUR);
    this.segmentStart = this.segmentEnd;
    this.segmentEnd += length;
    if (idle) {
      this.job = null;
      return;
    }
    const share = [1, 1, 0.5, 0.25][Math.floor(r() * 4)];
    const memoryBound = r() < 0.4;
    this.job = {
      threads: Math.max(1, Math.round(this.hwthreads * share)),
      user: 85 + r() * 14.5,
      system: 0.2 + r() * 2.8,
      clock: [2400, 2400, 3000, 3200][Math.floor(r() * 4)],
      flops: memoryBound ? 50 + r() * 400 : 800 + r() * 4000,
      bandwidth: memoryBound ? 2000 + r() * 6000 : 100 + r() * 900,
      ipc: memoryBound ? 0.3 + r() * 0.6 : 1.0 + r() * 1.5,
      ratio: r() * 100,
      memory: 20 + r() * 200,
      cached: 2 + r() * 30,
      ib: r() < 0.3 ? 1e3 : 1e6 + r() * 2e9,
      net: 1e3 + r() * 2e7,
    };
  }

  /** Whether the collector sends at this tick; called once per tick. */
  sends() {
    if (this.silentTicks > 0) {
      this.silentTicks--;
      return false;
    }
    if (this.rand() < 1 / 5000) {
      this.silentTicks = 1 + Math.floor(this.rand() * 29);
      return false;
    }
    return true;
  }
}

// --- series: one value per tick ---------------------------------------------

/**
 * The value generator of one series. `next(t, job)` gives the value the
 * collector measured at `t` (a number; integers for int/uint metrics).
 * @param {string} kind
 * @param {() => number} rand
 * @param {number} thread hwthread index, -1 for node metrics
 * @param {MetricSpec | undefined} spec
 * @param {number} hwthreads
 */
function makeSeries(kind, rand, thread, spec, hwthreads) {
  /** Busy: this hwthread (or, for node metrics, the node) runs the job. */
  const busy = (job) => job !== null && (thread < 0 || thread < job.threads);
  const make = SHAPES[kind];
  if (!make) throw new Error(`unknown kind ${kind}: one of ${KINDS.join(', ')}`);
  return make(rand, busy, spec, hwthreads);
}

/** @type {Record<string, (rand: () => number, busy: (job: any) => boolean, spec: MetricSpec | undefined, hwthreads: number) => { next(t: number, job: any): number }>} */
const SHAPES = {
  'percent-busy': (r, busy) => ({
    next: (t, job) => round2(busy(job) ? clamp(job.user + gauss(r) * 1.5, 0, 100) : r() < 0.9 ? 0 : r() * 0.5),
  }),
  'percent-small': (r, busy) => ({
    next: (t, job) => round2(busy(job) ? clamp(job.system + gauss(r) * 0.3, 0, 100) : r() < 0.8 ? 0 : r() * 0.2),
  }),
  'percent-idle': (r, busy) => ({
    next: (t, job) => round2(busy(job) ? clamp(100 - job.user - job.system + gauss(r) * 1.5, 0, 100) : r() < 0.9 ? 100 : 100 - r() * 0.5),
  }),
  rare: (r) => ({ next: () => (r() < 0.003 ? round2(r() * 5) : 0) }),
  clock: (r, busy) => {
    let level = -1;
    let value = 0;
    return {
      next(t, job) {
        const target = busy(job) ? job.clock : 1200;
        if (target !== level) {
          level = target;
          value = round3(level - r() * 0.5);
        } else if (r() < 0.01) {
          value = round3(level + (r() - 0.5) * 6);
        }
        return value;
      },
    };
  },
  flops: (r, busy) => ({
    next: (t, job) => (busy(job) ? Math.max(0, job.flops * (1 + gauss(r) * 0.08) + fine(r) * 1e-9) : r() < 0.97 ? 0 : fine(r) * 0.01),
  }),
  bandwidth: (r, busy) => ({
    next: (t, job) => (busy(job) ? Math.max(0, job.bandwidth * (1 + gauss(r) * 0.1) + fine(r) * 1e-9) : r() < 0.5 ? 0 : fine(r) * 5),
  }),
  ipc: (r, busy) => ({
    next: (t, job) => (busy(job) ? job.ipc * (1 + gauss(r) * 0.03) + fine(r) * 1e-9 : 0.4 + fine(r) * 0.6),
  }),
  ratio: (r, busy) => ({
    next: (t, job) => (busy(job) ? clamp(job.ratio + gauss(r) * 2 + fine(r) * 1e-9, 0, 100) : 0),
  }),
  load: (r, busy, spec) => {
    const tau = spec?.tau ?? 60;
    let value = 0;
    let last = -1;
    return {
      next(t, job) {
        const target = busy(job) ? job.threads : r() * 0.1;
        const dt = last < 0 ? tau : t - last;
        last = t;
        value += (target - value) * (1 - Math.exp(-dt / tau));
        return round2(Math.max(0, value + gauss(r) * 0.05));
      },
    };
  },
  integer: (r, busy) => ({ next: (t, job) => (busy(job) ? job.threads : 0) + Math.floor(r() * 3) }),
  'integer-slow': (r) => {
    let value = 850 + Math.floor(r() * 100);
    return {
      next() {
        if (r() < 0.3) value = Math.max(1, value + Math.floor(r() * 11) - 5);
        return value;
      },
    };
  },
  'memory-gb': (r, busy, spec) => {
    const cached = spec?.name === 'mem_cached';
    let value = cached ? 1 + r() * 4 : 6 + r() * 3;
    return {
      next(t, job) {
        const target = busy(job) ? (cached ? job.cached : job.memory) : cached ? 2 : 7;
        // Most of the way within a few minutes: allocation at job start, freeing at its end.
        value += (target - value) * 0.4 + gauss(r) * 0.002;
        return round3(Math.max(0, value));
      },
    };
  },
  constant: (r) => {
    const value = round3(128 + r() * 384);
    return { next: () => value };
  },
  counter: (r, busy) => {
    let count = Math.floor(r() * 1e12);
    let last = -1;
    return {
      next(t, job) {
        const rate = busy(job) ? job.ib * (1 + gauss(r) * 0.2) : r() * 2000;
        if (last >= 0) count += Math.max(0, Math.round(rate * (t - last)));
        last = t;
        return count;
      },
    };
  },
  'net-rate': (r, busy) => ({
    next: (t, job) => Math.max(0, Math.round(busy(job) ? job.net * (1 + gauss(r) * 0.3) : 1000 + r() * 5000)),
  }),
  worst: (r) => {
    let value = fine(r) * 1000;
    const scale = 1 + r() * 9;
    return {
      next() {
        value += gauss(r) * scale + fine(r) * 1e-6;
        return value;
      },
    };
  },
};

// --- printing as Go does ------------------------------------------------------

/**
 * A float64 as Go's strconv.FormatFloat(x, 'g', -1, 64): the shortest digits
 * that read back exactly, with an exponent (`e+07`, `e-05`) below 1e-4 and
 * from 1e6 on (JavaScript's switch points are 1e-6 and 1e21).
 */
export function formatGoFloat(x) {
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : x < 0 ? '-Inf' : 'NaN';
  const a = Math.abs(x);
  if (a >= 1e-4 && a < 1e6) return String(x);
  const s = x.toExponential();
  const e = s.indexOf('e');
  const exp = Number(s.slice(e + 1));
  const digits = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : String(Math.abs(exp));
  return `${s.slice(0, e)}e${exp < 0 ? '-' : '+'}${digits}`;
}

/** The printed value of a line (without `value=`). */
function formatValue(x, type) {
  if (type === 'int') return `${x}i`;
  if (type === 'uint') return `${x}u`;
  return formatGoFloat(x);
}

// --- per-series values for codec tests -----------------------------------------

/** Probability that one line is not sent. */
const MISSING = 0.002;

/**
 * `n` slots of one series of shape `kind` at 60 s, as float32 as the store
 * holds them: what was printed, read back; NaN where nothing was sent (a
 * missing line or a silent host; 'worst' has none). The series is thread 0 of
 * a host of 72 hwthreads, so it runs every job of the host's schedule.
 * @param {string} kind one of KINDS
 * @param {number} n
 * @param {number} [seed]
 * @returns {Float32Array}
 */
export function seriesValues(kind, n, seed = 1) {
  const step = 60;
  const from = 1_700_000_040;
  const spec = METRICS.find((m) => m.kind === kind);
  const host = new Host(hash(`${seed}/host`), 72, from);
  const series = makeSeries(kind, random(hash(`${seed}/${kind}`)), 0, spec, 72);
  const miss = random(hash(`${seed}/missing`));
  const worst = kind === 'worst';
  const type = spec?.type ?? 'float';
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = from + i * step;
    const sends = worst || host.sends();
    const value = series.next(t, worst ? null : host.jobAt(t));
    const sent = worst || (sends && miss() >= MISSING);
    out[i] = sent ? storedValue(value, type) : NaN;
  }
  return out;
}

/** The float32 the store keeps of a printed value. */
function storedValue(value, type) {
  return Math.fround(type === 'float' ? Number(formatGoFloat(value)) : value);
}

// --- line-protocol bodies -----------------------------------------------------

/**
 * @typedef {object} BodiesOptions
 * @property {number} [hosts]         default 16
 * @property {number} [hwthreads]     default 72
 * @property {string[] | number} [metrics] names of METRICS, or the first n hwthread metrics and every node metric
 * @property {number} from            first tick (Unix seconds)
 * @property {number} to              end (exclusive)
 * @property {number} [step]          seconds between ticks, default 60
 * @property {number} [linesPerBody]  default 300,000
 * @property {number} [seed]          default 1
 * @property {'realistic' | 'worst'} [mode] default 'realistic'
 * @property {string} [cluster]       default 'fritz'
 * @property {Record<string, number | { frequency: number }>} [frequencies] per metric, seconds (a multiple of step)
 * @property {number} [missing]       probability that one line is not sent (realistic only), default 0.002
 */

/**
 * The metrics a run sends, with their frequency in seconds.
 * @param {Pick<BodiesOptions, 'metrics' | 'step' | 'frequencies'>} options
 * @returns {Array<MetricSpec & { frequency: number }>}
 */
export function selectedMetrics({ metrics, step = 60, frequencies = {} } = {}) {
  let specs;
  if (metrics === undefined) specs = [...METRICS];
  else if (typeof metrics === 'number') {
    specs = [...METRICS.filter((m) => m.level === 'hwthread').slice(0, metrics), ...METRICS.filter((m) => m.level === 'node')];
  } else {
    specs = metrics.map((name) => {
      const spec = METRICS.find((m) => m.name === name);
      if (!spec) throw new Error(`unknown metric ${name}: one of ${METRICS.map((m) => m.name).join(', ')}`);
      return spec;
    });
  }
  return specs.map((spec) => {
    const given = frequencies[spec.name];
    const frequency = given === undefined ? spec.every * step : typeof given === 'number' ? given : given.frequency;
    if (!(frequency > 0) || frequency % step !== 0) throw new Error(`${spec.name}: frequency ${frequency} is not a multiple of step ${step}`);
    return { ...spec, frequency };
  });
}

/**
 * The store's `metrics` table (config.json's "metrics") for a run.
 * @param {Pick<BodiesOptions, 'metrics' | 'step' | 'frequencies'>} [options]
 * @returns {Record<string, { frequency: number, aggregation: 'sum' | 'avg' | null }>}
 */
export function metricConfig(options = {}) {
  return Object.fromEntries(selectedMetrics(options).map((m) => [m.name, { frequency: m.frequency, aggregation: m.aggregation }]));
}

/**
 * Samples (lines) the run would send if nothing were missing.
 * @param {BodiesOptions} options
 */
export function plannedLines(options) {
  const { hosts = 16, hwthreads = 72, from, to, step = 60 } = options;
  let lines = 0;
  for (const m of selectedMetrics(options)) {
    const sent = Math.ceil((to - from) / m.frequency);
    lines += sent * (m.level === 'node' ? 1 : hwthreads);
  }
  return lines * hosts;
}

const encoder = new TextEncoder();

/**
 * Line-protocol bodies of a time range, time-major (every host at a tick,
 * then the next tick), as Uint8Array of `linesPerBody` lines each.
 * @param {BodiesOptions} options
 * @returns {Generator<Uint8Array>}
 */
export function* bodies(options) {
  const {
    hosts = 16,
    hwthreads = 72,
    from,
    to,
    step = 60,
    linesPerBody = 300_000,
    seed = 1,
    mode = 'realistic',
    cluster = 'fritz',
    missing = MISSING,
  } = options;
  if (!Number.isInteger(from) || !Number.isInteger(to) || to <= from) throw new Error('bodies: from < to, whole seconds');
  if (mode !== 'realistic' && mode !== 'worst') throw new Error(`bodies: mode ${mode} is 'realistic' or 'worst'`);
  const worst = mode === 'worst';
  const specs = selectedMetrics(options);
  const rows = [];
  let longestPrefix = 0;
  for (let h = 0; h < hosts; h++) {
    const hostname = `f${String(h + 1).padStart(4, '0')}`;
    const host = new Host(hash(`${seed}/host/${h}`), hwthreads, from);
    const offset = Math.floor(random(hash(`${seed}/offset/${h}`))() * step);
    const series = [];
    for (const spec of specs) {
      const threads = spec.level === 'node' ? [-1] : Array.from({ length: hwthreads }, (_, t) => t);
      for (const t of threads) {
        const tags = t < 0 ? 'type=node' : `type=hwthread,type-id=${t}`;
        const unit = spec.unit ? `,unit=${spec.unit}` : '';
        const prefix = encoder.encode(`${spec.name},cluster=${cluster},hostname=${hostname},${tags}${unit} value=`);
        longestPrefix = Math.max(longestPrefix, prefix.length);
        const kind = worst ? 'worst' : spec.kind;
        const rand = random(hash(`${seed}/${h}/${t}/${spec.name}`));
        series.push({ prefix, spec, every: spec.frequency / step, type: worst ? 'float' : spec.type, gen: makeSeries(kind, rand, t, spec, hwthreads) });
      }
    }
    rows.push({ host, offset, series, miss: random(hash(`${seed}/missing/${h}`)) });
  }

  // Room for the longest line: prefix, 24 characters of value, a space, 10 digits, newline.
  const lineRoom = longestPrefix + 24 + 1 + 12 + 1;
  let buffer = new Uint8Array(linesPerBody * lineRoom);
  let at = 0;
  let lines = 0;
  for (let tick = 0, t = from; t < to; tick++, t += step) {
    for (const row of rows) {
      const sends = worst || row.host.sends();
      const job = worst ? null : row.host.jobAt(t);
      const stamp = ` ${t + row.offset}\n`;
      for (const s of row.series) {
        if (tick % s.every !== 0) continue;
        const value = s.gen.next(t, job);
        if (!sends || (!worst && row.miss() < missing)) continue;
        buffer.set(s.prefix, at);
        at += s.prefix.length;
        at = writeAscii(buffer, at, formatValue(value, s.type));
        at = writeAscii(buffer, at, stamp);
        if (++lines === linesPerBody) {
          yield buffer.subarray(0, at);
          buffer = new Uint8Array(linesPerBody * lineRoom);
          at = 0;
          lines = 0;
        }
      }
    }
  }
  if (lines > 0) yield buffer.subarray(0, at);
}

function writeAscii(buffer, at, text) {
  for (let i = 0; i < text.length; i++) buffer[at++] = text.charCodeAt(i);
  return at;
}
