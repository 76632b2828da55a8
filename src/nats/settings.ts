// Reads the `nats` section and `metric-store.nats-subscriptions` into what the
// connection needs, and says clearly which key is wrong when one is.

import type { NatsIngestConfig } from './types.ts';

export type Transport = 'websocket' | 'tcp';

export interface ConnectionSettings {
  /** Server URLs as the client library takes them. */
  servers: string[];
  transport: Transport;
  /** `tls://` asks for TLS on a TCP connection (a `nats://` one upgrades if the server wants it). */
  requireTls: boolean;
  username: string;
  password: string;
  token: string;
  credsFilePath: string;
}

export interface SubscriptionSettings {
  subject: string;
  clusterTag: string;
}

export interface NatsSettings {
  connection: ConnectionSettings;
  subscriptions: SubscriptionSettings[];
}

export class NatsConfigError extends Error {
  override name = 'NatsConfigError';
}

const SCHEMES: Record<string, { transport: Transport; tls: boolean }> = {
  'nats:': { transport: 'tcp', tls: false },
  'tls:': { transport: 'tcp', tls: true },
  'ws:': { transport: 'websocket', tls: false },
  'wss:': { transport: 'websocket', tls: false },
};

/** Why NATS stays off, for the log. */
export interface NatsOff {
  off: string;
}

/**
 * NATS is off without a `nats` section, with an empty address (the reference
 * warns and goes on) or without subscriptions (nothing to receive).
 */
export function readNatsSettings(config: NatsIngestConfig): NatsSettings | NatsOff {
  const section = config.nats;
  const entries = config['metric-store']?.['nats-subscriptions'] ?? [];
  if (!section) return { off: 'no nats section in the config' };
  if (!section.address) return { off: 'nats.address is empty' };
  if (!Array.isArray(entries)) throw new NatsConfigError('metric-store.nats-subscriptions must be a list');
  if (entries.length === 0) return { off: 'metric-store.nats-subscriptions is empty' };

  const parsed = parseAddress(section.address);
  const connection: ConnectionSettings = {
    ...parsed,
    username: optionalString(section.username, 'nats.username'),
    password: optionalString(section.password, 'nats.password'),
    token: optionalString(section.token, 'nats.token'),
    credsFilePath: optionalString(section['creds-file-path'], 'nats.creds-file-path'),
  };
  if (connection.password && !connection.username) {
    throw new NatsConfigError('nats.password is set but nats.username is not');
  }

  const subscriptions = entries.map((entry, i) => {
    const where = `metric-store.nats-subscriptions[${i}]`;
    const subject = entry?.['subscribe-to'];
    if (typeof subject !== 'string' || subject === '') {
      throw new NatsConfigError(`${where}.subscribe-to must be a non-empty NATS subject`);
    }
    if (/\s/.test(subject) || subject.split('.').some((token) => token === '')) {
      throw new NatsConfigError(`${where}.subscribe-to "${subject}" is not a valid NATS subject`);
    }
    return { subject, clusterTag: optionalString(entry['cluster-tag'], `${where}.cluster-tag`) };
  });

  return { connection, subscriptions };
}

/** `nats.address` may list several servers, separated by commas, as nats.go accepts. */
function parseAddress(address: string): Pick<ConnectionSettings, 'servers' | 'transport' | 'requireTls'> {
  const servers: string[] = [];
  const kinds = new Set<Transport>();
  let requireTls = false;
  for (const raw of address.split(',')) {
    const text = raw.trim();
    if (text === '') continue;
    // A bare host:port means nats://, as in nats.go.
    const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `nats://${text}`;
    let url: URL;
    try {
      url = new URL(withScheme);
    } catch {
      throw new NatsConfigError(`nats.address "${text}" is not a URL`);
    }
    const scheme = SCHEMES[url.protocol];
    if (!scheme) {
      throw new NatsConfigError(
        `nats.address "${text}": scheme ${url.protocol}// is not supported (use nats://, tls://, ws:// or wss://)`,
      );
    }
    if (url.hostname === '') throw new NatsConfigError(`nats.address "${text}" names no host`);
    kinds.add(scheme.transport);
    requireTls ||= scheme.tls;
    servers.push(withScheme);
  }
  if (servers.length === 0) throw new NatsConfigError('nats.address names no server');
  if (kinds.size > 1) {
    throw new NatsConfigError('nats.address mixes WebSocket (ws://, wss://) and TCP (nats://, tls://) servers');
  }
  return { servers, transport: [...kinds][0]!, requireTls };
}

function optionalString(value: unknown, key: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new NatsConfigError(`${key} must be a string`);
  return value;
}
