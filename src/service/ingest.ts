// The one write path: /api/write and the NATS subscriptions both use it.
// With persistence on (the service's default), persistence provides it: the
// samples are stored and their WAL records appended before it resolves.

import type { IngestBody, IngestResult, MetricStore } from '../engine/types.ts';

/**
 * One body: stored, and its WAL records appended, when the promise resolves,
 * or on return when the result comes as it is (nothing was left to wait for:
 * a small write answered in the same turn, without a promise). Rejects (or
 * throws) WalWriteError when the samples were stored but their records could
 * not be written. The body is read within the call, never after it returns:
 * the caller may free its buffers then (api/body-release.ts).
 */
export type Ingest = (body: IngestBody, defaultCluster: string) => IngestResult | Promise<IngestResult>;

/** The WAL append of a stored body failed: its samples are in memory only (until the next checkpoint). */
export class WalWriteError extends Error {
  constructor(
    readonly result: IngestResult,
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'WalWriteError';
  }
}

/**
 * Several bodies in a row (NATS messages that queued up): each is stored when
 * it is added; `commit`, called in the same event-loop turn, appends the WAL
 * records of all of them together and resolves once they are in the files.
 */
export interface IngestBatch {
  ingest(body: IngestBody, defaultCluster: string): IngestResult;
  commit(): Promise<void>;
}

export interface WritePath {
  ingest: Ingest;
  openBatch(): IngestBatch;
}

/** The store alone, nothing logged: for tests and for a service without persistence. */
export function createIngest(store: MetricStore): Ingest {
  return async (body, cluster) => store.ingest(body, cluster);
}

/** The write path of a service without persistence: the store alone. */
export function storeWritePath(store: MetricStore): WritePath {
  return {
    ingest: createIngest(store),
    openBatch: () => ({ ingest: (body, cluster) => store.ingest(body, cluster), commit: () => Promise.resolve() }),
  };
}
