// Opens one NATS connection over WebSocket (ws://, wss://) or TCP (nats://,
// tls://), both from the nats.js v3 family: @nats-io/nats-core's wsconnect and
// @nats-io/transport-node's connect, which runs on Node, Bun and Deno alike.
// TLS over TCP is the client library's (given the files of nats.tls-*); over
// WebSocket it is the socket's, which src/runtime/websocket.ts opens with them.

import { wsconnect, type Authenticator, type NatsConnection } from '@nats-io/nats-core';
import { connect as tcpConnect } from '@nats-io/transport-node';
import { openWebSocket } from '../runtime/websocket.ts';
import type { ConnectionSettings, Transport } from './settings.ts';
import { hasTlsFiles, readTlsMaterial, tcpTlsOptions } from './tls.ts';

export interface ConnectOptions {
  settings: ConnectionSettings;
  authenticators: Authenticator[];
  /** Asked before every reconnect attempt for the wait since the previous one. */
  reconnectDelay: () => number;
  pingIntervalMs: number;
  /** Up to the server's first PONG, per attempt (reconnects included). */
  connectTimeoutMs: number;
  /** Shown by the server's monitoring pages. */
  name: string;
}

// The client library keeps the transport in a module-wide variable that every
// connection reads again when it reconnects: a WebSocket connection and a TCP
// connection open in the same process would reconnect over the wrong one.
// The store opens a single connection; this guard turns the mistake into an error.
let openTransport: Transport | null = null;
let openCount = 0;

export async function openConnection(options: ConnectOptions): Promise<NatsConnection> {
  const { settings } = options;
  if (openCount > 0 && openTransport !== settings.transport) {
    throw new Error(
      `a ${openTransport} NATS connection is open in this process; a ${settings.transport} one cannot be opened beside it`,
    );
  }
  openTransport = settings.transport;
  openCount++;
  const common = {
    servers: settings.servers,
    name: options.name,
    authenticator: options.authenticators,
    maxReconnectAttempts: -1,
    reconnectDelayHandler: options.reconnectDelay,
    pingInterval: options.pingIntervalMs,
    timeout: options.connectTimeoutMs,
    maxPingOut: 3,
    // The reference (nats.go) does not randomise the server list either.
    noRandomize: true,
  };
  let connection: NatsConnection;
  try {
    connection =
      settings.transport === 'websocket'
        ? await wsconnect({ ...common, wsFactory: async (url: string) => openWebSocket(url, await wsTls(settings)) })
        : await tcpConnect({ ...common, ...tcpTls(settings) });
  } catch (err) {
    openCount--;
    throw err;
  }
  void connection.closed().then(() => {
    openCount--;
  });
  return connection;
}

/**
 * tls:// insists on TLS; so do the nats.tls-* files (nats.js then refuses a
 * server that offers none). Without either, nats:// upgrades when the server asks.
 */
function tcpTls(settings: ConnectionSettings): { tls?: ReturnType<typeof tcpTlsOptions> } {
  if (!settings.requireTls && !hasTlsFiles(settings.tls)) return {};
  return { tls: tcpTlsOptions(settings.tls) };
}

/** Read again at every connection attempt, so renewed files apply at the next reconnect. */
async function wsTls(settings: ConnectionSettings) {
  return hasTlsFiles(settings.tls) ? readTlsMaterial(settings.tls) : undefined;
}
