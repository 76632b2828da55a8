// NATS ingest throughput: lines/s from a publisher process through a real
// nats-server into the service's write path (the WASM store, and the WAL
// appended before a message counts as done), over nats:// and ws://, for two
// shapes of message:
// - mixed: 1,000 lines each, spread over 100 hosts (every line another host),
//   values with 17 significant digits (1/7 and the like);
// - collector: what one cc-metric-collector sends, one host per message
//   (10 metrics x 72 hwthreads = 720 lines at one timestamp), 256 hosts: the
//   bodies of bench/http.bench.mjs's collector requests.
//
//   node bench/nats.bench.mjs            (NATS_BENCH_LINES=1000000 lines per run by default)
//
// Needs nats-server (Debian package nats-server).

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const LINES = Number(process.env.NATS_BENCH_LINES ?? 1_000_000);
const METRICS = ['cpu_load', 'cpu_user', 'flops_any', 'flops_dp', 'flops_sp', 'mem_bw', 'ipc', 'clock', 'cpu_power', 'mem_used'];
const LINES_PER_MESSAGE = { mixed: 1000, collector: METRICS.length * 72 };

/** The ingest under test: a fresh store with persistence, as the service wires them; `wal: false` for the baseline. */
async function makeIngest(checkpointDir, wal) {
  const store = await Store.create(wasm, { metrics: Object.fromEntries(METRICS.map((m) => [m, { frequency: 60, aggregation: 'avg' }])), wal });
  const settings = walStoreSettings(checkpointDir);
  const quiet = { debug() {}, info() {}, warn: console.warn, error: console.error };
  const persistence = openPersistence({ store, settings, log: quiet, wal });
  await persistence.restore();
  return { openBatch: () => persistence.openBatch(), close: () => persistence.stop() };
}

// Node 20 cannot import .ts: bundle the NATS module and the test's nats-server helper.
mkdirSync(join(root, 'test-output'), { recursive: true });
const outDir = mkdtempSync(join(root, 'test-output', 'bench-nats-'));
const bundle = join(outDir, 'nats.mjs');
await build({
  stdin: {
    contents: [
      "export { startNatsIngest } from './src/nats/index.ts';",
      "export { validateConfig } from './src/config/validate.ts';",
      "export { Store } from './src/engine/index.ts';",
      "export { openPersistence, walStoreSettings } from './src/persist/index.ts';",
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
const { startNatsIngest, startNatsServer, Store, openPersistence, walStoreSettings, validateConfig } = await import(pathToFileURL(bundle).href);
// The engine's own loader finds build/engine.wasm relative to its source; the bundle lives elsewhere.
const wasm = new WebAssembly.Module(readFileSync(join(root, 'build/engine.wasm')));

/** Message `m` of a run (self-contained: the publisher process gets its source). */
function messageBody(shape, m) {
  const metrics = ['cpu_load', 'cpu_user', 'flops_any', 'flops_dp', 'flops_sp', 'mem_bw', 'ipc', 'clock', 'cpu_power', 'mem_used'];
  let text = '';
  if (shape === 'mixed') {
    const ts = 1700000000 + m * 60;
    for (let i = 0; i < 1000; i++) {
      const host = `f${String(i % 100).padStart(4, '0')}`;
      text += `cpu_load,cluster=fritz,hostname=${host},type=hwthread,type-id=${i % 72} value=${(i % 97) / 7} ${ts}\n`;
    }
    return text;
  }
  // The bodies of bench/http.bench.mjs's collector requests, so that both figures compare.
  const hosts = 256;
  const ts = 1700000000 + Math.floor(m / hosts) * 60;
  const host = m % hosts;
  for (let t = 0; t < 72; t++) {
    for (let k = 0; k < metrics.length; k++) {
      text += `${metrics[k]},cluster=bench,hostname=c${host},type=hwthread,type-id=${t} value=${((host + t + k) % 97) * 0.5} ${ts}\n`;
    }
  }
  return text;
}

/** Publishes messages `from` .. `from + count - 1` from its own process, so the measured process only receives and ingests. */
function publishFrom(url, user, password, subject, shape, from, count) {
  const code = `
    import { connect } from '@nats-io/transport-node';
    import { wsconnect } from '@nats-io/nats-core';
    import { WebSocket } from 'ws';
    const [url, user, pass, subject, shape, from, count] = process.argv.slice(1);
    const messageBody = ${messageBody.toString()};
    // Encoded before connecting, so the publisher is not what limits the rate.
    const bodies = Array.from({ length: Number(count) }, (_, m) => new TextEncoder().encode(messageBody(shape, Number(from) + m)));
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
  const args = ['--input-type=module', '-e', code, url, user, password, subject, shape, String(from), String(count)];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`publisher exited with ${code}`))));
  });
}

/**
 * One store, one subscription: a warm-up of a quarter of the lines (the JIT,
 * and the series created, as in a running store), then the measured lines at
 * the timestamps after it.
 */
async function run(server, scheme, shape, wal = true) {
  const url = scheme === 'ws://' ? server.wsUrl : server.tcpUrl;
  const target = await makeIngest(join(outDir, `checkpoints-${shape}-${scheme.replace(/\W/g, '')}-${wal}`), wal);
  const perMessage = LINES_PER_MESSAGE[shape];
  let phase = null;
  // The write path, timed from the first message stored to the last batch in the WAL.
  const openBatch = () => {
    const batch = target.openBatch();
    let accepted = 0;
    return {
      ingest(body, cluster) {
        if (phase.first === 0) {
          phase.first = performance.now();
          phase.cpu = process.cpuUsage();
        }
        const result = batch.ingest(body, cluster);
        accepted += result.accepted;
        return result;
      },
      async commit() {
        phase.batches++;
        await batch.commit();
        phase.lines += accepted;
        phase.last = performance.now();
      },
    };
  };
  const quiet = { debug() {}, info() {}, warn: console.warn, error: console.error };
  const config = validateConfig(
    {
      main: {},
      metrics: {},
      'metric-store': { 'retention-in-memory': '48h', 'memory-cap': 0, 'nats-subscriptions': [{ 'subscribe-to': 'bench', 'cluster-tag': 'fritz' }] },
      nats: { address: url, username: server.user, password: server.password },
    },
    'bench',
  );
  const nats = await startNatsIngest({
    nats: config.nats,
    subscriptions: config.metricStore.natsSubscriptions,
    openBatch,
    log: quiet,
  });
  while (!nats.counters().connected) await new Promise((r) => setTimeout(r, 10));
  const publish = async (from, count) => {
    const before = nats.counters();
    phase = { first: 0, last: 0, lines: 0, batches: 0, cpu: null };
    await publishFrom(url, server.user, server.password, 'bench', shape, from, count);
    const deadline = Date.now() + 120_000;
    const dropped = () => nats.counters().messagesDropped - before.messagesDropped;
    while (phase.lines + dropped() * perMessage < count * perMessage && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
    }
    const cpu = process.cpuUsage(phase.cpu);
    const seconds = (phase.last - phase.first) / 1000;
    return { ...phase, seconds, messages: nats.counters().messages - before.messages, dropped: dropped(), busy: (cpu.user + cpu.system) / 1e6 / seconds };
  };
  const warmUp = Math.round(LINES / perMessage / 4);
  await publish(0, warmUp);
  const r = await publish(warmUp, Math.round(LINES / perMessage));
  await nats.stop();
  await target.close();
  const bytes = messageBody(shape, 0).length * r.messages;
  // Near 100 % busy: this process (NATS client, store, WAL) is what limits the rate; well below: the publisher or nats-server.
  console.log(
    `  ${shape.padEnd(10)} ${scheme.padEnd(8)} WAL ${wal ? 'on ' : 'off'} ${Math.round(r.lines / r.seconds).toLocaleString('en-US').padStart(12)} lines/s` +
      `  ${(r.messages / r.seconds).toFixed(0).padStart(6)} messages/s  ${(bytes / r.seconds / 1e6).toFixed(1).padStart(6)} MB/s` +
      `  (${r.lines.toLocaleString('en-US')} lines, ${(r.messages / r.batches).toFixed(1)} messages a batch, ${r.dropped} messages dropped, this process ${(r.busy * 100).toFixed(0)} % busy)`,
  );
  return r.lines / r.seconds;
}

const server = await startNatsServer();
try {
  console.log(`NATS ingest of ${LINES.toLocaleString('en-US')} lines a run (after a warm-up) into the store, WAL on and off (mixed: ${LINES_PER_MESSAGE.mixed} lines of 100 hosts a message; collector: ${LINES_PER_MESSAGE.collector} lines of one host)`);
  for (const shape of ['mixed', 'collector']) {
    for (const scheme of ['nats://', 'ws://']) {
      const on = await run(server, scheme, shape, true);
      const off = await run(server, scheme, shape, false);
      console.log(`  ${shape.padEnd(10)} ${scheme.padEnd(8)} WAL cost ${((1 - on / off) * 100).toFixed(0)} % (target < 25 %)`);
    }
  }
} finally {
  await server.stop();
  rmSync(outDir, { recursive: true, force: true });
}
