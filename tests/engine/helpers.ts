// Shared set-up for the engine tests: one compiled module, stores on demand.
import { readFileSync } from 'node:fs';
import { Store } from '../../src/engine/store.ts';
import type { MetricTable, StoreOptions } from '../../src/engine/types.ts';

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

export function queryJson(store: Store, req: Parameters<Store['query']>[0]): any {
  return JSON.parse(new TextDecoder().decode(store.query(req)));
}
