// Shared set-up for the engine tests: one compiled module, stores on demand,
// and ways to look at what a store holds.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { Store } from '../../src/engine/store.ts';
import type { LevelData, MetricTable, QueryRequest, SeriesData, StoreOptions } from '../../src/engine/types.ts';

const bytes = readFileSync(new URL('../../build/engine.wasm', import.meta.url));
export const engineModule = new WebAssembly.Module(bytes);

export const METRICS: MetricTable = {
  cpu_load: { frequency: 60, aggregation: null },
  cpu_user: { frequency: 60, aggregation: 'avg' },
  mem_bw: { frequency: 60, aggregation: 'sum' },
  flops_any: { frequency: 60, aggregation: 'sum' },
  mem_used: { frequency: 60, aggregation: null },
  fast: { frequency: 1, aggregation: 'sum' },
  ten: { frequency: 10, aggregation: 'avg' },
};

export function makeStore(options: Partial<StoreOptions> = {}): Store {
  return Store.fromModule(engineModule, { metrics: METRICS, ...options });
}

const enc = new TextEncoder();
export function lp(text: string): Uint8Array {
  return enc.encode(text);
}

/** The same line-protocol text into every store (twins that must stay alike), each accepting all of it. */
export function ingestAll(stores: Store[], text: string, cluster: string, now: number): void {
  if (text === '') return;
  for (const s of stores) {
    const r = s.ingest(lp(text), cluster, now);
    expect(r.error).toBeNull();
    expect(r.reasons).toEqual({});
  }
}

export function queryJson(store: Store, req: QueryRequest): any {
  return JSON.parse(new TextDecoder().decode(store.query(req)));
}

/** The level at `path` below a host, from a full export in one file (undefined when absent). */
export function levelOf(store: Store, cluster: string, host: string, path: string[] = []): LevelData | undefined {
  const files = store.exportHost(cluster, host, { unsavedOnly: false })?.files ?? [];
  if (files.length > 1) throw new Error(`levelOf: the export of ${cluster}/${host} is ${files.length} files (a series with gaps)`);
  let level: LevelData | undefined = files[0];
  for (const name of path) level = level?.children.get(name);
  return level;
}

/** One series of a host (whole, as a checkpoint would hold it). */
export function seriesOf(store: Store, cluster: string, host: string, path: string[], metric: string): SeriesData | undefined {
  return levelOf(store, cluster, host, path)?.metrics.get(metric);
}

/** The samples of a series as [timestamp of the slot's middle, value] pairs, NaN slots left out. */
export function samplesOf(store: Store, cluster: string, host: string, path: string[], metric: string): Array<[number, number]> {
  const s = seriesOf(store, cluster, host, path, metric);
  if (!s) return [];
  const out: Array<[number, number]> = [];
  s.values.forEach((v, i) => {
    if (!Number.isNaN(v)) out.push([s.start + i * s.frequency + Math.floor(s.frequency / 2), v]);
  });
  return out;
}

/** A single-series read over [from, to) through the query path. */
export function read(store: Store, cluster: string, host: string, metric: string, from: number, to: number, extra: Record<string, unknown> = {}): any {
  const res = queryJson(store, { cluster, from, to, queries: [{ metric, host, ...extra }], 'with-padding': false } as QueryRequest);
  return res.results[0][0];
}

/** The engine's codec exports, for tests that encode and decode chunks directly. */
export interface CodecExports {
  memory: WebAssembly.Memory;
  init(index: number, count: number, limitPages: number, wal: number): number;
  ioBuffer(size: number): number;
  codecEncode(valuesOffset: number, len: number, outOffset: number, codec: number): number;
  codecDecode(blockOffset: number, size: number, outOffset: number): number;
}

/** A fresh engine instance of one shard set up for codec calls, and its io buffer's offset (`ioBytes` long). */
export function codecInstance(ioBytes = 16384): { x: CodecExports; io: number } {
  const x = new WebAssembly.Instance(engineModule, {}).exports as unknown as CodecExports;
  x.init(0, 1, 65536, 0);
  return { x, io: x.ioBuffer(ioBytes) >>> 0 };
}
