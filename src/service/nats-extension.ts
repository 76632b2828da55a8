// NATS subscriptions as an extension of the service: they feed the same ingest
// path (store + WAL) as /api/write, start after persistence has restored, and
// are drained before the final checkpoint.

import type { ServiceConfig } from '../config/types.ts';
import { type NatsIngest, type NatsIngestConfig, startNatsIngest } from '../nats/index.ts';
import type { ExtensionFactory } from './extensions.ts';

export const natsExtension: ExtensionFactory = ({ config, writePath, log }) => {
  let nats: NatsIngest | null = null;
  return {
    service: {
      name: 'NATS subscriptions',
      async start() {
        nats = await startNatsIngest({ config: natsIngestConfig(config), openBatch: () => writePath.openBatch(), log });
      },
      async stop() {
        await nats?.stop();
      },
    },
    status: () => (nats ? { nats: nats.counters() } : {}),
  };
};

/** The validated config in the shape of config.json's keys, which the NATS module reads. */
function natsIngestConfig(config: ServiceConfig): NatsIngestConfig {
  const { nats, metricStore } = config;
  return {
    nats: nats && {
      address: nats.address,
      username: nats.username || undefined,
      password: nats.password || undefined,
      'creds-file-path': nats.credsFilePath || undefined,
      token: nats.token || undefined,
    },
    'metric-store': {
      'nats-subscriptions': metricStore.natsSubscriptions.map((s) => ({
        'subscribe-to': s.subscribeTo,
        'cluster-tag': s.clusterTag || undefined,
      })),
    },
  };
}
