// Serving the app over node:http(s) through @hono/node-server on all three
// runtimes: cc-backend sends GET /api/query with a body, which the native Bun
// and Deno servers drop, while their node:http passes it on.

import { createAdaptorServer } from '@hono/node-server';
import type { Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { readFile } from 'node:fs/promises';

type FetchCallback = Parameters<typeof createAdaptorServer>[0]['fetch'];

export interface HttpServerOptions {
  fetch: FetchCallback;
  /** Empty: every interface. */
  host: string;
  port: number;
  tls?: { certFile: string; keyFile: string } | null;
}

export interface RunningHttpServer {
  readonly protocol: 'http' | 'https';
  readonly host: string;
  readonly port: number;
  /** Stops accepting, lets requests in flight finish (at most `graceMs`), then closes every connection. */
  close(graceMs?: number): Promise<void>;
  /** Connections open now (Bun's node:http reports a connection once it has sent a request). */
  openConnections(): number;
}

export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const tls = options.tls ? await loadKeyPair(options.tls.certFile, options.tls.keyFile) : null;
  const server = (
    tls
      ? createAdaptorServer({ fetch: options.fetch, createServer: createHttpsServer, serverOptions: tls })
      : createAdaptorServer({ fetch: options.fetch })
  ) as Server;

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
  };
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
