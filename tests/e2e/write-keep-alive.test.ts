// Collector-shaped writes on one keep-alive connection: bodies past the
// request stream's high-water mark (node:http then pauses the socket until the
// body is read), sent with their head in one go (the direct handler takes such
// a body at once, without listeners) or in parts that arrive later (it reads
// those with listeners). Every write must be answered, in order, the next
// request on the connection read, and every sample stored and in the WAL: a
// server killed after the answers has them all after its restart.

import { connect, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { send } from './support/raw-http.ts';
import { RUNTIMES, cliCommand } from './support/runtimes.ts';
import { type ServerProcess, startServer, testConfig } from './support/server-process.ts';

const T0 = Math.floor(Date.now() / 60_000) * 60 - 600;
const HWTHREADS = 72;
const METRICS = ['cpu_load', 'flops_any', 'clock'];
const REQUESTS = 8;

/** One host's lines at one timestamp, as cc-metric-collector sends them (about 20 KB). */
function collectorBody(host: string, step: number): string {
  const lines: string[] = [];
  for (const metric of METRICS) {
    for (let t = 0; t < HWTHREADS; t++) lines.push(`${metric},cluster=fritz,hostname=${host},type=hwthread,type-id=${t} value=${step * 100 + t}.5 ${T0 + 60 * step}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The responses of one connection, one at a time (each the empty 200 or an error with a body). */
function keepAlive(port: number): Promise<{ request(parts: string[], gapMs: number): Promise<string>; close(): void }> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ port, host: '127.0.0.1', noDelay: true });
    let buffer = Buffer.alloc(0);
    let waiting: ((head: string) => void) | null = null;
    socket.on('data', (d) => {
      buffer = Buffer.concat([buffer, d]);
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buffer.subarray(0, end).toString('latin1');
      const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
      if (buffer.length < end + 4 + length) return;
      buffer = buffer.subarray(end + 4 + length);
      const w = waiting;
      waiting = null;
      w?.(head);
    });
    socket.once('error', reject);
    socket.once('connect', () =>
      resolve({
        async request(parts, gapMs) {
          const answered = new Promise<string>((r) => (waiting = r));
          for (const [i, part] of parts.entries()) {
            if (i > 0) await new Promise((r) => setTimeout(r, gapMs));
            socket.write(part);
          }
          return answered;
        },
        close: () => socket.destroy(),
      }),
    );
  });
}

describe.each(RUNTIMES)('collector writes on one keep-alive connection on %s', (runtime) => {
  let server: ServerProcess | undefined;
  afterAll(() => server?.stop('SIGKILL'));

  // With fsync the answer waits for the fdatasync, a promise after the body's buffers were freed (api/body-release.ts).
  it.each([false, true])('answers each, reads the next, and stores every sample durably, whether the body came with its head or later (fsync %s)', async (fsync) => {
    await server?.stop('SIGKILL');
    const config = testConfig({}, { checkpoints: { 'file-format': 'wal', directory: './var/checkpoints', fsync } });
    server = await startServer(cliCommand(runtime), config);
    const conn = await keepAlive(server.port);
    for (let i = 0; i < REQUESTS; i++) {
      const body = collectorBody(`ka${i % 2}`, i);
      expect(body.length).toBeGreaterThan(16_384);
      const head = `POST /api/write?cluster=fritz HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
      // Even requests in one write; odd ones as the head, then the body in two parts.
      const parts = i % 2 === 0 ? [head + body] : [head, body.slice(0, 5000), body.slice(5000)];
      const answer = await conn.request(parts, 20);
      expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
      expect(answer.toLowerCase()).toContain('content-length: 0');
    }
    conn.close();

    const dir = server.dir;
    await server.stop('SIGKILL');
    server = await startServer(cliCommand(runtime), config, [], dir);
    for (const host of ['ka0', 'ka1']) {
      const queries = METRICS.map((metric) => ({ metric, host, type: 'hwthread', 'type-ids': ['0', '71'] }));
      const res = await send(server.port, {
        method: 'GET',
        path: '/api/query',
        body: JSON.stringify({ cluster: 'fritz', from: T0, to: T0 + 60 * REQUESTS, 'with-stats': false, queries }),
      });
      expect(res.status).toBe(200);
      const results = JSON.parse(res.body).results as Array<Array<{ data: Array<number | null> }>>;
      const first = host === 'ka0' ? 0 : 1;
      expect(results).toHaveLength(METRICS.length);
      for (const perTypeId of results) {
        expect(perTypeId.map((r) => r.data.filter((v) => v !== null))).toEqual(
          [0, 71].map((t) => Array.from({ length: REQUESTS / 2 }, (_, k) => (first + 2 * k) * 100 + t + 0.5)),
        );
      }
    }
  });
});

// Pipelined bulk writes: one socket write carries every request, so the
// server's reads split bodies anywhere and hold one body's end with the next
// request's head. The direct handler empties a body's chunks once it is
// stored (src/api/body-release.ts: only chunks that own their buffer whole,
// which Node's parser makes them): the next request's bytes must stay intact.
const PIPELINED = 6;
const PIPELINED_STEPS = 20;
/** Two hours of minutes before now: every step in the past. */
const T0_PIPELINED = Math.floor(Date.now() / 60_000) * 60 - 2 * 3600;

function bulkBody(request: number): string {
  const lines: string[] = [];
  for (let s = 0; s < PIPELINED_STEPS; s++) {
    const step = request * PIPELINED_STEPS + s;
    for (const metric of METRICS) {
      for (let t = 0; t < HWTHREADS; t++) lines.push(`${metric},cluster=fritz,hostname=pipe,type=hwthread,type-id=${t} value=${step * 100 + t}.25 ${T0_PIPELINED + 60 * step}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

describe.each(RUNTIMES)('pipelined bulk writes on one connection on %s', (runtime) => {
  let server: ServerProcess | undefined;
  afterAll(() => server?.stop('SIGKILL'));

  it('answers every one and stores every sample of each', async () => {
    server = await startServer(cliCommand(runtime), testConfig({}));
    const port = server.port;
    const requests = Array.from({ length: PIPELINED }, (_, i) => {
      const body = bulkBody(i);
      return `POST /api/write?cluster=fritz HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    });
    expect(requests[0]!.length).toBeGreaterThan(256 * 1024);
    const statuses = await new Promise<string[]>((resolve, reject) => {
      const socket: Socket = connect({ port, host: '127.0.0.1' });
      let text = '';
      socket.on('data', (d) => {
        text += d.toString('latin1');
        const heads = text.match(/HTTP\/1\.1 \d+ [^\r]*/g) ?? [];
        if (heads.length === PIPELINED) {
          socket.destroy();
          resolve(heads);
        }
      });
      socket.once('error', reject);
      socket.once('connect', () => socket.write(requests.join('')));
    });
    expect(statuses).toEqual(Array.from({ length: PIPELINED }, () => 'HTTP/1.1 200 OK'));
    const steps = PIPELINED * PIPELINED_STEPS;
    const queries = METRICS.map((metric) => ({ metric, host: 'pipe', type: 'hwthread', 'type-ids': ['0', '71'] }));
    const res = await send(port, { method: 'GET', path: '/api/query', body: JSON.stringify({ cluster: 'fritz', from: T0_PIPELINED, to: T0_PIPELINED + 60 * steps, 'with-stats': false, queries }) });
    expect(res.status).toBe(200);
    const results = JSON.parse(res.body).results as Array<Array<{ data: Array<number | null> }>>;
    for (const perTypeId of results) {
      expect(perTypeId.map((r) => r.data)).toEqual([0, 71].map((t) => Array.from({ length: steps }, (_, step) => step * 100 + t + 0.25)));
    }
  });
});
