// A small HTTP/1.1 client over node:net for benches: keep-alive connections,
// one request at a time each (no pipelining), each request sent in one system
// call (its head and body corked into one writev), Content-Length and chunked
// answers. Cheaper per request than node:http, so the load generator takes
// less of the CPU it shares with the server.

import { connect } from 'node:net';

/**
 * @typedef {{ status: number, body: string, length: number }} Response
 * @typedef {{ request(bytes: Buffer | Uint8Array | Array<Buffer | Uint8Array>): Promise<Response>, close(): void }} Connection
 */

/** @returns {Promise<Connection>} */
export function openConnection(port) {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', noDelay: true });
    let buffer = Buffer.alloc(0);
    let pending = null;
    socket.on('data', (chunk) => {
      buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
      const parsed = parseResponse(buffer);
      if (!parsed) return;
      buffer = buffer.subarray(parsed.length);
      const p = pending;
      pending = null;
      p?.resolve(parsed);
    });
    socket.on('error', (e) => (pending ? pending.reject(e) : reject(e)));
    socket.on('close', () => pending?.reject(new Error('connection closed by the server')));
    socket.once('connect', () =>
      resolve({
        request(bytes) {
          return new Promise((res, rej) => {
            pending = { resolve: res, reject: rej };
            if (!Array.isArray(bytes)) {
              socket.write(bytes);
              return;
            }
            // The head and the body in one writev: one send through the loopback's TCP stack, not one per part.
            socket.cork();
            for (const part of bytes) socket.write(part);
            socket.uncork();
          });
        },
        close: () => socket.destroy(),
      }),
    );
  });
}

/**
 * GET with a JSON body, as cc-backend sends its queries. `method` POST for
 * Bun.serve and Deno.serve, which do not read the body of a GET (Deno.serve
 * then parses it as the next request).
 */
export function queryRequest(port, json, method = 'GET') {
  const body = Buffer.from(typeof json === 'string' ? json : JSON.stringify(json));
  return Buffer.concat([
    Buffer.from(`${method} /api/query?version=v2 HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`),
    body,
  ]);
}

export function writeRequest(port, cluster, body) {
  return [Buffer.from(`POST /api/write?cluster=${cluster} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: ${body.length}\r\n\r\n`), body];
}

export function getRequest(port, path) {
  return Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
}

/** One request on a connection of its own. */
export async function roundTrip(port, request) {
  const conn = await openConnection(port);
  try {
    return await conn.request(request);
  } finally {
    conn.close();
  }
}

/**
 * Median latency in microseconds of `reps` requests in a row on one connection
 * (after a warm-up); `requests` (one or a list) are sent in turn.
 */
export async function medianLatency(port, requests, reps) {
  const list = [requests].flat();
  const conn = await openConnection(port);
  try {
    for (let i = 0; i < Math.min(20, reps); i++) await expectOk(conn.request(list[i % list.length]));
    const us = [];
    for (let i = 0; i < reps; i++) {
      const t = process.hrtime.bigint();
      await expectOk(conn.request(list[i % list.length]));
      us.push(Number(process.hrtime.bigint() - t) / 1e3);
    }
    return median(us);
  } finally {
    conn.close();
  }
}

/**
 * Requests per second over `seconds`, `connections` keep-alive connections each
 * sending the next request when the answer is in; `requests` (one or a list) in turn.
 */
export async function requestsPerSecond(port, requests, connections, seconds) {
  const list = [requests].flat();
  const conns = await Promise.all(Array.from({ length: connections }, () => openConnection(port)));
  try {
    for (const c of conns) await expectOk(c.request(list[0]));
    let done = 0;
    const started = performance.now();
    const until = started + seconds * 1000;
    await Promise.all(
      conns.map(async (conn, k) => {
        for (let i = k; performance.now() < until; i++) {
          await expectOk(conn.request(list[i % list.length]));
          done++;
        }
      }),
    );
    return done / ((performance.now() - started) / 1000);
  } finally {
    conns.forEach((c) => c.close());
  }
}

async function expectOk(response) {
  const res = await response;
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${res.body.slice(0, 300)}`);
  return res;
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A complete response at the start of `buf`, or null; supports Content-Length and chunked bodies. */
export function parseResponse(buf) {
  const headEnd = buf.indexOf('\r\n\r\n');
  if (headEnd < 0) return null;
  const head = buf.subarray(0, headEnd).toString('latin1');
  const status = Number(head.slice(9, 12));
  const length = /\r\ncontent-length: *(\d+)/i.exec(head);
  if (length) {
    const total = headEnd + 4 + Number(length[1]);
    if (buf.length < total) return null;
    return { status, body: buf.subarray(headEnd + 4, total).toString(), length: total };
  }
  if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
    const parts = [];
    let at = headEnd + 4;
    for (;;) {
      const lineEnd = buf.indexOf('\r\n', at);
      if (lineEnd < 0) return null;
      const size = parseInt(buf.subarray(at, lineEnd).toString('latin1'), 16);
      if (buf.length < lineEnd + 2 + size + 2) return null;
      if (size === 0) return { status, body: Buffer.concat(parts).toString(), length: lineEnd + 4 };
      parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
  }
  return { status, body: '', length: headEnd + 4 };
}
