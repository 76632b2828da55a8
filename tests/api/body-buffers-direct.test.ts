// The direct handler with the service's BodyBuffers (api/body-buffers.ts): a
// write body that arrives in several reads of the socket is gathered into a
// kept buffer, handed to the store whole, and the buffer goes back for the next
// body (not detached with the socket chunks); a body cut short stores nothing.
import { type Server, createServer } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../src/api/app.ts';
import { BodyBuffers } from '../../src/api/body-buffers.ts';
import { createTestStore } from '../support/test-store.ts';

/** About 600 KB of lines: several 64 KiB reads of the socket. */
function bigBody(ts: number): string {
  const lines: string[] = [];
  for (let i = 0; i < 8000; i++) lines.push(`cpu_load,cluster=fritz,hostname=h${i % 64},type=hwthread,type-id=${i} value=${i % 100} ${ts}`);
  return lines.join('\n');
}

/** Sends `text` raw on a new connection and gives back the status line ('' when the server closed without one). */
function send(port: number, text: string, { cut = false } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let got = '';
    socket.on('data', (d) => (got += d));
    socket.on('close', () => resolve(got.split('\r\n')[0] ?? ''));
    socket.on('error', reject);
    socket.once('connect', () => {
      if (cut) {
        // Half of the body, then the connection is gone.
        socket.write(text.slice(0, Math.floor(text.length / 2)), () => setTimeout(() => socket.destroy(), 50));
      } else {
        socket.end(text);
      }
    });
  });
}

const post = (body: string, length = Buffer.byteLength(body)) =>
  `POST /api/write?cluster=fritz HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\ncontent-length: ${length}\r\n\r\n${body}`;

describe('write bodies gathered into kept buffers by the direct handler', () => {
  const store = createTestStore();
  const bodyBuffers = new BodyBuffers();
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    const { direct } = createApi({ store, bodyBuffers });
    server = createServer((req, res) => {
      if (!direct(req, res)) res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('stores a body of many reads whole and keeps its buffer for the next body', async () => {
    const first = bigBody(1725620400);
    expect(await send(port, post(first))).toBe('HTTP/1.1 200 OK');
    expect(Buffer.from(store.calls.ingest.at(-1)!.body).toString()).toBe(first);
    const kept = bodyBuffers.keptBytes();
    expect(kept).toBeGreaterThanOrEqual(Buffer.byteLength(first));

    const second = bigBody(1725620460);
    expect(await send(port, post(second))).toBe('HTTP/1.1 200 OK');
    expect(Buffer.from(store.calls.ingest.at(-1)!.body).toString()).toBe(second);
    expect(bodyBuffers.keptBytes()).toBe(kept); // the same buffer again, no new one
  });

  it('stores nothing of a body cut short, and its buffer goes back', async () => {
    const before = store.calls.ingest.length;
    await send(port, post(bigBody(1725620520)), { cut: true });
    await new Promise((r) => setTimeout(r, 100));
    expect(store.calls.ingest.length).toBe(before);
    expect(bodyBuffers.keptBytes()).toBeGreaterThan(0);
    const next = bigBody(1725620580);
    expect(await send(port, post(next))).toBe('HTTP/1.1 200 OK');
    expect(Buffer.from(store.calls.ingest.at(-1)!.body).toString()).toBe(next);
  });
});
