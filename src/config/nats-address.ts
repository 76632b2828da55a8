// `nats.address`: one or more NATS servers, separated by commas, as nats.go
// accepts them. The scheme picks the transport: nats:// and tls:// are TCP
// (tls:// insists on TLS), ws:// and wss:// are WebSocket; a bare host:port
// means nats://. One address never mixes TCP and WebSocket servers, because
// the client library keeps one transport per process.

export type NatsTransport = 'tcp' | 'websocket';

export interface NatsServers {
  /** Server URLs, each with its scheme. Empty when the address is empty (NATS then stays off). */
  servers: string[];
  transport: NatsTransport;
  /**
   * The address insists on TLS: tls:// (a nats:// connection upgrades only when the
   * server asks) or wss://. Over WebSocket the socket itself is TLS; the client library
   * refuses a \`tls\` option there, so only a TCP connection is handed this.
   */
  requireTls: boolean;
}

const SCHEMES: Record<string, { transport: NatsTransport; tls: boolean }> = {
  'nats:': { transport: 'tcp', tls: false },
  'tls:': { transport: 'tcp', tls: true },
  'ws:': { transport: 'websocket', tls: false },
  'wss:': { transport: 'websocket', tls: true },
};

/** The servers of `address`, or why it is not an address. */
export function parseNatsAddress(address: string): NatsServers | { error: string } {
  if (address === '') return { servers: [], transport: 'tcp', requireTls: false };
  const servers: string[] = [];
  const kinds = new Set<NatsTransport>();
  let requireTls = false;
  for (const raw of address.split(',')) {
    const text = raw.trim();
    if (text === '') continue;
    const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `nats://${text}`;
    let url: URL;
    try {
      url = new URL(withScheme);
    } catch {
      return { error: `"${text}" is not a URL` };
    }
    const scheme = SCHEMES[url.protocol];
    if (!scheme) return { error: `"${text}": scheme ${url.protocol}// is not supported (use nats://, tls://, ws:// or wss://)` };
    if (url.hostname === '') return { error: `"${text}" names no host` };
    kinds.add(scheme.transport);
    requireTls ||= scheme.tls;
    servers.push(withScheme);
  }
  if (servers.length === 0) return { error: `${JSON.stringify(address)} names no server` };
  if (kinds.size > 1) return { error: 'mixes WebSocket (ws://, wss://) and TCP (nats://, tls://) servers' };
  return { servers, transport: [...kinds][0]!, requireTls };
}

/** A subject to subscribe to: tokens separated by dots, none empty, no whitespace (wildcards * and > allowed). */
export function isNatsSubject(subject: string): boolean {
  return subject !== '' && !/\s/.test(subject) && !subject.split('.').some((token) => token === '');
}
