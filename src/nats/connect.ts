// Opens one NATS connection over WebSocket (ws://, wss://) or TCP (nats://),
// both from the nats.js v3 family: @nats-io/nats-core's wsconnect and
// @nats-io/transport-node's connect, which runs on Node, Bun and Deno alike.

import { wsconnect, type Authenticator, type NatsConnection } from '@nats-io/nats-core';
import { connect as tcpConnect } from '@nats-io/transport-node';
import { openWebSocket } from '../runtime/websocket.ts';
import type { ConnectionSettings, Transport } from './settings.ts';

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
        ? await wsconnect({ ...common, wsFactory: (url: string) => openWebSocket(url) })
        : await tcpConnect({ ...common, ...(settings.requireTls ? { tls: {} } : {}) });
  } catch (err) {
    openCount--;
    throw err;
  }
  void connection.closed().then(() => {
    openCount--;
  });
  return connection;
}
