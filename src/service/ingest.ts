// The one ingest path: /api/write and the NATS subscriptions both call it.
// Observers see every result before the caller is answered; persistence uses
// this to append the WAL records of accepted samples before a write is
// acknowledged.

import type { IngestResult, MetricStore } from '../engine/types.ts';

export type Ingest = (body: Uint8Array, defaultCluster: string) => Promise<IngestResult>;

export type IngestObserver = (result: IngestResult, defaultCluster: string) => void | Promise<void>;

export function createIngest(store: MetricStore, observers: readonly IngestObserver[] = []): Ingest {
  if (observers.length === 0) return async (body, cluster) => store.ingest(body, cluster);
  return async (body, cluster) => {
    const result = store.ingest(body, cluster);
    for (const observe of observers) await observe(result, cluster);
    return result;
  };
}
