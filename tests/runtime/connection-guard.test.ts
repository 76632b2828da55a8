// The connection cap and timeouts on a real node:http server in this process.
import { createServer, request, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { guardConnections, trackConnections } from '../../src/runtime/connection-guard.ts';

let server: Server | null = null;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = null;
});

async function serve(limits: Partial<Parameters<typeof guardConnections>[1]> = {}, handler = (_: unknown, res: { end(b: string): void }) => res.end('ok')) {
  server = createServer({ keepAliveTimeout: 60_000 }, handler);
  const guard = guardConnections(server, { maxConnections: 5, headerTimeoutMs: 30_000, idleTimeoutMs: 30_000, requestTimeoutMs: 30_000, ...limits });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, guard };
}

/** Opens a connection that sends nothing; `closed` resolves when the server closes it. */
function idleConnection(port: number): Promise<{ socket: Socket; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.on('error', () => {});
    socket.once('connect', () => resolve({ socket, closed }));
    socket.once('error', reject);
  });
}

function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ port, host: '127.0.0.1', path: '/', agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    })
      .on('error', reject)
      .end();
  });
}

const settled = (p: Promise<unknown>) => Promise.race([p.then(() => true), new Promise((r) => setTimeout(() => r(false), 50))]);

describe('trackConnections (the guard told of requests by the server\'s own listener)', () => {
  it('adds no request listener, and a request it is told of keeps its connection from eviction', async () => {
    const release: Array<() => void> = [];
    server = createServer({ keepAliveTimeout: 60_000 });
    const guard = trackConnections(server, { maxConnections: 2, headerTimeoutMs: 30_000, idleTimeoutMs: 30_000, requestTimeoutMs: 30_000 });
    expect(server.listenerCount('request')).toBe(0);
    server.on('request', (req, res) => {
      guard.request(req, res);
      release.push(() => res.end('late'));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const busy = [get(port), get(port)];
    while (release.length < 2) await new Promise((r) => setTimeout(r, 5));
    // Both connections are busy (the guard saw their requests): the newcomer is refused, not let in by evicting one.
    await expect(get(port)).rejects.toThrow();
    expect(guard.stats()).toMatchObject({ refused: 1, evicted: 0 });
    for (const r of release) r();
    expect(await Promise.all(busy)).toEqual(['late', 'late']);
  });
});

describe('the connection guard', () => {
  it('admits a newcomer beyond the cap by closing the connection idle the longest', async () => {
    const { port, guard } = await serve();
    const idle = [];
    for (let i = 0; i < 5; i++) idle.push(await idleConnection(port));
    expect(await get(port)).toBe('ok');
    await idle[0]!.closed; // the oldest went
    for (const c of idle.slice(1)) expect(await settled(c.closed)).toBe(false);
    expect(guard.stats()).toMatchObject({ evicted: 1, refused: 0 });
  });

  it('refuses the newcomer only when every connection is busy with a request', async () => {
    const release: Array<() => void> = [];
    const { port, guard } = await serve({ maxConnections: 2 }, (_req, res) => release.push(() => res.end('late')));
    const busy = [get(port), get(port)];
    while (release.length < 2) await new Promise((r) => setTimeout(r, 5));
    await expect(get(port)).rejects.toThrow();
    expect(guard.stats().refused).toBe(1);
    for (const r of release) r();
    expect(await Promise.all(busy)).toEqual(['late', 'late']);
  });

  it('closes a connection that sends no request headers within the header timeout', async () => {
    const { port, guard } = await serve({ headerTimeoutMs: 100 });
    const silent = await idleConnection(port);
    const partial = await idleConnection(port);
    partial.socket.write('GET / HTTP/1.1\r\nHost: x\r\n');
    await Promise.all([silent.closed, partial.closed]);
    expect(guard.stats().timedOut).toBe(2);
  });

  it('closes a keep-alive connection idle past the idle timeout, not before its answer', async () => {
    const { port, guard } = await serve({ headerTimeoutMs: 100, idleTimeoutMs: 300 }, (_req, res) => setTimeout(() => res.end('slow'), 200));
    const c = await idleConnection(port);
    let answer = '';
    c.socket.on('data', (d) => (answer += d));
    c.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await c.closed;
    expect(answer).toMatch(/^HTTP\/1.1 200 OK[\s\S]*slow$/);
    expect(guard.stats()).toMatchObject({ timedOut: 1, open: 0 });
  });

  it('counts the idle timeout from the last answer of a keep-alive connection that kept sending requests', async () => {
    // The deadline moves with every request while the timer set first stays: it must wait on, not close early.
    const { port, guard } = await serve({ headerTimeoutMs: 150, idleTimeoutMs: 150 });
    const c = await idleConnection(port);
    let answers = 0;
    let lastAnswerAt = 0;
    c.socket.on('data', (d) => {
      answers += String(d).split('HTTP/1.1 200').length - 1;
      lastAnswerAt = performance.now();
    });
    const started = performance.now();
    for (let i = 0; i < 8; i++) {
      c.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      await new Promise((r) => setTimeout(r, 50));
    }
    const lastSent = performance.now();
    expect(await settled(c.closed)).toBe(false);
    await c.closed;
    const closedAt = performance.now();
    expect(answers).toBe(8);
    expect(lastSent - started).toBeGreaterThan(300); // longer than two idle timeouts
    expect(closedAt - lastAnswerAt).toBeGreaterThanOrEqual(120); // 150 ms after the last answer, less timer jitter
    expect(guard.stats()).toMatchObject({ timedOut: 1, open: 0 });
  });

  it('closes a connection whose request body does not arrive whole within the request timeout', async () => {
    const { port, guard } = await serve({ requestTimeoutMs: 100 }, () => {});
    const c = await idleConnection(port);
    c.socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly part of it');
    await c.closed;
    expect(guard.stats().timedOut).toBe(1);
  });

  it('lets the server take longer than the request timeout to answer a request that arrived whole', async () => {
    const { port, guard } = await serve({ requestTimeoutMs: 100 }, (_req, res) => setTimeout(() => res.end('slow answer'), 300));
    expect(await get(port)).toBe('slow answer');
    expect(guard.stats().timedOut).toBe(0);
  });
});
