// Serving the app over node:http(s) through @hono/node-server on all three
// runtimes: cc-backend sends GET /api/query with a body, which the native Bun
// and Deno servers drop, while their node:http passes it on.

import { getRequestListener } from '@hono/node-server';
import { type IncomingMessage, type Server, type ServerResponse, createServer as createPlainServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { readFile } from 'node:fs/promises';
import { type ConnectionLimits, type ConnectionStats, trackConnections } from './connection-guard.ts';

type FetchCallback = Parameters<typeof getRequestListener>[0];

export interface HttpServerOptions {
  fetch: FetchCallback;
  /** Asked first about every request; when it returns false, `fetch` answers (src/api/direct-handler.ts). */
  direct?: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** Empty: every interface. */
  host: string;
  port: number;
  tls?: { certFile: string; keyFile: string } | null;
  /** Caps and timeouts of the connections (see connection-guard.ts); none when absent. */
  limits?: ConnectionLimits;
}

export interface RunningHttpServer {
  readonly protocol: 'http' | 'https';
  readonly host: string;
  readonly port: number;
  /** Stops accepting, lets requests in flight finish (at most `graceMs`), then closes every connection. */
  close(graceMs?: number): Promise<void>;
  /** Connections open now (Bun's node:http reports a connection once it has sent a request). */
  openConnections(): number;
  /** Caps, evictions and timeouts of the connection guard; null without limits. */
  connections(): ConnectionStats | null;
}

export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const tls = options.tls ? await loadKeyPair(options.tls.certFile, options.tls.keyFile) : null;
  const serverOptions = { ...nodeTimeouts(options.limits), ...tls };
  const viaFetch = getRequestListener(options.fetch);
  const direct = options.direct;
  const server = (tls ? createHttpsServer(serverOptions) : createPlainServer(serverOptions)) as Server;
  const guard = options.limits ? trackConnections(server, options.limits) : null;
  // One 'request' listener that tells the guard first (before anything can
  // answer, so it sees the response's end) rather than a listener of each.
  const track = guard?.request;
  const answer = direct
    ? (req: IncomingMessage, res: ServerResponse) => {
        if (!direct(req, res)) void viaFetch(req, res);
      }
    : viaFetch;
  const listener = track
    ? (req: IncomingMessage, res: ServerResponse) => {
        track(req, res);
        answer(req, res);
      }
    : answer;
  server.on('request', listener);

  let open = 0;
  server.on('connection', (socket: Socket) => {
    open++;
    socket.once('close', () => open--);
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error) => reject(new Error(`starting listener on '${options.host}:${options.port}': ${e.message}`));
    server.once('error', onError);
    server.listen(options.port, options.host || undefined, () => {
      server.off('error', onError);
      resolve();
    });
  });

  const address = server.address() as AddressInfo;
  return {
    protocol: tls ? 'https' : 'http',
    host: address.address,
    port: address.port,
    close: (graceMs = 30_000) => closeGracefully(server, graceMs),
    openConnections: () => open,
    connections: () => guard?.stats() ?? null,
  };
}

/**
 * node:http's own timeouts, set so that they never cut a connection before
 * the guard would: its keep-alive timeout (5 s by default) a little after our
 * idle timeout, its header and request timeouts (checked every 30 s) off.
 */
function nodeTimeouts(limits: ConnectionLimits | undefined) {
  if (!limits) return {};
  return { keepAliveTimeout: limits.idleTimeoutMs + 1000, headersTimeout: 0, requestTimeout: 0, handshakeTimeout: limits.headerTimeoutMs };
}

async function loadKeyPair(certFile: string, keyFile: string) {
  try {
    const [cert, key] = await Promise.all([readFile(certFile), readFile(keyFile)]);
    return { cert, key };
  } catch (e) {
    throw new Error(
      `loading X509 keypair (check 'https-cert-file' and 'https-key-file' in config.json): ${(e as Error).message}`,
    );
  }
}

function closeGracefully(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    // Keep-alive connections turn idle once their request is answered; close
    // them as they do, and everything still open when the grace period ends.
    const idleSweep = setInterval(() => server.closeIdleConnections?.(), 50);
    const deadline = setTimeout(() => server.closeAllConnections?.(), graceMs);
    server.close(() => {
      clearInterval(idleSweep);
      clearTimeout(deadline);
      resolve();
    });
    server.closeIdleConnections?.();
  });
}
