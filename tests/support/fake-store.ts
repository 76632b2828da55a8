// A small in-memory MetricStore for testing the persistence layer without the
// WASM engine. It models what persistence relies on: per-series "saved" state
// with exportHost/commit, loadHost/loadTable of checkpoint levels, WAL records from
// ingest, writeSamples with notBefore, free, hosts and stats. One contiguous
// array per series instead of 512-slot chunks; query and health are not modelled.

import type {
  HealthResult,
  HostExport,
  IngestResult,
  LevelData,
  MetricStore,
  MetricTable,
  QueryRequest,
  SampleColumns,
  SeriesTable,
  StoreOptions,
  WalAppend,
} from '../../src/engine/types.ts';
import { levelOfTable } from '../../src/persist/format/series-table.ts';
import { concatBytes } from '../../src/engine/codec.ts';
import { encodeWalRecords } from '../../src/persist/format/wal.ts';
import type { WalSample } from '../../src/persist/format/wal.ts';

class Series {
  start: number | undefined;
  values: number[] = [];
  dirty: boolean[] = [];
  version: number[] = [];
  constructor(readonly frequency: number) {}

  write(ts: number, value: number): void {
    const f = this.frequency;
    if (this.start === undefined) this.start = ts - Math.floor(f / 2);
    if (ts < this.start) {
      // Before everything held: the series grows at the front, on its grid (as the engine's chunks do).
      const shift = Math.ceil((this.start - ts) / f);
      this.values.unshift(...new Array(shift).fill(NaN));
      this.dirty.unshift(...new Array(shift).fill(false));
      this.version.unshift(...new Array(shift).fill(0));
      this.start -= shift * f;
    }
    const idx = Math.floor((ts - this.start) / f);
    while (this.values.length <= idx) {
      this.values.push(NaN);
      this.dirty.push(false);
      this.version.push(0);
    }
    this.values[idx] = Math.fround(value);
    this.dirty[idx] = true;
    this.version[idx]++;
  }

  load(start: number, values: Float32Array): void {
    if (this.start === undefined) this.start = start;
    if (start < this.start) {
      const shift = Math.round((this.start - start) / this.frequency);
      this.values.unshift(...new Array(shift).fill(NaN));
      this.dirty.unshift(...new Array(shift).fill(false));
      this.version.unshift(...new Array(shift).fill(0));
      this.start = start;
    }
    const base = Math.round((start - this.start) / this.frequency);
    for (let i = 0; i < values.length; i++) {
      const idx = base + i;
      while (this.values.length <= idx) {
        this.values.push(NaN);
        this.dirty.push(false);
        this.version.push(0);
      }
      if (!Number.isNaN(values[i])) {
        this.values[idx] = values[i];
        this.dirty[idx] = false;
      }
    }
  }

  /** Drops leading slots whose step ends before `to`; returns how many. */
  freeBefore(to: number): number {
    if (this.start === undefined) return 0;
    let n = 0;
    while (n < this.values.length && this.start + (n + 1) * this.frequency <= to) n++;
    if (n === 0) return 0;
    this.values.splice(0, n);
    this.dirty.splice(0, n);
    this.version.splice(0, n);
    this.start += n * this.frequency;
    if (this.values.length === 0) this.start = undefined;
    return n;
  }
}

class Level {
  metrics = new Map<string, Series>();
  children = new Map<string, Level>();
  child(name: string): Level {
    let c = this.children.get(name);
    if (!c) this.children.set(name, (c = new Level()));
    return c;
  }
  empty(): boolean {
    for (const s of this.metrics.values()) if (s.values.length > 0) return false;
    for (const c of this.children.values()) if (!c.empty()) return false;
    return true;
  }
}

export interface Sample {
  cluster: string;
  host: string;
  path: string[];
  metric: string;
  ts: number;
  value: number;
}

export class FakeStore implements MetricStore {
  readonly metrics: MetricTable;
  private readonly root = new Level();
  private readonly wal: boolean;
  /** Calls of loadHost, in order (for assertions on what restore loaded). */
  readonly loads: Array<{ cluster: string; host: string; level: LevelData }> = [];

  constructor(opts: StoreOptions) {
    this.metrics = opts.metrics;
    this.wal = opts.wal ?? false;
  }

  private level(selector: string[], create: boolean): Level | undefined {
    let l: Level | undefined = this.root;
    for (const name of selector) {
      if (!l) return undefined;
      l = create ? l.child(name) : l.children.get(name);
    }
    return l;
  }

  private series(cluster: string, host: string, path: readonly string[], metric: string): Series | undefined {
    const cfg = this.metrics[metric];
    if (!cfg) return undefined;
    const l = this.level([cluster, host, ...path], true)!;
    let s = l.metrics.get(metric);
    if (!s) l.metrics.set(metric, (s = new Series(cfg.frequency)));
    return s;
  }

  ingest(body: Uint8Array, defaultCluster: string, now = Math.floor(Date.now() / 1000)): IngestResult {
    const result: IngestResult = { accepted: 0, skipped: 0, rejected: 0, reasons: {}, rejectedLines: [], error: null, wal: [] };
    const reject = (line: number, reason: 'malformed' | 'unsafe-name') => {
      result.rejected++;
      result.reasons[reason] = (result.reasons[reason] ?? 0) + 1;
      if (result.rejectedLines.length < 10) result.rejectedLines.push({ line, reason });
    };
    const perHost = new Map<string, { cluster: string; host: string; samples: WalSample[] }>();
    const lines = new TextDecoder().decode(body).split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].trim();
      if (!line || line.startsWith('#')) continue;
      const m = /^([^,\s]+)((?:,[^,\s=]+=[^,\s]*)*)\s+value=([^\s]+)(?:\s+(\d+))?$/.exec(line);
      const value = m ? Number(m[3].replace(/[iu]$/, '')) : NaN;
      if (!m || !Number.isFinite(value)) {
        result.error = { line: i + 1, message: `malformed line: ${line.slice(0, 60)}` };
        reject(i + 1, 'malformed');
        break;
      }
      const tags = new Map(m[2].split(',').filter(Boolean).map((kv) => kv.split('=') as [string, string]));
      const cluster = tags.get('cluster') ?? defaultCluster;
      const host = tags.get('hostname') ?? tags.get('host') ?? '';
      const metric = m[1];
      if (!this.metrics[metric]) {
        result.skipped++;
        continue;
      }
      if (!host || !cluster) {
        reject(i + 1, 'unsafe-name');
        continue;
      }
      const path: string[] = [];
      const type = tags.get('type');
      if (type && type !== 'node') path.push(type + (tags.get('type-id') ?? ''));
      const stype = tags.get('stype');
      if (stype) path.push(stype + (tags.get('stype-id') ?? ''));
      let ts = m[4] ? Number(m[4]) : now;
      if (ts > 1e17) ts = Math.floor(ts / 1e9);
      else if (ts > 1e14) ts = Math.floor(ts / 1e6);
      else if (ts > 1e11) ts = Math.floor(ts / 1e3);
      this.series(cluster, host, path, metric)!.write(ts, value);
      result.accepted++;
      if (this.wal) {
        const k = `${cluster}\u0000${host}`;
        let g = perHost.get(k);
        if (!g) perHost.set(k, (g = { cluster, host, samples: [] }));
        g.samples.push({ ts, metric, path, value });
      }
    }
    result.wal = [...perHost.values()].map<WalAppend>((g) => ({ cluster: g.cluster, host: g.host, records: encodeWalRecords(g.samples), count: g.samples.length }));
    return result;
  }

  /** WAL records of ingestHeld calls not taken yet, in order. */
  private held: WalAppend[] = [];

  ingestHeld(body: Uint8Array, defaultCluster: string, now?: number): IngestResult {
    const result = this.ingest(body, defaultCluster, now);
    this.held.push(...result.wal);
    return { ...result, wal: [] };
  }

  takeHeldWal(): WalAppend[] {
    const byHost = new Map<string, WalAppend & { parts: Uint8Array[] }>();
    for (const w of this.held) {
      const k = `${w.cluster}\u0000${w.host}`;
      let g = byHost.get(k);
      if (!g) byHost.set(k, (g = { cluster: w.cluster, host: w.host, records: w.records, count: 0, parts: [] }));
      g.parts.push(w.records);
      g.count += w.count;
    }
    this.held = [];
    return [...byHost.values()].map(({ parts, ...w }) => ({ ...w, records: concatBytes(parts) }));
  }

  query(_req: QueryRequest): Uint8Array {
    throw new Error('FakeStore does not model queries');
  }

  queryAsync(_req: QueryRequest): Promise<Uint8Array> {
    throw new Error('FakeStore does not model queries');
  }

  healthCheck(): Record<string, HealthResult> {
    throw new Error('FakeStore does not model health checks');
  }

  free(selector: string[], to: number): number {
    const l = this.level(selector, false);
    if (!l) return 0;
    let n = 0;
    const walk = (lv: Level) => {
      for (const s of lv.metrics.values()) n += s.freeBefore(to) > 0 ? 1 : 0;
      for (const [name, c] of lv.children) {
        walk(c);
        if (c.empty()) lv.children.delete(name);
      }
    };
    walk(l);
    return n;
  }

  listChildren(selector: string[]): string[] {
    return [...(this.level(selector, false)?.children.keys() ?? [])];
  }

  debugDump(selector: string[]): string | null {
    const l = this.level(selector, false);
    return l ? JSON.stringify(this.toLevelData(l, false, [])) : null;
  }

  hosts(): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (const [c, cl] of this.root.children) for (const [h, hl] of cl.children) if (!hl.empty()) out.push([c, h]);
    return out;
  }

  exportHost(cluster: string, host: string, opts: { unsavedOnly: boolean }): HostExport | null {
    const l = this.level([cluster, host], false);
    if (!l) return null;
    const taken: Array<{ s: Series; from: number; versions: number[] }> = [];
    const level = this.toLevelData(l, opts.unsavedOnly, taken);
    if (taken.length === 0) return null;
    return {
      files: [level],
      commit: () => {
        for (const t of taken) {
          for (let i = 0; i < t.versions.length; i++) {
            const idx = t.from + i;
            if (t.s.version[idx] === t.versions[i]) t.s.dirty[idx] = false;
          }
        }
      },
    };
  }

  private toLevelData(l: Level, unsavedOnly: boolean, taken: Array<{ s: Series; from: number; versions: number[] }>): LevelData {
    const out: LevelData = { metrics: new Map(), children: new Map() };
    for (const [name, s] of l.metrics) {
      if (s.start === undefined || s.values.length === 0) continue;
      const from = unsavedOnly ? s.dirty.indexOf(true) : 0;
      if (from < 0) continue;
      out.metrics.set(name, { frequency: s.frequency, start: s.start + from * s.frequency, values: Float32Array.from(s.values.slice(from)) });
      taken.push({ s, from, versions: s.version.slice(from) });
    }
    for (const [name, c] of l.children) {
      const child = this.toLevelData(c, unsavedOnly, taken);
      if (child.metrics.size > 0 || child.children.size > 0) out.children.set(name, child);
    }
    return out;
  }

  loadHost(cluster: string, host: string, level: LevelData): void {
    this.loads.push({ cluster, host, level });
    const walk = (data: LevelData, path: string[]) => {
      for (const [metric, sd] of data.metrics) this.series(cluster, host, path, metric)?.load(sd.start, sd.values);
      for (const [name, child] of data.children) walk(child, [...path, name]);
    };
    walk(level, []);
  }

  /** Recorded in `loads` as the tree it holds. */
  loadTable(cluster: string, host: string, table: SeriesTable): void {
    this.loadHost(cluster, host, levelOfTable(table));
  }

  /** Hints of restore, in order. */
  readonly reserved: number[] = [];

  reserve(bytes: number): void {
    this.reserved.push(bytes);
  }

  writeSamples(cluster: string, host: string, samples: SampleColumns, notBefore = -Infinity): number {
    let n = 0;
    for (let i = 0; i < samples.count; i++) {
      if (samples.ts[i] < notBefore) continue;
      const s = this.series(cluster, host, samples.paths[samples.path[i]], samples.metrics[samples.metric[i]]);
      if (!s) continue;
      s.write(samples.ts[i], samples.value[i]);
      n++;
    }
    return n;
  }

  stats(): { memoryBytes: number; usedBytes: number; shards: [] } {
    let slots = 0;
    const walk = (l: Level) => {
      for (const s of l.metrics.values()) slots += s.values.length;
      for (const c of l.children.values()) walk(c);
    };
    walk(this.root);
    return { memoryBytes: slots * 4, usedBytes: slots * 4, shards: [] };
  }

  /** Every present sample, sorted: what a restart must give back. */
  samples(): Sample[] {
    const out: Sample[] = [];
    for (const [cluster, cl] of this.root.children) {
      for (const [host, hl] of cl.children) {
        const walk = (l: Level, path: string[]) => {
          for (const [metric, s] of l.metrics) {
            s.values.forEach((v, i) => {
              if (!Number.isNaN(v)) out.push({ cluster, host, path, metric, ts: s.start! + i * s.frequency, value: v });
            });
          }
          for (const [name, c] of l.children) walk(c, [...path, name]);
        };
        walk(hl, []);
      }
    }
    const key = (s: Sample) => `${s.cluster}/${s.host}/${s.path.join('/')}/${s.metric}/${String(s.ts).padStart(12, '0')}`;
    return out.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  }
}

export const TEST_METRICS: MetricTable = {
  cpu_load: { frequency: 60, aggregation: null },
  mem_used: { frequency: 60, aggregation: null },
  cpu_user: { frequency: 60, aggregation: 'avg' },
  mem_bw: { frequency: 60, aggregation: 'sum' },
};
