// A publishing client over the same transport as the connection under test
// (the client library cannot mix WebSocket and TCP connections in one process).

import { wsconnect, type NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { openWebSocket } from '../../../src/runtime/websocket.ts';

export function publisher(
  url: string,
  user: string,
  pass: string,
  extra: { reconnectTimeWait?: number; token?: string; /** PEM of the CA that signed a TLS server's certificate. */ ca?: string } = {},
): Promise<NatsConnection> {
  const auth = extra.token ? { token: extra.token } : { user, pass };
  const common = { servers: url, maxReconnectAttempts: -1, reconnectTimeWait: extra.reconnectTimeWait, ...auth };
  return url.startsWith('ws')
    ? wsconnect({ ...common, wsFactory: (u: string) => openWebSocket(u, extra.ca ? { ca: extra.ca } : undefined) })
    : connect({ ...common, ...(extra.ca ? { tls: { ca: extra.ca } } : {}) });
}
