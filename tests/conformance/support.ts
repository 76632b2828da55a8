// Shared set-up of the conformance suite: a store with a metric table that
// covers every aggregation and a few odd frequencies, and small ways to write
// lines and look at answers. Expected values in the tests are derived by hand
// from the Go reference (cc-backend pkg/metricstore 1.5.x, cc-metric-store
// internal/api, cc-lib resampler), each with the Go line that decides it.
import { readFileSync } from 'node:fs';
import { Store } from '../../src/engine/store.ts';
import type { MetricTable, QueryRequest, StoreOptions } from '../../src/engine/types.ts';

const wasm = new WebAssembly.Module(readFileSync(new URL('../../build/engine.wasm', import.meta.url)));

/** 2024-09-06 11:00:00 UTC: a multiple of 60, so grid arithmetic stays readable. */
export const T = 1725620400;

export const METRICS: MetricTable = {
  load: { frequency: 60, aggregation: null },
  user: { frequency: 60, aggregation: 'avg' },
  bw: { frequency: 60, aggregation: 'sum' },
  ten: { frequency: 10, aggregation: 'sum' },
  one: { frequency: 1, aggregation: 'sum' },
  seven: { frequency: 7, aggregation: 'sum' },
};

export function makeStore(options: Partial<StoreOptions> = {}): Store {
  return Store.fromModule(wasm, { metrics: METRICS, ...options });
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Ingests line-protocol text (default cluster "c", now = T unless given). */
export function ingest(store: Store, text: string, cluster = 'c', now = T) {
  return store.ingest(encoder.encode(text), cluster, now);
}

/** One line per [ts, value] for one series of host `host` (cluster c) below `tags`. */
export function series(metric: string, host: string, samples: Array<[number, number]>, tags = ''): string {
  return samples.map(([ts, v]) => `${metric},cluster=c,hostname=${host}${tags} value=${v} ${ts}\n`).join('');
}

/** Samples at T + offset + i*step for each value. */
export function run(values: number[], offset = 0, step = 60): Array<[number, number]> {
  return values.map((v, i) => [T + offset + i * step, v]);
}

/** The answer; taken again in the smallest steps the engine can make (one selector, one point), which must give the same bytes. */
export function queryText(store: Store, req: QueryRequest): string {
  const text = decoder.decode(store.query(req));
  const stepped = decoder.decode(store.query(req, { step: { bytes: 1, selectors: 1, points: 1 } }));
  if (stepped !== text) throw new Error(`the answer in steps differs:\n${stepped}\nfrom\n${text}`);
  return text;
}

export function query(store: Store, req: QueryRequest): any {
  return JSON.parse(queryText(store, req));
}

/** The result row of one query on cluster c (padding off unless asked for). */
export function row(store: Store, q: Record<string, unknown>, from: number, to: number, extra: Partial<QueryRequest> = {}): any[] {
  const req = { cluster: 'c', from, to, queries: [q], 'with-padding': false, ...extra } as QueryRequest;
  return query(store, req).results[0];
}

/** The single entry of a one-selector query (undefined when the row is empty). */
export function entry(store: Store, q: Record<string, unknown>, from: number, to: number, extra: Partial<QueryRequest> = {}): any {
  const r = row(store, q, from, to, extra);
  if (r.length > 1) throw new Error(`expected at most one entry, got ${r.length}`);
  return r[0];
}

export interface DebugChunk { start: number; len: number; end: number; saved?: boolean }

/** The chain of chunks of one series as the debug dump shows it (oldest first). */
export function chunks(store: Store, path: string[], metric: string): DebugChunk[] | undefined {
  const text = store.debugDump(path.slice(0, 2));
  if (text === null) return undefined;
  let level = JSON.parse(text).data;
  for (const name of path.slice(2)) level = level?.[name];
  return level?.[metric];
}

export const NAN = Number.NaN;

/** null for NaN, like schema.Float's MarshalJSON. */
export function nulls(values: number[]): Array<number | null> {
  return values.map((v) => (Number.isNaN(v) ? null : v));
}

export const MSG = {
  range: '[METRICSTORE]> invalid time range',
  front: '[METRICSTORE]> data from lower granularities does not align (missing data prior to start of the buffers)',
  back: '[METRICSTORE]> data from lower granularities does not align (missing data after the end of the buffers)',
  len: '[METRICSTORE]> data from lower granularities does not align (collected data length is different than expected data length)',
  aggregation: '[METRICSTORE]> invalid aggregation',
  unknown: (m: string) => `[METRICSTORE]> unknown metric: ${m}`,
  resolution: (n: number, o: number) => `new sampling frequency (${n}) must be a multiple of old frequency (${o})`,
};

/** An error entry as Go's APIMetricData marshals it: zero numbers, no data. */
export function errorEntry(message: string) {
  return { error: message, from: 0, to: 0, resolution: 0, avg: 0, min: 0, max: 0 };
}
