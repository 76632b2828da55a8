#!/usr/bin/env node
// Does gzip pay for query answers? The real CLI (Node) answers the same
// queries with and without `Accept-Encoding: gzip`, to a client on loopback and
// to clients behind a simulated slower link (the client reads at most the
// link's rate; TCP's flow control holds the server back as a real link would).
// Answers of 1 host (1,440 points), 72 hwthreads and 720 series (10 hosts x
// 72 hwthreads), 24 h at 60 s. Prints the median time of a query (request to
// last byte) and the bytes on the wire; gzip pays where its column is smaller.
//
//   node bench/gzip.bench.mjs [--reps 30]
//
// The server runs with main.gzip-min-size = 1 KiB so that every answer may be
// compressed; the service's default is set from these figures.

import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { median, openConnection, writeRequest } from './lib/http-client.mjs';
import { startServer } from './lib/server-process.mjs';
import { METRIC_CONFIG } from './lib/write-bodies.mjs';

const reps = Number(process.argv[process.argv.indexOf('--reps') + 1] || 30);
const HOSTS = 10;
const HWTHREADS = 72;
const LINKS = [
  ['loopback', Infinity],
  ['1 Gbit/s', 125e6],
  ['100 Mbit/s', 12.5e6],
];

let seed = 12345;
const dir = mkdtempSync(join(tmpdir(), 'ccms-gzip-'));
const server = await startServer(dir, {
  main: { addr: '127.0.0.1:0', 'gzip-min-size': 1024 },
  metrics: METRIC_CONFIG,
  'metric-store': { 'retention-in-memory': '48h', 'memory-cap': 0, checkpoints: { 'file-format': 'wal', directory: join(dir, 'cp') } },
});
try {
  const end = Math.floor(Date.now() / 60_000) * 60;
  const start = end - 86_400;
  await preload(server.port, start);
  const hw = Array.from({ length: HWTHREADS }, (_, t) => String(t));
  const shapes = [
    ['1 host, 1,440 points', [{ metric: 'flops_any', host: 'g0' }]],
    ['72 hwthreads', [{ metric: 'flops_any', host: 'g0', type: 'hwthread', 'type-ids': hw }]],
    ['720 series', Array.from({ length: HOSTS }, (_, h) => ({ metric: 'flops_any', host: `g${h}`, type: 'hwthread', 'type-ids': hw }))],
  ];
  console.log('\n| answer | plain bytes | gzip bytes | link | plain (ms) | gzip (ms) | gzip pays |');
  console.log('|---|---:|---:|---|---:|---:|---|');
  for (const [what, queries] of shapes) {
    const body = JSON.stringify({ cluster: 'bench', from: start, to: end, queries });
    for (const [link, rate] of LINKS) {
      const plain = await timeQueries(server.port, body, false, rate);
      const zipped = await timeQueries(server.port, body, true, rate);
      console.log(
        `| ${what} | ${plain.bytes.toLocaleString('en-US')} | ${zipped.bytes.toLocaleString('en-US')} | ${link} | ${plain.ms.toFixed(2)} | ${zipped.ms.toFixed(2)} | ${zipped.ms < plain.ms ? 'yes' : 'no'} |`,
      );
    }
  }
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}

async function preload(port, start) {
  const conn = await openConnection(port);
  try {
    for (let h = 0; h < HOSTS; h++) {
      for (let first = 0; first < 1440; first += 240) {
        const parts = [];
        for (let i = first; i < first + 240; i++) {
          for (let t = 0; t < HWTHREADS; t++) parts.push(`flops_any,hostname=g${h},type=hwthread,type-id=${t} value=${noisy()} ${start + i * 60}\n`);
          parts.push(`flops_any,hostname=g${h},type=node value=${noisy()} ${start + i * 60}\n`);
        }
        const res = await conn.request(writeRequest(port, 'bench', Buffer.from(parts.join(''))));
        if (res.status !== 200) throw new Error(`preload: HTTP ${res.status}: ${res.body}`);
      }
    }
  } finally {
    conn.close();
  }
}

/** Values with 4-5 significant digits, without a pattern: real answers compress less than regular data. */
function noisy() {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return ((seed >>> 8) % 1_000_000) / 1000;
}

/** Median ms from sending a query to its last byte, on one connection that reads at most `rate` bytes/s; and the bytes of the answer's body. */
async function timeQueries(port, json, gzip, rate) {
  const conn = await throttledConnection(port, rate);
  try {
    const body = Buffer.from(json);
    const request = Buffer.concat([
      Buffer.from(`GET /api/query HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: ${body.length}\r\n${gzip ? 'Accept-Encoding: gzip\r\n' : ''}\r\n`),
      body,
    ]);
    const first = await conn.request(request);
    const answer = first.gzip ? gunzipSync(first.body) : first.body;
    if (first.status !== 200 || first.gzip !== gzip || !answer.toString().startsWith('{"results":[')) throw new Error(`unexpected answer: HTTP ${first.status}`);
    const times = [];
    const count = rate === Infinity ? reps : Math.max(3, Math.round(reps / 5));
    for (let i = 0; i < count; i++) {
      const t = performance.now();
      await conn.request(request);
      times.push(performance.now() - t);
    }
    return { ms: median(times), bytes: first.body.length };
  } finally {
    conn.close();
  }
}

/** A keep-alive connection whose reads are paced to `rate` bytes/s; answers must carry a Content-Length. */
function throttledConnection(port, rate) {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', noDelay: true });
    // The answer's chunks, joined once it is complete (joining at every chunk would cost the client more than the server).
    let chunks = [];
    let have = 0;
    let total = -1;
    let head = '';
    let pending = null;
    let readStart = 0;
    let readBytes = 0;
    socket.on('data', (chunk) => {
      if (rate !== Infinity) {
        // Behind the link's rate: stop reading until the link would have carried what came.
        readBytes += chunk.length;
        const due = readStart + (readBytes / rate) * 1000 - performance.now();
        if (due > 1) {
          socket.pause();
          setTimeout(() => socket.resume(), due);
        }
      }
      chunks.push(chunk);
      have += chunk.length;
      if (total < 0) {
        const joined = Buffer.concat(chunks);
        chunks = [joined];
        const headEnd = joined.indexOf('\r\n\r\n');
        if (headEnd < 0) return;
        head = joined.subarray(0, headEnd).toString('latin1');
        total = headEnd + 4 + Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      }
      if (have < total) return;
      const whole = Buffer.concat(chunks);
      const res = { status: Number(head.slice(9, 12)), gzip: /\r\ncontent-encoding: *gzip/i.test(head), body: whole.subarray(whole.length - (total - whole.indexOf('\r\n\r\n') - 4)) };
      chunks = [];
      have = 0;
      total = -1;
      const p = pending;
      pending = null;
      p?.resolve(res);
    });
    socket.on('error', (e) => (pending ? pending.reject(e) : reject(e)));
    socket.once('connect', () =>
      resolve({
        request(bytes) {
          return new Promise((res, rej) => {
            pending = { resolve: res, reject: rej };
            readStart = performance.now();
            readBytes = 0;
            socket.write(bytes);
          });
        },
        close: () => socket.destroy(),
      }),
    );
  });
}
