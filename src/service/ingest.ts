// The one ingest path: /api/write and the NATS subscriptions both call it.
// With persistence on (the service's default), persistence provides it: the
// samples are stored and their WAL records appended before it resolves.

import type { IngestResult, MetricStore } from '../engine/types.ts';

export type Ingest = (body: Uint8Array, defaultCluster: string) => Promise<IngestResult>;

/** The store alone, nothing logged: for tests and for a service without persistence. */
export function createIngest(store: MetricStore): Ingest {
  return async (body, cluster) => store.ingest(body, cluster);
}
