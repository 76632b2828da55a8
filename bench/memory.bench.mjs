#!/usr/bin/env node
// Memory per stored sample, and what compression costs, through the real server.
//
//   node bench/memory.bench.mjs            # the full size: 48 h of >= 100 M samples (40 hosts), ~15 minutes
//   BENCH_SAMPLES=20e6 node bench/memory.bench.mjs
//
// For realistic and worst-case data of bench/data/generator.mjs, each with
// metric-store.compression false and true (four runs, in that order): starts
// the CLI (node dist/cli.js; retention-in-memory 50h, WAL on, checkpoints in
// a temporary directory), fills 48 h at 60 s through POST /api/write in
// bodies of BENCH_LINES_PER_BODY lines (timestamps now-48h .. now, time-major,
// one request at a time; only the requests are timed, the generator runs
// between them), and reads VmRSS from /proc/<pid>/status before and after and
// the store's memory figures from /metrics (not /api/debug: its whole-tree
// dump grows the engine's output buffer, linear memory of its own). Against
// the filled server, every host in turn: latency of one 2,880-point series (with data, and read + stats alone),
// of 72 hwthreads aggregated, queries/s over BENCH_CONNECTIONS keep-alive
// connections; then
// SIGTERM (the final checkpoint writes .bin snapshots), a restart on the same
// directory and the time until /readyz. In-process figures come from
// bench/lib/memory-in-process.mjs, one process per setting.
//
// Environment (all optional):
//   BENCH_SAMPLES             samples of the HTTP fill (default 100e6; hosts = samples / 2.52 M)
//   BENCH_INPROCESS_SAMPLES   samples of the in-process fill (default 10e6)
//   BENCH_HOURS               the time range (default 48)
//   BENCH_HWTHREADS           hwthreads per host (default 72)
//   BENCH_LINES_PER_BODY      lines per write request (default 300,000)
//   BENCH_MODES               default "realistic,worst"
//   BENCH_COMPRESSION         default "false,true"
//   BENCH_LATENCY_REPS        requests per latency median (default 300)
//   BENCH_QPS_SECONDS         seconds per queries/s figure (default 5)
//   BENCH_CONNECTIONS         connections for queries/s (default 8)
//   BENCH_KEEP                "1": the server's temporary directory (config.json, checkpoints/)
//                             is kept and its path logged, to time restores of its files again
// Prints one Markdown table, compression off beside on for each data set.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bodies, metricConfig, plannedLines, selectedMetrics } from './data/generator.mjs';
import { medianLatency, openConnection, queryRequest, requestsPerSecond, writeRequest } from './lib/http-client.mjs';
import { bytesOfFiles, residentBytes, startServer, storeMemory, waitReady } from './lib/server-process.mjs';

const env = (name, fallback) => (process.env[name] === undefined || process.env[name] === '' ? fallback : process.env[name]);
const SAMPLES = Number(env('BENCH_SAMPLES', 100e6));
const INPROCESS_SAMPLES = Number(env('BENCH_INPROCESS_SAMPLES', 10e6));
const HOURS = Number(env('BENCH_HOURS', 48));
const HWTHREADS = Number(env('BENCH_HWTHREADS', 72));
const LINES_PER_BODY = Number(env('BENCH_LINES_PER_BODY', 300_000));
const MODES = env('BENCH_MODES', 'realistic,worst').split(',');
const COMPRESSION = env('BENCH_COMPRESSION', 'false,true').split(',').map((c) => c === 'true');
const LATENCY_REPS = Number(env('BENCH_LATENCY_REPS', 300));
const QPS_SECONDS = Number(env('BENCH_QPS_SECONDS', 5));
const CONNECTIONS = Number(env('BENCH_CONNECTIONS', 8));
const KEEP = env('BENCH_KEEP', '') === '1';
const STEP = 60;
const CLUSTER = 'fritz';

const to = Math.floor(Date.now() / 1000 / STEP) * STEP;
const from = to - HOURS * 3600;
const perHost = plannedLines({ hosts: 1, hwthreads: HWTHREADS, from, to, step: STEP });
const hosts = Math.max(1, Math.ceil(SAMPLES / perHost));
const fill = { hosts, hwthreads: HWTHREADS, from, to, step: STEP, linesPerBody: LINES_PER_BODY, seed: 1, cluster: CLUSTER };
const metrics = metricConfig(fill);

const hwthreadMetrics = selectedMetrics(fill).filter((m) => m.level === 'hwthread').length;
log(
  `memory bench: ${hosts} hosts x (${HWTHREADS} hwthreads x ${hwthreadMetrics} metrics + ${Object.keys(metrics).length - hwthreadMetrics} node metrics of bench/data/generator.mjs),` +
    ` ${HOURS} h at ${STEP} s = ${fmt(plannedLines(fill) / 1e6, 1)} M samples planned, bodies of ${fmt(LINES_PER_BODY)} lines`,
);

const runs = [];
for (const mode of MODES) {
  for (const compression of COMPRESSION) {
    log(`\n${mode}, compression ${compression}: in-process`);
    const inProcess = inProcessFigures(mode, compression);
    log(`${mode}, compression ${compression}: the real server`);
    const http = await serverFigures(mode, compression);
    runs.push({ mode, compression, inProcess, http });
  }
}
printTable(runs);

// --- the real server ------------------------------------------------------------

async function serverFigures(mode, compression) {
  const dir = mkdtempSync(join(tmpdir(), 'ccms-membench-'));
  const config = {
    main: { addr: '127.0.0.1:0' },
    metrics,
    'metric-store': {
      'retention-in-memory': `${HOURS + 2}h`,
      'memory-cap': 0,
      compression,
      checkpoints: { 'file-format': 'wal', directory: join(dir, 'checkpoints') },
      cleanup: { mode: 'delete' },
    },
  };
  mkdirSync(join(dir, 'checkpoints'));
  let server = await startServer(dir, config);
  try {
    await waitReady(server.port);
    const before = residentBytes(server.pid);
    const ingest = await fillOver(server.port, mode);
    // The server collects the garbage of the last bodies once writes have been quiet for 1-2 s
    // (src/runtime/idle-collection.ts): RSS is read after that, as an idle store holds it.
    await sleep(3000);
    const after = residentBytes(server.pid);
    const stats = await storeMemory(server.port);
    const slots = stats.shards.reduce((n, s) => n + s.samples, 0);
    log(`  filled: ${fmt(ingest.lines)} samples, RSS ${mb(before.rss)} -> ${mb(after.rss)} MB (peak ${mb(after.peak)}), engine ${mb(stats.usedBytes)} MB used of ${mb(stats.memoryBytes)}`);

    const queries = await queryFigures(server.port);
    const stopped = await server.stop();
    if (stopped.code !== 0) throw new Error(`the server exited with ${stopped.code} at SIGTERM:\n${server.stderr()}`);
    const binBytes = bytesOfFiles(join(dir, 'checkpoints'), '.bin');
    log(`  SIGTERM: ${mb(binBytes)} MB of .bin in ${fmt(stopped.seconds, 1)} s; restarting`);

    server = await startServer(dir, config);
    await waitReady(server.port);
    const restoreSeconds = server.startSeconds;
    const restoreLine = /restore done: .*\((\d+) MB\/s\)/.exec(server.stderr());
    const restored = residentBytes(server.pid);
    return {
      lines: ingest.lines,
      slots,
      rssGrowth: after.rss - before.rss,
      rssPeakGrowth: after.peak - before.rss,
      rssRestoredGrowth: restored.rss - before.rss,
      usedBytes: stats.usedBytes,
      memoryBytes: stats.memoryBytes,
      ingestLinesPerSec: ingest.lines / ingest.seconds,
      ...queries,
      binBytes,
      shutdownSeconds: stopped.seconds,
      restoreSeconds,
      restoreMBps: binBytes / 1e6 / restoreSeconds,
      restoreLoggedMBps: restoreLine ? Number(restoreLine[1]) : NaN,
    };
  } finally {
    await server.stop();
    if (KEEP) log(`  kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes the whole time range, one request at a time; the seconds are those of the requests alone. */
async function fillOver(port, mode) {
  const conn = await openConnection(port);
  let ns = 0n;
  let lines = 0;
  let sent = 0;
  let lastLog = performance.now();
  try {
    for (const body of bodies({ ...fill, mode })) {
      const request = writeRequest(port, CLUSTER, body);
      const t = process.hrtime.bigint();
      const res = await conn.request(request);
      ns += process.hrtime.bigint() - t;
      if (res.status !== 200) throw new Error(`write: HTTP ${res.status}: ${res.body.slice(0, 500)}`);
      lines += countLines(body);
      sent++;
      if (performance.now() - lastLog > 15_000) {
        lastLog = performance.now();
        log(`  ${sent} bodies, ${fmt(lines / 1e6, 1)} M samples`);
      }
    }
  } finally {
    conn.close();
  }
  return { lines, seconds: Number(ns) / 1e9 };
}

/**
 * Query figures over every host in turn (hosts differ: some mostly idle, some
 * busy), one hwthread's cpu_user and a host's flops_any over all hwthreads.
 */
async function queryFigures(port) {
  const hostnames = Array.from({ length: hosts }, (_, h) => `f${String(h + 1).padStart(4, '0')}`);
  const allThreads = Array.from({ length: HWTHREADS }, (_, i) => String(i));
  const one = (host, h) => ({ cluster: CLUSTER, from, to, queries: [{ metric: 'cpu_user', host, type: 'hwthread', 'type-ids': [String((h * 7) % HWTHREADS)] }] });
  const aggregated = (host) => ({ cluster: CLUSTER, from, to, queries: [{ metric: 'flops_any', host, type: 'hwthread', 'type-ids': allThreads, aggreg: true }] });
  const oneRequests = hostnames.map((host, h) => queryRequest(port, one(host, h)));
  const statsRequests = hostnames.map((host, h) => queryRequest(port, { ...one(host, h), 'with-data': false }));
  const aggregatedRequests = hostnames.map((host) => queryRequest(port, aggregated(host)));
  const conn = await openConnection(port);
  const answer = JSON.parse((await conn.request(oneRequests[0])).body);
  conn.close();
  const points = answer.results?.[0]?.[0]?.data?.length ?? 0;
  if (points < (HOURS * 3600) / STEP - 1) throw new Error(`one series: ${points} points, expected ${(HOURS * 3600) / STEP}: ${JSON.stringify(answer).slice(0, 300)}`);
  return {
    points,
    oneUs: await medianLatency(port, oneRequests, LATENCY_REPS),
    oneStatsUs: await medianLatency(port, statsRequests, LATENCY_REPS),
    aggregatedUs: await medianLatency(port, aggregatedRequests, Math.ceil(LATENCY_REPS / 3)),
    oneQps: await requestsPerSecond(port, oneRequests, CONNECTIONS, QPS_SECONDS),
    aggregatedQps: await requestsPerSecond(port, aggregatedRequests, CONNECTIONS, QPS_SECONDS),
  };
}

// --- in-process ---------------------------------------------------------------

function inProcessFigures(mode, compression) {
  const script = fileURLToPath(new URL('./lib/memory-in-process.mjs', import.meta.url));
  const args = [script, mode, String(compression), String(INPROCESS_SAMPLES), String(HOURS), String(HWTHREADS), String(LINES_PER_BODY)];
  const run = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (run.status !== 0) throw new Error(`in-process ${mode} ${compression}: ${run.stderr}`);
  const r = JSON.parse(run.stdout);
  log(`  ${fmt(r.lines / 1e6, 1)} M samples at ${fmt(r.linesPerSec / 1e6, 2)} M lines/s, ${fmt(r.usedBytes / r.slots, 2)} bytes/sample; read + stats ${fmt(r.readStatsUs, 1)} us`);
  return r;
}

// --- the table ----------------------------------------------------------------

function printTable(all) {
  const rows = [
    ['samples stored over HTTP (M)', '>= 100', (r) => fmt(r.http.lines / 1e6, 1)],
    ['RSS growth per stored sample (bytes)', 'realistic <= 2.0, worst <= 4.3', (r) => fmt(r.http.rssGrowth / r.http.lines, 2)],
    ['peak RSS growth per stored sample (bytes)', '', (r) => fmt(r.http.rssPeakGrowth / r.http.lines, 2)],
    ['engine bytes per sample, used (usedBytes / slots)', '', (r) => fmt(r.http.usedBytes / r.http.slots, 2)],
    ['engine bytes per sample, linear memory (memoryBytes / slots)', '', (r) => fmt(r.http.memoryBytes / r.http.slots, 2)],
    ['HTTP ingest during the fill (lines/s, one connection)', '', (r) => fmt(r.http.ingestLinesPerSec, 0)],
    [`in-process ingest, ${fmt(LINES_PER_BODY)}-line bodies, WAL off (M lines/s)`, '>= 4', (r) => fmt(r.inProcess.linesPerSec / 1e6, 2)],
    ['in-process read + stats, one 2,880-point series (us, median)', '<= 25', (r) => fmt(r.inProcess.readStatsUs, 1)],
    ['in-process query, 72 hwthreads aggregated, JSON included (us, median)', '', (r) => fmt(r.inProcess.aggregatedUs, 0)],
    ['HTTP query, one 2,880-point series (us, median)', '', (r) => fmt(r.http.oneUs, 0)],
    ['HTTP read + stats, one 2,880-point series, no data (us, median)', '', (r) => fmt(r.http.oneStatsUs, 0)],
    ['HTTP query, 72 hwthreads aggregated (us, median)', '', (r) => fmt(r.http.aggregatedUs, 0)],
    [`queries/s, one 2,880-point series, ${CONNECTIONS} connections`, '>= 80 % of off', (r) => fmt(r.http.oneQps, 0)],
    [`queries/s, 72 hwthreads aggregated, ${CONNECTIONS} connections`, '>= 80 % of off', (r) => fmt(r.http.aggregatedQps, 0)],
    ['.bin written at SIGTERM (MB, seconds)', '', (r) => `${fmt(r.http.binBytes / 1e6, 0)} MB, ${fmt(r.http.shutdownSeconds, 1)} s`],
    ['restore, .bin MB / seconds from start to listening (MB/s)', '>= 1,000', (r) => fmt(r.http.restoreMBps, 0)],
    ['restore as the server logs it (MB/s)', '>= 1,000', (r) => fmt(r.http.restoreLoggedMBps, 0)],
    ['RSS growth per sample after the restore (bytes)', '', (r) => fmt(r.http.rssRestoredGrowth / r.http.lines, 2)],
  ];
  const label = (r) => `${r.mode}, compression ${r.compression ? 'on' : 'off'}`;
  console.log(`\n| what | target | ${all.map(label).join(' | ')} |`);
  console.log(`|---|---|${all.map(() => '---:').join('|')}|`);
  for (const [what, target, cell] of rows) console.log(`| ${what} | ${target} | ${all.map(cell).join(' | ')} |`);
}

// --- helpers --------------------------------------------------------------------

function countLines(body) {
  let n = 0;
  for (let at = body.indexOf(10); at >= 0; at = body.indexOf(10, at + 1)) n++;
  return n;
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

function mb(bytes) {
  return fmt(bytes / 1e6, 0);
}

function fmt(n, digits = 0) {
  return Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '-';
}

function log(message) {
  console.error(message);
}
