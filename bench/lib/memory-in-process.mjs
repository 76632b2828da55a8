// One in-process figure set of bench/memory.bench.mjs, in a process of its
// own (so stores measured before do not weigh on it):
//
//   node bench/lib/memory-in-process.mjs <realistic|worst> <true|false> <samples> <hours> <hwthreads> <linesPerBody>
//
// Fills a store (WAL records off, as engine.bench's headline figure) with the
// generator's bodies for the time range ending now, timing the ingest calls
// alone; then times read + stats of one 2,880-point series (no data in the
// answer) and a 72-hwthread aggregated query (JSON included), medians over
// every host in turn.
// Prints one JSON object.

import { existsSync, readFileSync } from 'node:fs';
import { bodies, metricConfig, plannedLines } from '../data/generator.mjs';
import { median } from './http-client.mjs';

const distStore = new URL('../../dist/engine/store.js', import.meta.url);
const wasmUrl = new URL('../../build/engine.wasm', import.meta.url);
if (!existsSync(distStore) || !existsSync(wasmUrl)) {
  console.error('memory bench: run `npm run build` first');
  process.exit(1);
}
const { Store } = await import(distStore);
const module = new WebAssembly.Module(readFileSync(wasmUrl));

const [mode, compressionArg, samplesArg, hoursArg, hwthreadsArg, linesArg] = process.argv.slice(2);
const compression = compressionArg === 'true';
const hwthreads = Number(hwthreadsArg);
const STEP = 60;
const to = Math.floor(Date.now() / 1000 / STEP) * STEP;
const from = to - Number(hoursArg) * 3600;
const perHost = plannedLines({ hosts: 1, hwthreads, from, to, step: STEP });
const hosts = Math.max(1, Math.ceil(Number(samplesArg) / perHost));
const options = { hosts, hwthreads, from, to, step: STEP, linesPerBody: Number(linesArg), seed: 1, mode };

const store = Store.fromModule(module, { metrics: metricConfig(options), compression });
let ns = 0n;
let lines = 0;
for (const body of bodies(options)) {
  const t = process.hrtime.bigint();
  const r = store.ingest(body, 'fritz', to);
  ns += process.hrtime.bigint() - t;
  if (r.error || r.rejected) throw new Error(`ingest: ${JSON.stringify(r.error ?? r.reasons)}`);
  lines += r.accepted;
}
const stats = store.stats();
const slots = stats.shards.reduce((n, s) => n + s.samples, 0);

const decoder = new TextDecoder();
// Every host in turn: some are mostly idle, others busy.
const hostnames = Array.from({ length: hosts }, (_, h) => `f${String(h + 1).padStart(4, '0')}`);
const allThreads = Array.from({ length: hwthreads }, (_, i) => String(i));
const oneQueries = hostnames.map((host, h) => ({
  cluster: 'fritz',
  from,
  to,
  'with-data': false,
  queries: [{ metric: 'cpu_user', host, type: 'hwthread', 'type-ids': [String((h * 7) % hwthreads)] }],
}));
const aggregatedQueries = hostnames.map((host) => ({
  cluster: 'fritz',
  from,
  to,
  queries: [{ metric: 'flops_any', host, type: 'hwthread', 'type-ids': allThreads, aggreg: true }],
}));
const points = JSON.parse(decoder.decode(store.query({ ...oneQueries[0], 'with-data': true }))).results[0][0].data.length;

process.stdout.write(
  JSON.stringify({
    hosts,
    lines,
    slots,
    points,
    linesPerSec: lines / (Number(ns) / 1e9),
    usedBytes: stats.usedBytes,
    memoryBytes: stats.memoryBytes,
    readStatsUs: medianMicros((i) => store.query(oneQueries[i % hosts]), 2000),
    aggregatedUs: medianMicros((i) => store.query(aggregatedQueries[i % hosts]), 300),
  }),
);

function medianMicros(fn, reps) {
  for (let i = 0; i < 50; i++) fn(i);
  const us = [];
  for (let i = 0; i < reps; i++) {
    const t = process.hrtime.bigint();
    fn(i);
    us.push(Number(process.hrtime.bigint() - t) / 1e3);
  }
  return median(us);
}
