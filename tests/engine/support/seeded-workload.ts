// Seeded random workloads for the compression differential test: hosts with
// node, hwthread and socket series, values as collectors send them (constant,
// idle zeros with bursts, two decimals, full float precision, integers, huge
// and tiny magnitudes), in-order bodies with jittered timestamps, gaps,
// late samples and overwrites, and WAL-style sample columns with special bit
// patterns (NaN payloads, -0, infinities, subnormals) that line protocol
// cannot carry.
import type { LevelData, QueryRequest, QuerySpec, SampleColumns } from '../../../src/engine/types.ts';
import { METRICS } from '../helpers.ts';

export const T0 = 1725620400;

export type Rng = () => number;

export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const rint = (r: Rng, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
export const pick = <X>(r: Rng, xs: readonly X[]): X => xs[Math.floor(r() * xs.length)];
export const chance = (r: Rng, p: number) => r() < p;

type ValueStyle = 'constant' | 'idle' | 'decimal2' | 'full' | 'integer' | 'extreme';
const STYLES: readonly ValueStyle[] = ['constant', 'idle', 'decimal2', 'full', 'integer', 'extreme'];

export interface WorkSeries {
  cluster: string;
  host: string;
  /** Tags after the hostname (",type=hwthread,type-id=3") and the level path they make. */
  tags: string;
  path: string[];
  metric: string;
  freq: number;
  style: ValueStyle;
  jitter: boolean;
  /** The series sends nothing in [offFrom, offTo) (a gap; a node down). */
  offFrom: number;
  offTo: number;
  last: number;
}

export interface Workload {
  hosts: Array<[string, string]>;
  series: WorkSeries[];
}

export function makeWorkload(r: Rng, hostCount: number): Workload {
  const hosts: Array<[string, string]> = [];
  const series: WorkSeries[] = [];
  for (let h = 0; h < hostCount; h++) {
    const cluster = h % 4 === 3 ? 'd' : 'c';
    const host = `n${h}`;
    hosts.push([cluster, host]);
    const add = (tags: string, path: string[], metric: string) => {
      const off = rint(r, 0, 2400) * 60;
      series.push({
        cluster, host, tags, path, metric, freq: METRICS[metric].frequency, style: pick(r, STYLES), jitter: chance(r, 0.4),
        offFrom: T0 + off, offTo: T0 + off + (chance(r, 0.5) ? rint(r, 5, 900) * 60 : 0), last: rint(r, 0, 100),
      });
    };
    add('', [], 'cpu_load');
    add('', [], 'mem_used');
    add('', [], 'mem_bw');
    for (let t = 0; t < 4; t++) add(`,type=hwthread,type-id=${t}`, ['hwthread' + t], 'cpu_user');
    for (let t = 0; t < 2; t++) add(`,type=hwthread,type-id=${t}`, ['hwthread' + t], 'flops_any');
    if (h < 2) add(',type=socket,type-id=0', ['socket0'], 'ten');
    if (h === 0) add('', [], 'fast');
  }
  return { hosts, series };
}

function valueText(r: Rng, s: WorkSeries): string {
  switch (s.style) {
    case 'constant':
      return chance(r, 0.002) ? '7.5' : '42.25';
    case 'idle':
      return chance(r, 0.05) ? (rint(r, 1, 9999) / 100).toFixed(2) : '0';
    case 'decimal2':
      s.last = Math.max(0, s.last + rint(r, -300, 300) / 100);
      return s.last.toFixed(2);
    case 'full':
      return String(r() * 10 ** rint(r, -3, 6));
    case 'integer':
      return `${rint(r, -1000, 100000)}i`;
    case 'extreme':
      return pick(r, ['1e30', '-3.4e38', '1e-30', '1e-40', '-0.0', '0', '123456789012', '5e-45', String(r())]);
  }
}

/** Line protocol of every series over [from, to): one line per slot, some jittered, gaps left out. */
export function inOrderBody(r: Rng, w: Workload, from: number, to: number): string {
  const lines: string[] = [];
  for (const s of w.series) {
    const f = s.freq;
    const span = s.freq === 1 ? Math.min(to - from, 1200) : to - from;
    for (let t = from; t < from + span; t += f) {
      if (t >= s.offFrom && t < s.offTo) continue;
      if (chance(r, 0.01)) continue;
      const ts = s.jitter && f > 1 ? t + rint(r, -Math.floor((f - 1) / 2), Math.floor((f - 1) / 2)) : t;
      lines.push(`${s.metric},cluster=${s.cluster},hostname=${s.host}${s.tags} value=${valueText(r, s)} ${ts}`);
    }
  }
  return lines.join('\n');
}

/** Late samples and overwrites: times anywhere in [T0 - 2h, now), some before everything held. */
export function lateBody(r: Rng, w: Workload, now: number, n: number): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const s = pick(r, w.series);
    const k = r();
    const ts = k < 0.7 ? rint(r, T0, now - 1)
      : k < 0.85 ? T0 + Math.floor(rint(r, 0, now - T0 - 1) / s.freq) * s.freq // on the grid: an overwrite
      : rint(r, T0 - 7200, T0);
    lines.push(`${s.metric},cluster=${s.cluster},hostname=${s.host}${s.tags} value=${valueText(r, s)} ${ts}`);
  }
  return lines.join('\n');
}

const SPECIAL_BITS = [0x80000000, 0x00000001, 0x007fffff, 0x7f800000, 0xff800000, 0x7fc00001, 0xffc00000, 0x7fa00000,
  0x7f7fffff, 0x00800000, 0x7fc00000, 0];

function specialValues(r: Rng, n: number): Float32Array {
  const bits = new Uint32Array(n);
  for (let i = 0; i < n; i++) bits[i] = chance(r, 0.5) ? pick(r, SPECIAL_BITS) : Math.floor(r() * 2 ** 32) >>> 0;
  return new Float32Array(bits.buffer);
}

/** WAL-replay columns for one host: samples at random times with special bit patterns. */
export function sampleColumns(r: Rng, w: Workload, cluster: string, host: string, now: number, n: number): SampleColumns {
  const mine = w.series.filter((s) => s.cluster === cluster && s.host === host);
  const metrics = [...new Set(mine.map((s) => s.metric))];
  const pathKeys = [...new Set(mine.map((s) => s.path.join('/')))];
  const paths = pathKeys.map((k) => (k === '' ? [] : k.split('/')));
  const ts = new Float64Array(n);
  const metric = new Uint32Array(n);
  const path = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const s = pick(r, mine);
    ts[i] = rint(r, T0 - 600, now + 600);
    metric[i] = metrics.indexOf(s.metric);
    path[i] = pathKeys.indexOf(s.path.join('/'));
  }
  return { count: n, ts, value: specialValues(r, n), metric, metrics, path, paths };
}

/** A checkpoint-like level for one host: a few series with special values, possibly overlapping what is held. */
export function randomLevel(r: Rng, w: Workload, cluster: string, host: string, now: number): LevelData {
  const root: LevelData = { metrics: new Map(), children: new Map() };
  for (const s of w.series.filter((x) => x.cluster === cluster && x.host === host)) {
    if (!chance(r, 0.4)) continue;
    let level = root;
    for (const name of s.path) {
      let child = level.children.get(name);
      if (!child) level.children.set(name, (child = { metrics: new Map(), children: new Map() }));
      level = child;
    }
    const n = rint(r, 1, 1500);
    const start = T0 + Math.floor(rint(r, -3600, now - T0) / s.freq) * s.freq + (chance(r, 0.2) ? rint(r, 1, s.freq) : 0);
    const values = specialValues(r, n);
    // Runs of NaN (padded files) and of one value (idle nodes).
    if (chance(r, 0.5)) values.fill(NaN, rint(r, 0, n), n);
    if (chance(r, 0.3)) values.fill(3.5, 0, rint(r, 0, n));
    level.metrics.set(s.metric, { frequency: chance(r, 0.1) ? s.freq * 2 : s.freq, start, values });
  }
  return root;
}

const RESOLUTIONS = [0, 0, 0, 60, 120, 600, 3600, 7, 10];

export function randomQuery(r: Rng, w: Workload, now: number): QueryRequest {
  const [cluster] = pick(r, w.hosts);
  const hosts = w.hosts.filter(([c]) => c === cluster).map(([, h]) => h);
  const from = rint(r, T0 - 3600, now);
  const to = chance(r, 0.05) ? from - 60 : from + rint(r, 0, now + 3600 - from);
  const queries: QuerySpec[] = [];
  for (let i = rint(r, 1, 4); i > 0; i--) {
    const host = pick(r, hosts);
    const k = r();
    const q: QuerySpec = k < 0.4
      ? { metric: pick(r, ['cpu_load', 'mem_used', 'mem_bw', 'fast']), host }
      : k < 0.8
        ? { metric: pick(r, ['cpu_user', 'flops_any']), host, type: 'hwthread', 'type-ids': ['0', '1', '2', '3'].filter(() => chance(r, 0.6)), aggreg: chance(r, 0.5) }
        : k < 0.9 ? { metric: 'ten', host, type: 'socket', 'type-ids': ['0'] } : { metric: pick(r, ['cpu_user', 'mem_bw']), host };
    const resolution = pick(r, RESOLUTIONS);
    if (resolution > 0) q.resolution = resolution;
    if (chance(r, 0.1)) q['scale-by'] = 0.5;
    queries.push(q);
  }
  const req: QueryRequest = {
    cluster, from, to, queries, 'with-stats': chance(r, 0.8), 'with-data': chance(r, 0.9), 'with-padding': chance(r, 0.5),
  };
  if (chance(r, 0.05)) req['for-all-nodes'] = ['cpu_load', 'mem_bw'];
  return req;
}
