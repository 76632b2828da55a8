// HTTP/1.1 spoken by hand over node:net (or node:tls), so the tests send
// exactly what curl or cc-backend send, a GET with a body included, and see
// exactly what comes back.

import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface RawRequest {
  method: string;
  path: string;
  body?: string;
  headers?: Record<string, string>;
}

/** Builds the request bytes as curl does: Host, User-Agent, Accept, and Content-Length with a body. */
export function requestText({ method, path, body, headers = {} }: RawRequest, port: number): string {
  const lines = [`${method} ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'User-Agent: curl/8.14.1', 'Accept: */*'];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  if (body !== undefined) {
    lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
    if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) {
      lines.push('Content-Type: application/x-www-form-urlencoded');
    }
  }
  lines.push('Connection: close');
  return `${lines.join('\r\n')}\r\n\r\n${body ?? ''}`;
}

export function send(port: number, request: RawRequest, options: { tls?: boolean } = {}): Promise<RawResponse> {
  return exchange(port, requestText(request, port), options);
}

/** Sends `bytes` and reads until the server closes the connection. */
export function exchange(port: number, bytes: string | Uint8Array, options: { tls?: boolean } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket: Socket = options.tls
      ? connectTls({ port, host: '127.0.0.1', rejectUnauthorized: false })
      : connectTcp(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on(options.tls ? 'secureConnect' : 'connect', () => socket.write(bytes));
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', reject);
    socket.on('close', () => {
      try {
        resolve(parseResponse(Buffer.concat(chunks)));
      } catch (e) {
        reject(e);
      }
    });
  });
}

export function parseResponse(raw: Buffer): RawResponse {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`no complete response: ${JSON.stringify(raw.toString())}`);
  const [statusLine, ...headerLines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine!)?.[1]);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = raw.subarray(end + 4);
  if (headers['transfer-encoding']?.includes('chunked')) body = dechunk(body);
  else if (headers['content-length'] !== undefined) body = body.subarray(0, Number(headers['content-length']));
  return { status, headers, body: body.toString('utf8') };
}

function dechunk(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at);
    const size = parseInt(data.subarray(at, lineEnd).toString('latin1'), 16);
    if (!size) return Buffer.concat(parts);
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}
