#!/usr/bin/env node
// HTTP figures of the real server, started under the runtime(s) given:
//
//   node bench/http.bench.mjs [node] [bun] [deno] [--seconds 10] [--connections 8] [--bodies 12] [--rounds 3] [--ingest-only]
//
// (all three runtimes when none is named)
//
// - ingest, WAL on (the real CLI) and WAL off (bench/wal-off-server.mjs, the
//   same service without the WAL), both servers up at once and measured in
//   turns, best of --rounds each, so that other load on the machine hits both
//   alike (after a warm-up round). Two shapes of write request:
//   - bulk: bodies of 230,400 lines (10 metrics x 64 hosts x 72 hwthreads x
//     5 timestamps), 2 keep-alive connections;
//   - collector: what cc-metric-collector sends, one host per request
//     (10 metrics x 72 hwthreads = 720 lines at one timestamp), 256 hosts,
//     --connections keep-alive connections;
// - queries/s under keep-alive load (GET /api/query?version=v2 with a body,
//   as cc-backend sends it): one host's 24 h at 60 s (1,440 points), and the
//   same span of a metric aggregated over 72 hwthreads.
// Beside each figure, its ceiling measured in the same run: for ingest the
// engine's in-process rate on the same bodies (bench/lib/engine-ingest.mjs,
// under the same runtime, WAL records on, the garbage of making the bodies
// collected before the clock starts on both sides); for queries a bare server
// answering a body of the answer's size to the same load generator
// (bench/lib/bare-server.mjs: node:http, and Bun.serve / Deno.serve, sent
// the same body as a POST), in turns with the store, best of --rounds each.
// Prints Markdown tables. The reference Go cc-metric-store on this machine
// (wrk, 8 connections): 757,000 lines/s, 3,400 and 1,900 queries/s.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { DAY, preloadQueryHost, startChild, writeBenchConfig } from './lib/bench-store.mjs';
import { collectGarbage } from './lib/collect-garbage.mjs';
import { openConnection, queryRequest, roundTrip, writeRequest as clusterWriteRequest } from './lib/http-client.mjs';
import { BULK_LINES, COLLECTOR_HOSTS, COLLECTOR_LINES, FREQUENCY, HWTHREADS, STEPS_PER_BODY, bulkBody, collectorBody } from './lib/write-bodies.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

const { runtimes, seconds, connections, bodies, rounds, entry, ingestOnly } = parseArgs(process.argv.slice(2));
// As many collector lines per round as bulk lines.
const COLLECTOR_STEPS = Math.max(1, Math.round((bodies * BULK_LINES) / (COLLECTOR_LINES * COLLECTOR_HOSTS)));

const rows = [];
for (const runtime of runtimes) rows.push(await benchRuntime(runtime));
console.log(
  `\n| runtime | bulk ingest, WAL on (lines/s) | WAL off | WAL cost | collector ingest (${fmt(COLLECTOR_LINES)} lines/request), WAL on | WAL off | WAL cost |` +
    ' single-host query, 1,440 points (req/s) | 72 hwthreads aggregated (req/s) |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.runtime} | ${fmt(r.bulk.on)} | ${fmt(r.bulk.off)} | ${cost(r.bulk)} | ${fmt(r.collector.on)} | ${fmt(r.collector.off)} | ${cost(r.collector)} |` +
      ` ${fmt(r.single)} | ${fmt(r.aggregated)} |`,
  );
}
console.log('\n| runtime | figure | measured | ceiling (same run) | ratio | target |');
console.log('|---|---|---:|---|---:|---:|');
for (const r of rows) {
  const row = (figure, measured, ceiling, what, target) =>
    console.log(`| ${r.runtime} | ${figure} | ${fmt(measured)} | ${fmt(ceiling)} ${what} | ${pct(measured / ceiling)} | ${target} |`);
  row('bulk ingest, WAL on (lines/s)', r.bulk.on, r.engine.bulk, 'engine in-process', '>= 85 %');
  row(`collector ingest, ${fmt(COLLECTOR_LINES)} lines/request, ${connections} connections, WAL on (lines/s)`, r.collector.on, r.engine.collector, 'engine in-process', '>= 70 %');
  for (const [figure, measured, bare, target] of [
    ['single-host query, 1,440 points (req/s)', r.single, r.bare.single, '>= 60 %'],
    ['72 hwthreads aggregated (req/s)', r.aggregated, r.bare.aggregated, '>= 40 %'],
  ]) {
    for (const [server, rate] of Object.entries(bare)) row(figure, measured, rate, `${server}, ${fmt(r.answerBytes[figure.startsWith('single') ? 'single' : 'aggregated'])} B`, target);
  }
}

async function benchRuntime(runtime) {
  const dir = mkdtempSync(join(tmpdir(), 'ccms-bench-'));
  const servers = {};
  try {
    servers.on = await startServer(runtime, join(dir, 'wal-on'));
    servers.off = await startServer(runtime, join(dir, 'wal-off'), join(ROOT, 'bench/wal-off-server.mjs'));
    const port = servers.on.port;
    log(`${runtime}: WAL on at port ${port}, WAL off at port ${servers.off.port}`);
    const end = Math.floor(Date.now() / 1000 / FREQUENCY) * FREQUENCY;
    const start = end - DAY;

    log(`${runtime}: loading 24 h of one host for the query figures`);
    await preloadQueryHost(port, start, (body) => writeRequest(port, body));
    const singleBody = JSON.stringify({ cluster: 'bench', from: start, to: end, queries: [{ metric: 'cpu_load', host: 'q0' }] });
    const aggregatedBody = JSON.stringify({
      cluster: 'bench',
      from: start,
      to: end,
      queries: [{ metric: 'flops_any', host: 'q0', type: 'hwthread', 'type-ids': range(HWTHREADS).map(String), aggreg: true }],
    });
    const answerBytes = { single: await checkQuery(port, singleBody, 1440), aggregated: await checkQuery(port, aggregatedBody, 1440) };

    // Timestamps after the preloaded day, in order, as collectors send them.
    const bulk = { on: 0, off: 0 };
    const collector = { on: 0, off: 0 };
    let ts = start + DAY;
    // Round 0 warms both servers up (the JIT, the first chunks of every series) and is not counted.
    for (let round = 0; round <= rounds; round++) {
      const counted = round > 0;
      const what = counted ? `round ${round}/${rounds}` : 'warm-up';
      const bulkCount = counted ? bodies : Math.ceil(bodies / 4);
      const collectorSteps = counted ? COLLECTOR_STEPS : Math.ceil(COLLECTOR_STEPS / 4);
      // Every round starts with the other server, so neither always runs first.
      const order = round % 2 === 1 ? ['on', 'off'] : ['off', 'on'];
      log(`${runtime}: ${what}, bulk: ${bulkCount} bodies of ${fmt(BULK_LINES)} lines`);
      const bulkBodies = range(bulkCount).map((i) => bulkBody(ts + i * STEPS_PER_BODY * FREQUENCY));
      ts += bulkCount * STEPS_PER_BODY * FREQUENCY;
      for (const wal of order) {
        const rate = await benchIngest(servers[wal].port, bulkBodies, 2);
        if (counted) bulk[wal] = Math.max(bulk[wal], rate);
      }
      bulkBodies.length = 0;

      log(`${runtime}: ${what}, collector: ${COLLECTOR_HOSTS} hosts x ${collectorSteps} timestamps, ${fmt(COLLECTOR_LINES)} lines/request`);
      const collectorBodies = [];
      for (let step = 0; step < collectorSteps; step++) {
        for (let h = 0; h < COLLECTOR_HOSTS; h++) collectorBodies.push(collectorBody(h, ts + step * FREQUENCY));
      }
      ts += collectorSteps * FREQUENCY;
      for (const wal of order) {
        const rate = await benchIngest(servers[wal].port, collectorBodies, connections);
        if (counted) collector[wal] = Math.max(collector[wal], rate);
      }
      if (counted) {
        log(`${runtime}:   best so far, lines/s: bulk WAL on ${fmt(bulk.on)}, off ${fmt(bulk.off)}; collector WAL on ${fmt(collector.on)}, off ${fmt(collector.off)}`);
      }
    }
    await servers.off.stop();
    delete servers.off;

    log(`${runtime}: the engine in-process on the same bodies`);
    const engine = engineIngest(runtime);
    log(`${runtime}:   engine lines/s: bulk ${fmt(engine.bulk)}, collector ${fmt(engine.collector)}`);
    // --ingest-only: the write figures alone, for A/B runs of the write path (the query rows print as 0).
    if (ingestOnly) return { runtime, bulk, collector, single: 0, aggregated: 0, engine, bare: { single: {}, aggregated: {} }, answerBytes };

    // The bare servers answer bodies of the store's answer sizes; each figure and its ceilings in turns.
    const bareKinds = runtime === 'node' ? ['node:http'] : ['node:http', runtime === 'bun' ? 'Bun.serve' : 'Deno.serve'];
    const bareServers = {};
    for (const which of ['single', 'aggregated']) {
      for (const kind of bareKinds) {
        const s = await startBareServer(runtime, answerBytes[which], kind !== 'node:http');
        servers[`bare-${which}-${kind}`] = s;
        (bareServers[which] ??= {})[kind] = s;
      }
    }
    let single = 0;
    let aggregated = 0;
    const bare = { single: {}, aggregated: {} };
    for (let round = 1; round <= rounds; round++) {
      single = Math.max(single, await loadTest(port, queryRequest(port, singleBody)));
      aggregated = Math.max(aggregated, await loadTest(port, queryRequest(port, aggregatedBody)));
      for (const which of ['single', 'aggregated']) {
        for (const [kind, s] of Object.entries(bareServers[which])) {
          bare[which][kind] = Math.max(bare[which][kind] ?? 0, await loadTest(s.port, queryRequest(s.port, which === 'single' ? singleBody : aggregatedBody, kind === 'node:http' ? 'GET' : 'POST')));
        }
      }
      log(`${runtime}: queries round ${round}/${rounds}, best req/s: single host ${fmt(single)} (bare ${Object.values(bare.single).map(fmt).join(', ')}),` +
        ` 72 hwthreads aggregated ${fmt(aggregated)} (bare ${Object.values(bare.aggregated).map(fmt).join(', ')})`);
    }
    return { runtime, bulk, collector, single, aggregated, engine, bare, answerBytes };
  } finally {
    await Promise.all(Object.values(servers).map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}

// --- data -------------------------------------------------------------------

async function checkQuery(port, body, points) {
  const res = await roundTrip(port, queryRequest(port, body));
  const answer = JSON.parse(res.body);
  const data = answer.results?.[0]?.[0]?.data;
  if (res.status !== 200 || !Array.isArray(data) || data.length !== points) {
    throw new Error(`query check failed (HTTP ${res.status}): ${res.body.slice(0, 300)}`);
  }
  return Buffer.byteLength(res.body);
}

// --- load -------------------------------------------------------------------

/** Lines/s of writing `prepared` (bodies of line protocol) over `connectionCount` keep-alive connections. */
async function benchIngest(port, prepared, connectionCount) {
  const lines = prepared.reduce((n, body) => n + countLines(body), 0);
  const sockets = await Promise.all(range(connectionCount).map(() => openConnection(port)));
  // The garbage of making the bodies is not collected on the cores the server runs on while it is timed.
  collectGarbage();
  let next = 0;
  const started = performance.now();
  await Promise.all(
    sockets.map(async (conn) => {
      while (next < prepared.length) {
        const res = await conn.request(writeRequest(port, prepared[next++]));
        if (res.status !== 200) throw new Error(`ingest: HTTP ${res.status}: ${res.body}`);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  sockets.forEach((c) => c.close());
  return lines / elapsed;
}

function countLines(body) {
  let n = 0;
  for (let at = body.indexOf(10); at >= 0; at = body.indexOf(10, at + 1)) n++;
  return n;
}

/** Requests per second over `seconds`, `connections` keep-alive connections each sending the next request when the answer is in. */
async function loadTest(port, request) {
  try {
    return await loadTestOn(port, request);
  } catch (e) {
    throw new Error(`load test of port ${port}: ${e.message}`, { cause: e });
  }
}

async function loadTestOn(port, request) {
  const conns = await Promise.all(range(connections).map(() => openConnection(port)));
  for (const c of conns) await c.request(request); // warm-up
  let done = 0;
  let failed = 0;
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    conns.map(async (conn) => {
      while (performance.now() < until) {
        const res = await conn.request(request);
        if (res.status === 200) done++;
        else failed++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  conns.forEach((c) => c.close());
  if (failed) log(`  ${failed} requests failed`);
  return done / elapsed;
}

// --- the server -------------------------------------------------------------

function serverCommand(runtime, script) {
  if (runtime === 'node' && !existsSync(script)) throw new Error(`${script} is missing: run \`npm run build\` first`);
  switch (runtime) {
    case 'node':
      return [process.execPath, script];
    case 'bun':
      return [join(ROOT, 'node_modules/bun/bin/bun.exe'), script];
    case 'deno':
      return [join(ROOT, 'node_modules/deno/deno'), 'run', '-A', script];
    default:
      throw new Error(`unknown runtime ${runtime}: use node, bun or deno`);
  }
}

/** The CLI (or `script`, started with the same flags) with its own directory and config. */
function startServer(runtime, dir, script = entry ?? (runtime === 'node' ? join(ROOT, 'dist/cli.js') : join(ROOT, 'src/cli.ts'))) {
  const configPath = writeBenchConfig(dir);
  return startChild([...serverCommand(runtime, script), '-config', configPath, '-loglevel', 'info'], dir);
}

/** Lines/s of the engine in-process on the bench's bodies, under `runtime` (bench/lib/engine-ingest.mjs). */
function engineIngest(runtime) {
  const [cmd, ...args] = serverCommand(runtime, join(ROOT, 'bench/lib/engine-ingest.mjs'));
  const run = spawnSync(cmd, [...args, String(bodies), String(COLLECTOR_STEPS), String(rounds)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (run.status !== 0) throw new Error(`engine-ingest.mjs under ${runtime} exited with ${run.status}`);
  return JSON.parse(run.stdout.trim().split('\n').pop());
}

/** bench/lib/bare-server.mjs under `runtime`, answering `bytes` bytes. */
function startBareServer(runtime, bytes, native) {
  const [cmd, ...args] = serverCommand(runtime, join(ROOT, 'bench/lib/bare-server.mjs'));
  return startChild([cmd, ...args, String(bytes), ...(native ? ['--native'] : [])]);
}

// --- helpers ----------------------------------------------------------------

function parseArgs(argv) {
  const options = { runtimes: [], seconds: 10, connections: 8, bodies: 12, rounds: 3, entry: undefined, ingestOnly: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--seconds') options.seconds = Number(argv[++i]);
    else if (arg === '--connections') options.connections = Number(argv[++i]);
    else if (arg === '--bodies') options.bodies = Number(argv[++i]);
    else if (arg === '--rounds') options.rounds = Number(argv[++i]);
    else if (arg === '--ingest-only') options.ingestOnly = true;
    else if (arg === '--entry') options.entry = resolve(argv[++i]); // another entry script, e.g. a build elsewhere
    else options.runtimes.push(arg);
  }
  if (options.runtimes.length === 0) options.runtimes.push('node', 'bun', 'deno');
  return options;
}

function range(n) {
  return Array.from({ length: n }, (_, i) => i);
}

function fmt(n) {
  return Math.round(n).toLocaleString('en-US');
}

function pct(ratio) {
  return `${(ratio * 100).toFixed(0)} %`;
}

function cost({ on, off }) {
  return `${((1 - on / off) * 100).toFixed(0)} %`;
}

function log(message) {
  console.error(message);
}

/** A write of the bench's cluster (HTTP/1.1 over node:net, keep-alive: bench/lib/http-client.mjs). */
function writeRequest(port, body) {
  return clusterWriteRequest(port, 'bench', body);
}
