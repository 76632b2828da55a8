// Creating the storage engine from the configuration.

import type { ServiceConfig } from '../config/types.ts';
import type { MetricStore, StoreOptions } from '../engine/types.ts';
import { createStore } from '../runtime/engine-wasm.ts';

export function storeOptions(config: ServiceConfig): StoreOptions {
  const ms = config.metricStore;
  return {
    metrics: config.metrics,
    shards: ms.shards,
    shardMemoryLimit: ms.shardMemoryLimit,
    // Persistence logs every accepted sample in either file format.
    wal: true,
    // Older than what retention keeps, or too far ahead: rejected (README "Write").
    ingestWindow: { pastSeconds: ms.retentionInMemorySeconds, futureSeconds: ms.maxFutureSkewSeconds },
    maxHostsPerBody: config.main.limits.maxHostsPerWrite,
    compression: ms.compression,
  };
}

/** The WASM engine (build/engine.wasm), compiled once per process. */
export function openStore(options: StoreOptions): Promise<MetricStore> {
  return createStore(options);
}
