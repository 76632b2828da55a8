// Requests through app.fetch, the way @hono/node-server delivers them: the
// body also comes as a node:http-like IncomingMessage in env.incoming, which is
// the only way a GET body reaches the handlers.

import { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import type { Hono } from 'hono';
import type { AppEnv } from '../../src/api/routes/context.ts';

export interface CallOptions {
  method?: string;
  body?: string | Uint8Array;
  headers?: Record<string, string>;
}

export async function call(app: Hono<AppEnv>, path: string, options: CallOptions = {}): Promise<Response> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { ...options.headers };
  const bytes = typeof options.body === 'string' ? new TextEncoder().encode(options.body) : options.body;
  if (bytes) headers['content-length'] = String(bytes.byteLength);
  // Request objects cannot carry a GET body; the IncomingMessage does.
  const canCarryBody = method !== 'GET' && method !== 'HEAD';
  const request = new Request(`http://localhost${path}`, {
    method,
    headers,
    body: canCarryBody && bytes ? (bytes as Uint8Array<ArrayBuffer>) : null,
  });
  return app.fetch(request, { incoming: incomingMessage(bytes, headers) });
}

/** Through app.fetch without env, as any fetch-style runtime would call it. */
export function fetchOnly(app: Hono<AppEnv>, path: string, init: RequestInit = {}): Promise<Response> {
  return Promise.resolve(app.fetch(new Request(`http://localhost${path}`, init)));
}

export function incomingMessage(body: Uint8Array | undefined, headers: Record<string, string>): IncomingMessage {
  const stream = Readable.from(body ? [Buffer.from(body)] : []);
  return Object.assign(stream, { headers }) as unknown as IncomingMessage;
}

export async function json(res: Response): Promise<unknown> {
  return JSON.parse(await res.text());
}
