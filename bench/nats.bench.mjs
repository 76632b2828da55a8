// NATS ingest throughput: lines/s from a publisher process through a real
// nats-server into the service's write path (the WASM store, and the WAL
// appended before a message counts as done), over nats:// and ws://.
// Messages hold ~1,000 lines each, as cc-metric-collector batches them.
//
//   node bench/nats.bench.mjs            (NATS_BENCH_MESSAGES=1000 by default)
//
// Needs nats-server (Debian package nats-server).

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const MESSAGES = Number(process.env.NATS_BENCH_MESSAGES ?? 1000);
const LINES_PER_MESSAGE = 1000;

/** The ingest under test: a fresh store with persistence, as the service wires them. */
async function makeIngest(checkpointDir) {
  const store = await Store.create(wasm, { metrics: { cpu_load: { frequency: 60, aggregation: 'avg' } }, wal: true });
  const settings = {
    format: 'wal',
    checkpointDir,
    retention: 48 * 3600,
    checkpointInterval: 12 * 3600,
    memoryCapBytes: 0,
    maxWalBytes: 0,
    cleanupMode: 'delete',
    archiveDir: '',
    workers: 2,
  };
  const quiet = { debug() {}, info() {}, warn: console.warn, error: console.error };
  const persistence = openPersistence({ store, settings, log: quiet });
  await persistence.restore();
  return { ingest: (body, cluster) => persistence.ingest(body, cluster), close: () => persistence.stop() };
}

// Node 20 cannot import .ts: bundle the NATS module and the test's nats-server helper.
mkdirSync(join(root, 'test-output'), { recursive: true });
const outDir = mkdtempSync(join(root, 'test-output', 'bench-nats-'));
const bundle = join(outDir, 'nats.mjs');
await build({
  stdin: {
    contents: [
      "export { startNatsIngest } from './src/nats/index.ts';",
      "export { Store } from './src/engine/index.ts';",
      "export { openPersistence } from './src/persist/index.ts';",
      "export { startNatsServer } from './tests/nats/helpers/nats-server.ts';",
    ].join('\n'),
    resolveDir: root,
    loader: 'ts',
  },
  outfile: bundle,
  bundle: true,
  packages: 'external',
  platform: 'node',
  format: 'esm',
  logLevel: 'silent',
});
const { startNatsIngest, startNatsServer, Store, openPersistence } = await import(pathToFileURL(bundle).href);
// The engine's own loader finds build/engine.wasm relative to its source; the bundle lives elsewhere.
const wasm = new WebAssembly.Module(readFileSync(join(root, 'build/engine.wasm')));

function messageBody(m) {
  const ts = 1700000000 + m * 60;
  let text = '';
  for (let i = 0; i < LINES_PER_MESSAGE; i++) {
    const host = `f${String(i % 100).padStart(4, '0')}`;
    text += `cpu_load,cluster=fritz,hostname=${host},type=hwthread,type-id=${i % 72} value=${(i % 97) / 7} ${ts}\n`;
  }
  return text;
}

/** Publishes from its own process, so the measured process only receives and ingests. */
function publishFrom(url, user, password, subject) {
  const code = `
    import { connect } from '@nats-io/transport-node';
    import { wsconnect } from '@nats-io/nats-core';
    import { WebSocket } from 'ws';
    const [url, user, pass, subject, count] = process.argv.slice(1);
    const messageBody = ${messageBody.toString()};
    const LINES_PER_MESSAGE = ${LINES_PER_MESSAGE};
    // Encoded before connecting, so the publisher is not what limits the rate.
    const bodies = Array.from({ length: Number(count) }, (_, m) => new TextEncoder().encode(messageBody(m)));
    const options = { servers: url, user, pass };
    const nc = url.startsWith('ws')
      ? await wsconnect({ ...options, wsFactory: async (u) => ({ socket: new WebSocket(u), encrypted: false }) })
      : await connect(options);
    for (let m = 0; m < bodies.length; m++) {
      nc.publish(subject, bodies[m]);
      if (m % 20 === 19) await nc.flush();
    }
    await nc.flush();
    await nc.close();
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code, url, user, password, subject, String(MESSAGES)], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`publisher exited with ${code}`))));
  });
}

async function run(server, scheme) {
  const url = scheme === 'ws://' ? server.wsUrl : server.tcpUrl;
  const target = await makeIngest(join(outDir, `checkpoints-${scheme.replace(/\W/g, '')}`));
  let first = 0;
  let last = 0;
  let lines = 0;
  const ingest = async (body, cluster) => {
    if (first === 0) first = performance.now();
    const result = await target.ingest(body, cluster);
    lines += result.accepted;
    last = performance.now();
    return result;
  };
  const quiet = { debug() {}, info() {}, warn: console.warn, error: console.error };
  const nats = await startNatsIngest({
    config: {
      nats: { address: url, username: server.user, password: server.password },
      'metric-store': { 'nats-subscriptions': [{ 'subscribe-to': 'bench', 'cluster-tag': 'fritz' }] },
    },
    ingest,
    log: quiet,
  });
  while (!nats.counters().connected) await new Promise((r) => setTimeout(r, 10));
  await publishFrom(url, server.user, server.password, 'bench');
  const expected = MESSAGES * LINES_PER_MESSAGE;
  const deadline = Date.now() + 120_000;
  while (lines + nats.counters().messagesDropped * LINES_PER_MESSAGE < expected && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 5));
  }
  await nats.stop();
  await target.close();
  const c = nats.counters();
  const seconds = (last - first) / 1000;
  const bytes = messageBody(0).length * c.messages;
  console.log(
    `  ${scheme.padEnd(8)} ${Math.round(lines / seconds).toLocaleString('en-US').padStart(12)} lines/s` +
      `  ${(c.messages / seconds).toFixed(0).padStart(6)} messages/s  ${(bytes / seconds / 1e6).toFixed(1).padStart(6)} MB/s` +
      `  (${lines.toLocaleString('en-US')} lines, ${c.messagesDropped} messages dropped)`,
  );
}

const server = await startNatsServer();
try {
  console.log(`NATS ingest, ${MESSAGES} messages x ${LINES_PER_MESSAGE} lines into the store, WAL on`);
  await run(server, 'nats://');
  await run(server, 'ws://');
} finally {
  await server.stop();
  rmSync(outDir, { recursive: true, force: true });
}
