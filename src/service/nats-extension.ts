// NATS subscriptions as an extension of the service: they feed the same write
// path (store + WAL) as /api/write, start after persistence has restored, and
// are drained before the final checkpoint.

import { ingestLimitsOf } from '../ingest-report.ts';
import { type NatsIngest, startNatsIngest } from '../nats/index.ts';
import type { ExtensionFactory } from './extensions.ts';

export const natsExtension: ExtensionFactory = ({ config, writePath, log }) => {
  let nats: NatsIngest | null = null;
  return {
    service: {
      name: 'NATS subscriptions',
      async start() {
        nats = await startNatsIngest({
          nats: config.nats,
          subscriptions: config.metricStore.natsSubscriptions,
          openBatch: () => writePath.openBatch(),
          log,
          limits: ingestLimitsOf(config),
        });
      },
      async stop() {
        await nats?.stop();
      },
    },
    status: () => (nats ? { nats: nats.counters() } : {}),
  };
};
