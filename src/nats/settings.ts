// What NATS ingestion runs with: the `nats` section and
// `metric-store.nats-subscriptions` as src/config validated them (the address
// parsed into servers, the subjects checked). Config errors are reported there;
// here only what a config check cannot see (an unreadable creds file).

import type { NatsConfig, NatsSubscription } from '../config/types.ts';

export type { NatsTransport as Transport } from '../config/nats-address.ts';

export type ConnectionSettings = Pick<NatsConfig, 'servers' | 'transport' | 'requireTls' | 'tls' | 'username' | 'password' | 'token' | 'credsFilePath'>;

export class NatsConfigError extends Error {
  override name = 'NatsConfigError';
}

/**
 * Why NATS stays off, for the log, or null when it is on. It is off without a
 * `nats` section, with an empty address (the reference warns and goes on) or
 * without subscriptions (nothing to receive).
 */
export function whyOff(nats: NatsConfig | null, subscriptions: readonly NatsSubscription[]): string | null {
  if (!nats) return 'no nats section in the config';
  if (nats.servers.length === 0) return 'nats.address is empty';
  if (subscriptions.length === 0) return 'metric-store.nats-subscriptions is empty';
  return null;
}
