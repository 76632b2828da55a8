// A W3C WebSocket for the NATS client. Bun, Deno and Node >= 22 have one
// built in; Node 20 does not, so there (and only there) the `ws` package
// stands in, loaded on first use so the other runtimes never import it.
// A wss:// server with a site's own CA (or one asking for a client
// certificate) needs TLS options that the W3C constructor has no place for:
// Bun takes them as `tls`, Deno through an HTTP client (`client`), and on Node
// the `ws` package takes them (Node's built-in WebSocket cannot).

import { runtimeName } from './platform.ts';

type WebSocketConstructor = new (url: string) => WebSocket;

/** PEM text; a field is absent when not given. */
export interface WebSocketTls {
  ca?: string;
  cert?: string;
  key?: string;
}

declare const Deno: {
  createHttpClient(options: { caCerts?: string[]; cert?: string; key?: string }): { close(): void };
};

let cached: WebSocketConstructor | undefined;

export async function webSocketClass(): Promise<WebSocketConstructor> {
  if (cached) return cached;
  const builtIn = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (typeof builtIn === 'function') {
    cached = builtIn;
  } else {
    cached = await wsPackage();
  }
  return cached;
}

async function wsPackage(): Promise<WebSocketConstructor> {
  const { WebSocket: NodeWebSocket } = await import('ws');
  // `ws` implements the W3C interface (binaryType, onopen, onmessage, ...), which is all the client uses.
  return NodeWebSocket as unknown as WebSocketConstructor;
}

/** Opens a socket to `url`; `encrypted` tells the client whether it is wss://. `tls` applies to wss:// only. */
export async function openWebSocket(url: string, tls?: WebSocketTls): Promise<{ socket: WebSocket; encrypted: boolean }> {
  const encrypted = url.startsWith('wss://');
  if (!encrypted || !tls || (tls.ca === undefined && tls.cert === undefined)) {
    const Socket = await webSocketClass();
    return { socket: new Socket(url), encrypted };
  }
  return { socket: await openWithTls(url, tls), encrypted };
}

type SocketWithOptions = new (url: string, options: object) => WebSocket;

async function openWithTls(url: string, tls: WebSocketTls): Promise<WebSocket> {
  const { ca, cert, key } = tls;
  switch (runtimeName()) {
    case 'bun': {
      const Socket = (globalThis as unknown as { WebSocket: SocketWithOptions }).WebSocket;
      return new Socket(url, { tls: { ...(ca ? { ca } : {}), ...(cert ? { cert, key } : {}) } });
    }
    case 'deno': {
      const client = Deno.createHttpClient({ ...(ca ? { caCerts: [ca] } : {}), ...(cert ? { cert, key } : {}) });
      const Socket = (globalThis as unknown as { WebSocket: SocketWithOptions }).WebSocket;
      const socket = new Socket(url, { client });
      // The HTTP client holds a resource of its own until it is closed.
      socket.addEventListener('close', () => client.close());
      return socket;
    }
    default: {
      const Socket = (await wsPackage()) as unknown as SocketWithOptions;
      return new Socket(url, { ...(ca ? { ca } : {}), ...(cert ? { cert, key } : {}) });
    }
  }
}
