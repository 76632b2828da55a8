// What the service hands NATS ingestion: the `nats` section and the
// subscriptions of a config.json, through the one config validation.

import { validateConfig } from '../../../src/config/validate.ts';
import type { NatsIngestOptions } from '../../../src/nats/types.ts';
import type { NatsTuning } from '../../../src/nats/index.ts';

export interface RawNatsConfig {
  /** The `nats` section as in config.json; left out: none. */
  nats?: Record<string, unknown>;
  /** `metric-store.nats-subscriptions` as in config.json. */
  'nats-subscriptions'?: Array<Record<string, unknown>>;
}

export function natsConfig(raw: RawNatsConfig): Pick<NatsIngestOptions, 'nats' | 'subscriptions'> {
  const config = validateConfig(
    {
      main: {},
      metrics: {},
      'metric-store': { 'retention-in-memory': '1h', 'memory-cap': 0, 'nats-subscriptions': raw['nats-subscriptions'] ?? [] },
      ...(raw.nats ? { nats: raw.nats } : {}),
    },
    'test config',
  );
  return { nats: config.nats, subscriptions: config.metricStore.natsSubscriptions };
}

/** Reconnects, JetStream retries, naks and catch-up logs in tens of milliseconds, so a test waits for none of them. */
export const FAST_JETSTREAM: NatsTuning = { reconnectInitialMs: 50, reconnectMaxMs: 200, jetstreamRetryMs: 200, jetstreamNakDelayMs: 100, catchUpLogIntervalMs: 100 };
