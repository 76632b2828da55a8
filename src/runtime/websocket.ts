// A W3C WebSocket for the NATS client. Bun, Deno and Node >= 22 have one
// built in; Node 20 does not, so there (and only there) the `ws` package
// stands in, loaded on first use so the other runtimes never import it.

type WebSocketConstructor = new (url: string) => WebSocket;

let cached: WebSocketConstructor | undefined;

export async function webSocketClass(): Promise<WebSocketConstructor> {
  if (cached) return cached;
  const builtIn = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (typeof builtIn === 'function') {
    cached = builtIn;
  } else {
    const { WebSocket: NodeWebSocket } = await import('ws');
    // `ws` implements the W3C interface (binaryType, onopen, onmessage, ...), which is all the client uses.
    cached = NodeWebSocket as unknown as WebSocketConstructor;
  }
  return cached;
}

/** Opens a socket to `url`; `encrypted` tells the client whether it is wss://. */
export async function openWebSocket(url: string): Promise<{ socket: WebSocket; encrypted: boolean }> {
  const Socket = await webSocketClass();
  return { socket: new Socket(url), encrypted: url.startsWith('wss://') };
}
