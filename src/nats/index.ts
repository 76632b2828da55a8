// NATS ingestion: every configured subscription feeds its messages, as line
// protocol with the subscription's cluster tag as default cluster, into the
// same ingest path (and WAL) as POST /api/write.

import { buildAuthenticators } from './auth.ts';
import { readNatsSettings } from './settings.ts';
import { NatsSubscriber } from './subscriber.ts';
import type { NatsIngest, NatsIngestOptions } from './types.ts';

export { NatsConfigError } from './settings.ts';
export type * from './types.ts';

/**
 * Starts NATS ingestion in the background and returns at once: the store
 * serves HTTP whether or not NATS is reachable. Returns null when the config
 * leaves NATS off (logged at info). Rejects only on a config error, naming the key.
 * Call `stop()` before the store and its WAL are closed.
 */
export async function startNatsIngest(options: NatsIngestOptions): Promise<NatsIngest | null> {
  const { config, openBatch, log, tuning } = options;
  const settings = readNatsSettings(config);
  if ('off' in settings) {
    log.info(`NATS: off (${settings.off})`);
    return null;
  }
  const authenticators = await buildAuthenticators(settings.connection, log);
  const subscriber = new NatsSubscriber(settings, authenticators, openBatch, log, tuning);
  subscriber.start();
  return subscriber;
}
