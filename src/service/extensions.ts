// The hook point for the parts that live beside the API: persistence
// (checkpoints, WAL, restore, retention, cleanup) and the NATS subscriptions.
// Each is an ExtensionFactory added to EXTENSIONS in start order; the service
// starts them before it listens and stops them, in reverse order, after the
// HTTP server has drained.

import type { ServiceConfig } from '../config/types.ts';
import type { MetricStore } from '../engine/types.ts';
import type { Logger } from '../log.ts';
import type { WritePath } from './ingest.ts';
import type { Service } from './lifecycle.ts';
import { natsExtension } from './nats-extension.ts';
import { persistenceExtension } from './persistence-extension.ts';

export interface ExtensionContext {
  config: ServiceConfig;
  store: MetricStore;
  log: Logger;
  /** The same write path as /api/write (for NATS); usable once the extensions have started. */
  writePath: WritePath;
}

export interface Extension {
  /** Started before the HTTP server listens, stopped after it has closed. */
  service?: Service;
  /**
   * The write path of /api/write and NATS, when this extension owns it
   * (persistence: store + WAL append before the answer). At most one extension
   * provides it; without one, samples go straight into the store.
   */
  writePath?: WritePath;
  /** Counters for the debug output (`/api/debug` without a selector), keyed by subsystem. */
  status?: () => Record<string, unknown>;
}

export type ExtensionFactory = (context: ExtensionContext) => Extension | Promise<Extension>;

/** Persistence first (it restores before anything is ingested), then NATS. */
export const EXTENSIONS: ExtensionFactory[] = [persistenceExtension, natsExtension];
