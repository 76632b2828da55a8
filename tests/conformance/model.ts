// A small, deliberately plain model of the reference's storage rules, written
// from cc-backend pkg/metricstore (buffer.go write/read/free, level.go
// findBuffers, metricstore.go Read), cc-metric-store internal/api handleQuery
// (selectors, stats, scale-by, padding) and cc-lib resampler (LTTB). Speed
// does not matter here; every rule is spelled out once, in the reference's order.
//
// Where the reference and behaviour.md differ on purpose the model follows the
// (ours) rule: values are 32-bit floats, and a sample before the newest chunk
// that falls inside an older chunk is written there. A late sample in a gap
// between two chunks (the reference drops it) follows our gap rule
// (docs/engine.md): a chunk on the older chunk's grid, starting at the slot
// that covers the sample, holding the whole slots that fit before the newer
// chunk starts (at most 512); with no whole slot the sample is rejected
// (no-slot). One older than every chunk (the reference drops it too) gets a
// chunk on the oldest chunk's grid by the same rule, where a slot always fits.
import type { Aggregation, MetricTable, QueryRequest, QuerySpec } from '../../src/engine/types.ts';

export const CHUNK_CAP = 512;

export interface ModelChunk {
  start: number;
  cap: number;
  data: number[];
}

export type WriteOutcome = 'stored' | 'rejected';

/** Where a sample goes: an existing chunk, a new head chunk, or a chunk inserted before `chunk`. */
export interface Placement {
  outcome: WriteOutcome;
  chunk?: number;
  idx?: number;
  opensChunk?: boolean;
  inserted?: { start: number; cap: number };
  /** Before the head chunk (the reference drops it); with `inserted`: in a gap, or before the oldest chunk. */
  late?: boolean;
}

const div = (a: number, b: number) => Math.trunc(a / b);

export class ModelSeries {
  /** Oldest first; the last one is the head the reference writes into. */
  chunks: ModelChunk[] = [];

  constructor(readonly freq: number) {}

  private get half(): number {
    return div(this.freq, 2);
  }

  /** Where a sample would go, without writing it. */
  locate(ts: number): Placement {
    const f = this.freq;
    if (this.chunks.length === 0) return { outcome: 'stored', opensChunk: true };
    const head = this.chunks[this.chunks.length - 1];
    if (ts >= head.start) {
      const idx = div(ts - head.start, f);
      if (idx >= head.cap) return { outcome: 'stored', opensChunk: true };
      return { outcome: 'stored', chunk: this.chunks.length - 1, idx };
    }
    // (ours) late sample: the newest older chunk that starts at or before ts
    for (let k = this.chunks.length - 2; k >= 0; k--) {
      const c = this.chunks[k];
      if (ts < c.start) continue;
      const idx = div(ts - c.start, f);
      if (idx < c.cap) return { outcome: 'stored', chunk: k, idx, late: true };
      // (ours) gap rule: on chunk k's grid, whole slots before chunk k+1
      const start = c.start + idx * f;
      const cap = Math.min(CHUNK_CAP, div(this.chunks[k + 1].start - start, f));
      if (cap < 1) return { outcome: 'rejected', late: true };
      return { outcome: 'stored', chunk: k + 1, idx: 0, inserted: { start, cap }, late: true };
    }
    // (ours) older than everything: on the oldest chunk's grid, the whole steps back to the slot covering ts
    const oldest = this.chunks[0].start;
    const steps = Math.ceil((oldest - ts) / f);
    return { outcome: 'stored', chunk: 0, idx: 0, inserted: { start: oldest - steps * f, cap: Math.min(CHUNK_CAP, steps) }, late: true };
  }

  write(ts: number, value: number): WriteOutcome {
    const where = this.locate(ts);
    if (where.outcome !== 'stored') return where.outcome;
    let chunk: ModelChunk;
    let idx: number;
    if (where.opensChunk) {
      chunk = { start: ts - this.half, cap: CHUNK_CAP, data: [] };
      this.chunks.push(chunk);
      idx = 0;
    } else if (where.inserted) {
      chunk = { ...where.inserted, data: [] };
      this.chunks.splice(where.chunk!, 0, chunk);
      idx = 0;
    } else {
      chunk = this.chunks[where.chunk!];
      idx = where.idx!;
    }
    while (chunk.data.length < idx) chunk.data.push(Number.NaN);
    chunk.data[idx] = Math.fround(value);
    return 'stored';
  }

  /** buffer.read over [from, to): the values, the actual from and the first t not read. */
  read(fromIn: number, to: number): { values: number[]; from: number; to: number } {
    const f = this.freq;
    const last = this.chunks.length - 1;
    let k = last;
    let from = fromIn;
    while (from < this.chunks[k].start + this.half) {
      if (k === 0) {
        from = this.chunks[0].start + this.half;
        break;
      }
      k--;
    }
    const values: number[] = [];
    let t = from;
    for (; t < to; t += f) {
      let c = this.chunks[k];
      let idx = div(t - c.start, f);
      if (idx >= c.cap) {
        if (k === last) break;
        k++;
        c = this.chunks[k];
        idx = div(t - c.start, f);
      }
      if (idx >= c.data.length) {
        if (k === last || to <= this.chunks[k + 1].start) break;
        values.push(Number.NaN);
      } else if (t < c.start) {
        values.push(Number.NaN);
      } else {
        values.push(c.data[idx]);
      }
    }
    return { values, from, to: t };
  }

  /** buffer.free: drops the chunks whose end (first write + len*f) is before t; returns how many. */
  free(t: number): number {
    const keep = this.chunks.filter((c) => c.start + this.half + c.data.length * this.freq >= t);
    const n = this.chunks.length - keep.length;
    this.chunks = keep;
    return n;
  }

  /** The debug dump of the chain. */
  dump(): Array<{ start: number; len: number; end: number }> {
    return this.chunks.map((c) => ({ start: c.start, len: c.data.length, end: c.start + this.freq * c.data.length }));
  }
}

export class ModelLevel {
  series = new Map<string, ModelSeries>();
  children = new Map<string, ModelLevel>();

  child(name: string): ModelLevel {
    let c = this.children.get(name);
    if (!c) this.children.set(name, (c = new ModelLevel()));
    return c;
  }

  at(path: string[]): ModelLevel | undefined {
    let l: ModelLevel | undefined = this;
    for (const name of path) l = l?.children.get(name);
    return l;
  }

  /** Level.free: frees below, removes emptied children, keeps this level. */
  free(t: number): number {
    let n = 0;
    for (const [name, s] of this.series) {
      n += s.free(t);
      if (s.chunks.length === 0) this.series.delete(name);
    }
    for (const [name, c] of this.children) {
      n += c.free(t);
      if (c.series.size === 0 && c.children.size === 0) this.children.delete(name);
    }
    return n;
  }
}

// ---- selectors and findBuffers ----

type SelectorElement = { name: string } | { group: string[] };

/**
 * handleQuery: the selectors of one query below [cluster, host]. (ours) A
 * subtype without a type names a device under the node (behaviour.md section
 * 5) and takes the type's place; the reference ignores it and reads the host.
 */
export function selectorsOf(q: QuerySpec): SelectorElement[][] {
  const device = (q.type ?? null) === null && (q.subtype ?? null) !== null;
  const type = device ? q.subtype! : q.type ?? null;
  const sub = device ? null : q.subtype ?? null;
  const typeIds = (device ? q['subtype-ids'] : q['type-ids']) ?? [];
  const subIds = (device ? null : q['subtype-ids']) ?? [];
  const elem = (prefix: string, ids: string[]): SelectorElement =>
    ids.length === 1 ? { name: prefix + ids[0] } : { group: ids.map((id) => prefix + id) };
  if (q.aggreg || type === null) {
    const sel: SelectorElement[] = [];
    if (type !== null) {
      sel.push(elem(type, typeIds));
      if (sub !== null) sel.push(elem(sub, subIds));
    }
    return [sel];
  }
  const out: SelectorElement[][] = [];
  for (const id of typeIds) {
    if (sub !== null) for (const sid of subIds) out.push([{ name: type + id }, { name: sub + sid }]);
    else out.push([{ name: type + id }]);
  }
  return out;
}

function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  const out: T[][] = [];
  xs.forEach((x, i) => {
    for (const rest of permutations([...xs.slice(0, i), ...xs.slice(i + 1)])) out.push([x, ...rest]);
  });
  return out;
}

/** Every sequence in which one list after another can be visited (cartesian concatenation). */
function concatAll(parts: ModelSeries[][][]): ModelSeries[][] {
  let acc: ModelSeries[][] = [[]];
  for (const options of parts) {
    const next: ModelSeries[][] = [];
    for (const a of acc) for (const o of options) next.push([...a, ...o]);
    acc = next;
  }
  return acc;
}

/**
 * findBuffers: every order in which the reference may visit the matching
 * series. A group is visited in its given order; the children of a level are
 * a Go map, visited in any order.
 */
export function visitOrders(level: ModelLevel, sel: SelectorElement[], metric: string): ModelSeries[][] {
  if (sel.length === 0) {
    const own = level.series.get(metric);
    if (own) return [[own]];
    const children = [...level.children.values()];
    const out: ModelSeries[][] = [];
    for (const order of permutations(children)) out.push(...concatAll(order.map((c) => visitOrders(c, [], metric))));
    return out;
  }
  const [head, ...rest] = sel;
  if ('name' in head) {
    const child = head.name === '' ? undefined : level.children.get(head.name);
    return child ? visitOrders(child, rest, metric) : [[]];
  }
  return concatAll(head.group.map((name) => {
    const child = level.children.get(name);
    return child ? visitOrders(child, rest, metric) : [[]];
  }));
}

// ---- Read, LTTB, the answer entry ----

export const MESSAGES = {
  range: '[METRICSTORE]> invalid time range',
  unknown: (m: string) => `[METRICSTORE]> unknown metric: ${m}`,
  front: '[METRICSTORE]> data from lower granularities does not align (missing data prior to start of the buffers)',
  back: '[METRICSTORE]> data from lower granularities does not align (missing data after the end of the buffers)',
  len: '[METRICSTORE]> data from lower granularities does not align (collected data length is different than expected data length)',
  aggregation: '[METRICSTORE]> invalid aggregation',
  resolution: (n: number, o: number) => `new sampling frequency (${n}) must be a multiple of old frequency (${o})`,
};

type ReadResult = { data: number[]; from: number; to: number } | { error: string };

/** MemoryStore.Read after findBuffers, for one visiting order (non-empty). */
export function readCombined(list: ModelSeries[], f: number, aggregation: Aggregation, fromIn: number, toIn: number): ReadResult {
  let from = fromIn;
  let to = toIn;
  let data: number[] = [];
  for (let n = 0; n < list.length; n++) {
    const r = list[n].read(from, to);
    if (n === 0) {
      from = r.from;
      to = r.to;
      data = r.values.map((v) => 0 + v);
      continue;
    }
    if (r.values.length > data.length) throw new Error('the reference would index past its buffer here');
    r.values.forEach((v, i) => { data[i] += v; });
    if (from !== r.from || to !== r.to || data.length !== r.values.length) {
      if (div(from - r.from, f) !== 0) return { error: MESSAGES.front };
      const newLen = r.values.length - div(to - r.to, f);
      if (newLen < 1) return { error: MESSAGES.back };
      if (newLen !== data.length) return { error: MESSAGES.len };
      from = r.from;
      to = r.to;
    }
  }
  if (list.length > 1) {
    if (aggregation === 'avg') {
      const normalize = 1 / list.length;
      data = data.map((x) => x * normalize);
    } else if (aggregation !== 'sum') {
      return { error: MESSAGES.aggregation };
    }
  }
  return { data, from, to };
}

/** cc-lib resampler.LargestTriangleThreeBucket with validateFrequency. */
export function lttb(data: number[], oldF: number, newF: number): { data: number[]; resolution: number } | { error: string } {
  if (oldF === 0 || newF === 0 || newF <= oldF) return { data, resolution: oldF };
  if (newF % oldF !== 0) return { error: MESSAGES.resolution(newF, oldF) };
  const step = div(newF, oldF);
  const newLen = div(data.length, step);
  if (newLen === 0 || data.length < 1000 || newLen >= data.length) return { data, resolution: oldF };
  const out = [data[0]];
  const bucketSize = (data.length - 2) / (newLen - 2);
  let low = 1;
  let middle = Math.floor(bucketSize) + 1;
  let prev = 0;
  for (let i = 0; i < newLen - 2; i++) {
    let high = Math.floor((i + 2) * bucketSize) + 1;
    if (high >= data.length - 1) high = data.length - 2;
    let avgX = 0;
    let avgY = 0;
    let hasNaN = false;
    for (let j = middle; j <= high; j++) {
      avgX += j;
      avgY += data[j];
      if (Number.isNaN(data[j])) hasNaN = true;
    }
    const count = high + 1 - middle;
    avgX /= count;
    avgY /= count;
    if (hasNaN) avgY = Number.NaN;
    const pX = prev;
    const pY = data[prev];
    let maxArea = -1;
    let pick = 0;
    for (let c = low; c < middle; c++) {
      const area = Math.abs(((pX - c) * (avgY - pY) - (pX - avgX) * (data[c] - pY)) * 0.5);
      if (area > maxArea || Number.isNaN(area)) {
        maxArea = area;
        pick = c;
      }
    }
    out.push(data[pick]);
    prev = pick;
    low = middle;
    middle = high;
  }
  out.push(data[data.length - 1]);
  return { data: out, resolution: newF };
}

export interface ModelEntry {
  error?: string;
  data?: number[];
  from: number;
  to: number;
  resolution: number;
  avg: number;
  min: number;
  max: number;
}

/** One selector of handleQuery, for one visiting order: the entry, or null for no entry. */
export function answer(list: ModelSeries[], metrics: MetricTable, req: QueryRequest, q: QuerySpec): ModelEntry | null {
  const failed = (error: string): ModelEntry => ({ error, from: 0, to: 0, resolution: 0, avg: 0, min: 0, max: 0 });
  if (req.from > req.to) return failed(MESSAGES.range);
  const mc = Object.prototype.hasOwnProperty.call(metrics, q.metric) ? metrics[q.metric] : undefined;
  if (!mc) return failed(MESSAGES.unknown(q.metric));
  if (list.length === 0) return null;
  const f = mc.frequency;
  const r = readCombined(list, f, mc.aggregation, req.from, req.to);
  if ('error' in r) return failed(r.error);
  const l = lttb(r.data, f, q.resolution ?? 0);
  if ('error' in l) return failed(l.error);
  let data = l.data;
  const e: ModelEntry = { from: r.from, to: r.to, resolution: l.resolution, avg: 0, min: 0, max: 0 };
  if (req['with-stats'] ?? true) {
    let n = 0;
    let sum = 0;
    let min = Number.MAX_VALUE;
    let max = -Number.MAX_VALUE;
    for (const x of data) {
      if (Number.isNaN(x)) continue;
      n++;
      sum += x;
      min = Math.min(min, x);
      max = Math.max(max, x);
    }
    if (n > 0) Object.assign(e, { avg: sum / n, min, max });
    else Object.assign(e, { avg: Number.NaN, min: Number.NaN, max: Number.NaN });
  }
  const scale = q['scale-by'] ?? 0;
  if (scale !== 0 && scale !== 1) {
    e.avg *= scale;
    e.min *= scale;
    e.max *= scale;
    data = data.map((x) => x * scale);
  }
  if (req['with-padding'] ?? true) {
    const pad = div(e.from, f) - div(req.from, f);
    if (pad > 0) data = [...new Array(pad).fill(Number.NaN), ...data];
  }
  if ((req['with-data'] ?? true) && data.length > 0) e.data = data;
  return e;
}

/** The entry as it reads back from our JSON: 32-bit values, NaN as null. */
export function printed(e: ModelEntry): Record<string, unknown> {
  const num = (x: number) => (Number.isNaN(x) ? null : Math.fround(x));
  const out: Record<string, unknown> = {};
  if (e.error !== undefined) out.error = e.error;
  if (e.data !== undefined) out.data = e.data.map(num);
  Object.assign(out, { from: e.from, to: e.to, resolution: e.resolution, avg: num(e.avg), min: num(e.min), max: num(e.max) });
  return out;
}
