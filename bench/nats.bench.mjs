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
// and the same through JetStream (a durable pull consumer, each message
// acknowledged once stored and in the WAL) beside core NATS in the same run.
// Then the catch-up after an outage: what 1,000 hosts publish in 10 minutes
// (one collector message of 720 lines per host every 10 s: 60,000 messages,
// 43.2 million lines) waits in the stream while the store is down; the store
// then starts and works it off.
//
//   node bench/nats.bench.mjs            (NATS_BENCH_LINES=1000000 lines per run by default)
//   NATS_BENCH_OUTAGE_MINUTES=2 NATS_BENCH_OUTAGE_HOSTS=200 node bench/nats.bench.mjs   (a smaller outage)
//   NATS_BENCH_ROWS=mixed:nats://,collector:ws:// NATS_BENCH_REPEAT=5 NATS_BENCH_OUTAGE_MINUTES=0 node bench/nats.bench.mjs
//     (only those rows, core and JetStream in turn 5 times each (3 by default), compared by their medians;
//     no WAL-off run and no outage: the JetStream/core ratio alone)
//
// Needs nats-server (Debian package nats-server).

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { jetstreamManager } from '@nats-io/jetstream';
import { wsconnect } from '@nats-io/nats-core';
import { connect as tcpConnect } from '@nats-io/transport-node';
import { WebSocket } from 'ws';

const root = fileURLToPath(new URL('..', import.meta.url));
const LINES = Number(process.env.NATS_BENCH_LINES ?? 1_000_000);
const METRICS = ['cpu_load', 'cpu_user', 'flops_any', 'flops_dp', 'flops_sp', 'mem_bw', 'ipc', 'clock', 'cpu_power', 'mem_used'];
const LINES_PER_MESSAGE = { mixed: 1000, collector: METRICS.length * 72, outage: METRICS.length * 72 };
const OUTAGE_MINUTES = Number(process.env.NATS_BENCH_OUTAGE_MINUTES ?? 10);
const OUTAGE_HOSTS = Number(process.env.NATS_BENCH_OUTAGE_HOSTS ?? 1000);
/** `shape:scheme` pairs to run; unset: all of them, with the WAL-off baseline. */
const ROWS = process.env.NATS_BENCH_ROWS?.split(',').filter(Boolean) ?? null;
const REPEAT = Number(process.env.NATS_BENCH_REPEAT ?? 3);

/** The ingest under test: a fresh store with persistence, as the service wires them; `wal: false` for the baseline. */
async function makeIngest(checkpointDir, wal, frequency = 60) {
  const store = await Store.create(wasm, { metrics: Object.fromEntries(METRICS.map((m) => [m, { frequency, aggregation: 'avg' }])), wal });
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
function messageBody(shape, m, outageHosts) {
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
  // The bodies of bench/http.bench.mjs's collector requests, so that both figures compare;
  // in the outage, every host once every 10 s.
  const hosts = shape === 'outage' ? Number(outageHosts) : 256;
  const ts = 1700000000 + Math.floor(m / hosts) * (shape === 'outage' ? 10 : 60);
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
    const [url, user, pass, subject, shape, from, count, outageHosts] = process.argv.slice(1);
    const messageBody = ${messageBody.toString()};
    const encode = (m) => new TextEncoder().encode(messageBody(shape, Number(from) + m, outageHosts));
    // Encoded before connecting, so the publisher is not what limits the rate (the outage's
    // messages are too many to hold, and nobody is reading while they are published).
    const bodies = shape === 'outage' ? null : Array.from({ length: Number(count) }, (_, m) => encode(m));
    const options = { servers: url, user, pass };
    const nc = url.startsWith('ws')
      ? await wsconnect({ ...options, wsFactory: async (u) => ({ socket: new WebSocket(u), encrypted: false }) })
      : await connect(options);
    for (let m = 0; m < Number(count); m++) {
      nc.publish(subject, bodies ? bodies[m] : encode(m));
      if (m % 20 === 19) await nc.flush();
    }
    await nc.flush();
    await nc.close();
  `;
  const args = ['--input-type=module', '-e', code, url, user, password, subject, shape, String(from), String(count), String(OUTAGE_HOSTS)];
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
async function run(server, scheme, shape, wal = true, mode = 'core') {
  const url = scheme === 'ws://' ? server.wsUrl : server.tcpUrl;
  const target = await makeIngest(join(outDir, `checkpoints-${shape}-${scheme.replace(/\W/g, '')}-${wal}-${mode}`), wal);
  const subject = mode === 'jetstream' ? `jsbench.${++streams}` : 'bench';
  const stream = `JSBENCH${streams}`;
  if (mode === 'jetstream') await withManager(server, url, (jsm) => jsm.streams.add({ name: stream, subjects: [subject] }));
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
      'metric-store': {
        'retention-in-memory': '48h',
        'memory-cap': 0,
        'nats-subscriptions': [{ 'subscribe-to': subject, 'cluster-tag': 'fritz', ...(mode === 'jetstream' ? { stream, durable: 'bench' } : {}) }],
      },
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
  const ready = () => nats.counters().connected && (mode === 'core' || nats.counters().subscriptions[0].jetstream.consuming);
  while (!ready()) await new Promise((r) => setTimeout(r, 10));
  const publish = async (from, count) => {
    const before = nats.counters();
    phase = { first: 0, last: 0, lines: 0, batches: 0, cpu: null };
    const serverBefore = serverCpuSeconds();
    await publishFrom(url, server.user, server.password, subject, shape, from, count);
    const deadline = Date.now() + 120_000;
    const dropped = () => nats.counters().messagesDropped - before.messagesDropped;
    while (phase.lines + dropped() * perMessage < count * perMessage && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
    }
    const cpu = process.cpuUsage(phase.cpu);
    const seconds = (phase.last - phase.first) / 1000;
    const serverCpu = serverBefore === null ? null : serverCpuSeconds() - serverBefore;
    return { ...phase, seconds, messages: nats.counters().messages - before.messages, dropped: dropped(), busy: (cpu.user + cpu.system) / 1e6 / seconds, cpu: (cpu.user + cpu.system) / 1e6, serverCpu };
  };
  const warmUp = Math.round(LINES / perMessage / 4);
  await publish(0, warmUp);
  const r = await publish(warmUp, Math.round(LINES / perMessage));
  await nats.stop();
  await target.close();
  if (mode === 'jetstream') await withManager(server, url, (jsm) => jsm.streams.delete(stream));
  const bytes = messageBody(shape, 0).length * r.messages;
  // Near 100 % busy: this process (NATS client, store, WAL) is what limits the rate; well below: the publisher or nats-server.
  console.log(
    `  ${shape.padEnd(10)} ${scheme.padEnd(8)} ${mode === 'core' ? 'core NATS' : 'JetStream'} WAL ${wal ? 'on ' : 'off'} ${Math.round(r.lines / r.seconds).toLocaleString('en-US').padStart(12)} lines/s` +
      `  ${(r.messages / r.seconds).toFixed(0).padStart(6)} messages/s  ${(bytes / r.seconds / 1e6).toFixed(1).padStart(6)} MB/s` +
      `  (${r.lines.toLocaleString('en-US')} lines, ${(r.messages / r.batches).toFixed(1)} messages a batch, ${r.dropped} messages dropped, this process ${(r.busy * 100).toFixed(0)} % busy` +
      `${r.serverCpu === null ? '' : `; CPU per million lines: this process ${((r.cpu / r.lines) * 1e6).toFixed(2)} s, nats-server ${((r.serverCpu / r.lines) * 1e6).toFixed(2)} s`})`,
  );
  return r.lines / r.seconds;
}

let streams = 0;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** CPU seconds nats-server (our child) has used so far, from /proc; null elsewhere than Linux. */
function serverCpuSeconds() {
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      let stat;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue;
      }
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      if (comm !== 'nats-server' || Number(fields[1]) !== process.pid) continue;
      return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
    }
  } catch {}
  return null;
}

/** A JetStream manager on a connection of the run's transport (the client library holds one per process), closed after `work`. */
async function withManager(server, url, work) {
  const options = { servers: url, user: server.user, pass: server.password };
  const nc = url.startsWith('ws')
    ? await wsconnect({ ...options, wsFactory: async (u) => ({ socket: new WebSocket(u), encrypted: false }) })
    : await tcpConnect(options);
  try {
    return await work(await jetstreamManager(nc));
  } finally {
    await nc.close();
  }
}

/**
 * The outage: a durable consumer exists (the store ran before), the store is
 * down while OUTAGE_HOSTS hosts publish OUTAGE_MINUTES of collector messages
 * into the stream, then the store starts and catches up. Timed from the start
 * of NATS ingestion to the last message in the WAL.
 */
async function catchUp(server, liveRate) {
  const url = server.tcpUrl;
  const subject = 'outage.fritz';
  const messages = OUTAGE_HOSTS * OUTAGE_MINUTES * 6;
  const lines = messages * LINES_PER_MESSAGE.outage;
  await withManager(server, url, async (jsm) => {
    await jsm.streams.add({ name: 'OUTAGE', subjects: [subject] });
    await jsm.consumers.add('OUTAGE', { durable_name: 'store', ack_policy: 'explicit', filter_subject: subject, max_ack_pending: 1000 });
  });
  let published = performance.now();
  await publishFrom(url, server.user, server.password, subject, 'outage', 0, messages);
  published = (performance.now() - published) / 1000;
  const target = await makeIngest(join(outDir, 'checkpoints-outage'), true, 10);
  const config = validateConfig(
    {
      main: {},
      metrics: {},
      'metric-store': { 'retention-in-memory': '48h', 'memory-cap': 0, 'nats-subscriptions': [{ 'subscribe-to': subject, 'cluster-tag': 'fritz', stream: 'OUTAGE', durable: 'store' }] },
      nats: { address: url, username: server.user, password: server.password },
    },
    'bench',
  );
  // The catch-up's own progress lines, as the service logs them.
  const log = { debug() {}, info: (m) => m.includes('JetStream') && console.log(`    ${m}`), warn: console.warn, error: console.error };
  const started = performance.now();
  const cpu = process.cpuUsage();
  const nats = await startNatsIngest({ nats: config.nats, subscriptions: config.metricStore.natsSubscriptions, openBatch: () => target.openBatch(), log, tuning: { catchUpLogIntervalMs: 10_000 } });
  const deadline = Date.now() + 30 * 60_000;
  while (nats.counters().linesAccepted < lines && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const c = nats.counters();
  await nats.stop();
  await target.close();
  await withManager(server, url, (jsm) => jsm.streams.delete('OUTAGE'));
  const rate = c.linesAccepted / seconds;
  console.log(
    `  catch-up after ${OUTAGE_MINUTES} min of ${OUTAGE_HOSTS.toLocaleString('en-US')} hosts (${messages.toLocaleString('en-US')} messages, ${lines.toLocaleString('en-US')} lines, published in ${published.toFixed(0)} s): ` +
      `${Math.round(rate).toLocaleString('en-US')} lines/s, ${(c.messages / seconds).toFixed(0)} messages/s, ${seconds.toFixed(1)} s ` +
      `(${(rate / liveRate * 100).toFixed(0)} % of live JetStream collector ingest; ${c.linesAccepted.toLocaleString('en-US')} lines stored, ` +
      `${c.messagesDropped} dropped, this process ${(((used.user + used.system) / 1e6 / seconds) * 100).toFixed(0)} % busy)`,
  );
}

const server = await startNatsServer({ jetstream: true });
try {
  console.log(`NATS ingest of ${LINES.toLocaleString('en-US')} lines a run (after a warm-up) into the store, WAL on and off, core NATS and JetStream (mixed: ${LINES_PER_MESSAGE.mixed} lines of 100 hosts a message; collector: ${LINES_PER_MESSAGE.collector} lines of one host)`);
  let liveRate = 0;
  for (const shape of ['mixed', 'collector']) {
    for (const scheme of ['nats://', 'ws://']) {
      if (ROWS && !ROWS.includes(`${shape}:${scheme}`)) continue;
      // Core and JetStream take turns (A B A B ...): a machine whose load changes affects both alike.
      const core = [];
      const jetstreamRates = [];
      let off = null;
      for (let round = 0; round < REPEAT; round++) {
        core.push(await run(server, scheme, shape, true));
        if (!ROWS && round === 0) off = await run(server, scheme, shape, false);
        jetstreamRates.push(await run(server, scheme, shape, true, 'jetstream'));
      }
      const on = median(core);
      const js = median(jetstreamRates);
      if (shape === 'collector' && scheme === 'nats://') liveRate = js;
      const walCost = off === null ? '' : `WAL cost ${((1 - core[0] / off) * 100).toFixed(0)} % (target < 25 %); `;
      const pairs = REPEAT > 1 ? ` (medians of ${REPEAT} runs each; by turn ${core.map((c, i) => `${((jetstreamRates[i] / c) * 100).toFixed(0)} %`).join(', ')})` : '';
      console.log(`  ${shape.padEnd(10)} ${scheme.padEnd(8)} ${walCost}JetStream ${((js / on) * 100).toFixed(0)} % of core NATS, WAL on both (target >= 70 %)${pairs}`);
    }
  }
  if (OUTAGE_MINUTES > 0) await catchUp(server, liveRate);
} finally {
  await server.stop();
  rmSync(outDir, { recursive: true, force: true });
}
