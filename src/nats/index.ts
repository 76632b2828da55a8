// NATS ingestion: every configured subscription feeds its messages, as line
// protocol with the subscription's cluster tag as default cluster, into the
// same ingest path (and WAL) as POST /api/write.

import { buildAuthenticators } from './auth.ts';
import { whyOff } from './settings.ts';
import { hasTlsFiles, readTlsMaterial } from './tls.ts';
import { NatsSubscriber } from './subscriber.ts';
import type { NatsIngest, NatsIngestOptions } from './types.ts';

export { NatsConfigError } from './settings.ts';
export { JetStreamSetupError } from './jetstream-setup.ts';
export type * from './types.ts';

/**
 * Starts NATS ingestion in the background: the store serves HTTP whether or
 * not NATS is reachable. Core NATS alone returns at once; with JetStream
 * subscriptions it waits for the first connection attempt (some seconds at
 * most, nats.go's connect timeout per server) and, connected, for their
 * streams and consumers. Returns null when the config leaves NATS off (logged
 * at info). Rejects when the creds file or a nats.tls-* file cannot be used
 * (NatsConfigError, naming the key), or when, connected at start-up, a
 * stream is missing without create-stream or a consumer cannot serve its
 * entry (JetStreamSetupError, naming the entry and what to run); the rest of
 * the config was checked by src/config.
 * Call `stop()` before the store and its WAL are closed.
 */
export async function startNatsIngest(options: NatsIngestOptions): Promise<NatsIngest | null> {
  const { nats, subscriptions, openBatch, log, tuning, limits } = options;
  const off = whyOff(nats, subscriptions);
  if (off !== null || !nats) {
    log.info(`NATS: off (${off})`);
    return null;
  }
  const authenticators = await buildAuthenticators(nats, log);
  if (hasTlsFiles(nats.tls)) await readTlsMaterial(nats.tls);
  const subscriber = new NatsSubscriber(nats, subscriptions, authenticators, openBatch, log, tuning, limits);
  await subscriber.startUp();
  return subscriber;
}
