// The hook point for the parts that live beside the API: persistence
// (checkpoints, WAL, restore, retention, cleanup) and the NATS subscriptions.
// Each is an ExtensionFactory added to EXTENSIONS in start order; the service
// starts them before it listens and stops them, in reverse order, after the
// HTTP server has drained.

import type { ServiceConfig } from '../config/types.ts';
import type { MetricStore } from '../engine/types.ts';
import type { Logger } from '../log.ts';
import type { Ingest, IngestObserver } from './ingest.ts';
import type { Service } from './lifecycle.ts';
import { natsExtension } from './nats-extension.ts';

export interface ExtensionContext {
  config: ServiceConfig;
  store: MetricStore;
  log: Logger;
  /** The same ingest path as /api/write, observers included (for NATS). */
  ingest: Ingest;
}

export interface Extension {
  /** Started before the HTTP server listens, stopped after it has closed. */
  service?: Service;
  /** Sees every ingest result before the sender is answered (for the WAL). */
  observeIngest?: IngestObserver;
  /** Counters for the debug output (`/api/debug` without a selector), keyed by subsystem. */
  status?: () => Record<string, unknown>;
}

export type ExtensionFactory = (context: ExtensionContext) => Extension | Promise<Extension>;

/** Persistence first (it restores before anything is ingested), then NATS. */
export const EXTENSIONS: ExtensionFactory[] = [natsExtension];
