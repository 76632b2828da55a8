// A publishing client over the same transport as the connection under test
// (the client library cannot mix WebSocket and TCP connections in one process).

import { wsconnect, type NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { openWebSocket } from '../../../src/runtime/websocket.ts';

export function publisher(
  url: string,
  user: string,
  pass: string,
  extra: { reconnect?: boolean; reconnectTimeWait?: number } = {},
): Promise<NatsConnection> {
  const common = { servers: url, user, pass, maxReconnectAttempts: -1, ...extra };
  return url.startsWith('ws')
    ? wsconnect({ ...common, wsFactory: (u: string) => openWebSocket(u) })
    : connect(common);
}
