#!/usr/bin/env node
// The query figures of bench/http.bench.mjs in-process, without HTTP: one
// host's day as preloadQueryHost writes it (cpu_load, and flops_any of 72
// hwthreads) and the two queries (single host; flops_any aggregated over the
// 72 hwthreads), through Store.query, one build against another.
//
//   node bench/aggregate-profile.mjs [--builds A,B] [--query aggregated|single] [--reps 200] [--functions 20]
//        # callgrind: instructions a query, and its top functions by self cost
//   node bench/aggregate-profile.mjs --time [--builds A,B] [--rounds 9] [--reps 1000]
//        # us a query, median of interleaved rounds
//
// A build is a directory holding dist/, build/engine.wasm and engine.wat
// (default: this checkout; callgrind runs each build on its own and names its
// WASM functions from that build's engine.wat). Every build must answer both
// queries with the same bytes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { profileArgs } from './lib/args.mjs';
import { callgrindMarked } from './lib/callgrind-marked.mjs';
import { FREQUENCY, HWTHREADS, METRIC_CONFIG } from './lib/write-bodies.mjs';

const { args, opt, builds, inner, time } = profileArgs();
const which = opt('--query', 'aggregated');
const reps = Number(opt('--reps', time ? 1000 : 200));
const rounds = Number(opt('--rounds', 9));
const topFunctions = Number(opt('--functions', 20));

const DAY = 86_400;
const END = 1764700020; // a multiple of 60
const START = END - DAY;
const QUERIES = {
  single: { cluster: 'bench', from: START, to: END, queries: [{ metric: 'cpu_load', host: 'q0' }] },
  aggregated: {
    cluster: 'bench', from: START, to: END,
    queries: [{ metric: 'flops_any', host: 'q0', type: 'hwthread', 'type-ids': Array.from({ length: HWTHREADS }, (_, i) => String(i)), aggreg: true }],
  },
};

/** A store of `dir`'s build holding preloadQueryHost's day (bench/lib/bench-store.mjs), written the same way: 60 timestamps a body. */
async function loadedStore(dir) {
  const { Store } = await import(pathToFileURL(join(dir, 'dist/engine/store.js')).href);
  const store = Store.fromModule(new WebAssembly.Module(readFileSync(join(dir, 'build/engine.wasm'))), { metrics: METRIC_CONFIG, compression: true });
  for (let first = 0; first < DAY / FREQUENCY; first += 60) {
    const parts = [];
    for (let i = first; i < first + 60; i++) {
      const ts = START + i * FREQUENCY;
      parts.push(`cpu_load,cluster=bench,hostname=q0,type=node value=${(i % 50) * 0.25} ${ts}\n`);
      for (let t = 0; t < HWTHREADS; t++) parts.push(`flops_any,cluster=bench,hostname=q0,type=hwthread,type-id=${t} value=${(i + t) % 13} ${ts}\n`);
    }
    store.ingest(Buffer.from(parts.join('')), 'bench', END);
  }
  return store;
}

async function setUp() {
  const stores = [];
  for (const dir of builds) stores.push(await loadedStore(dir));
  for (const [name, q] of Object.entries(QUERIES)) {
    const answers = stores.map((s) => Buffer.from(s.query(q)).toString());
    if (answers.some((a) => a !== answers[0])) throw new Error(`the builds answer the ${name} query differently`);
    if (JSON.parse(answers[0]).results[0][0].data.length !== 1440) throw new Error(`${name}: not 1,440 points`);
  }
  return stores;
}

if (inner) {
  // Under callgrind: warm up, then the queries inside findLastIndex (the only code counted).
  const [store] = await setUp();
  const q = QUERIES[which];
  for (let i = 0; i < 300; i++) store.query(q);
  new Array(reps).fill(0).findLastIndex(() => (store.query(q), false));
  process.stdout.write(JSON.stringify({ pid: process.pid }));
} else if (!time) {
  for (const dir of builds) {
    const { dumps: [d], done } = callgrindMarked(fileURLToPath(import.meta.url),
      ['--inner', '--builds', dir, '--query', which, '--reps', String(reps)],
      { top: topFunctions, wat: [join(dir, 'build/engine.wat')] });
    try {
      console.log(`\n${dir}: ${which} query, ${Math.round(d.instructions / reps).toLocaleString('en-US')} instructions a query (callgrind, ${reps} queries); top functions a query:`);
      const top = topFunctions ? d.costs().costs.slice(0, topFunctions) : [];
      for (const [name, ir] of top) console.log(`  ${String(Math.round(ir / reps)).padStart(9)}  ${name}`);
    } finally {
      done();
    }
  }
} else {
  const stores = await setUp();
  const times = stores.map(() => ({ single: [], aggregated: [] }));
  for (let round = 0; round <= rounds; round++) {
    stores.forEach((s, b) => {
      for (const [name, q] of Object.entries(QUERIES)) {
        const t = process.hrtime.bigint();
        for (let k = 0; k < reps; k++) s.query(q);
        if (round > 0) times[b][name].push(Number(process.hrtime.bigint() - t) / 1e3 / reps); // round 0 warms up
      }
    });
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  console.log(`us a query, median of ${rounds} interleaved rounds of ${reps}\n\n| build | single | aggregated |\n|---|---:|---:|`);
  builds.forEach((dir, b) => console.log(`| ${dir} | ${median(times[b].single).toFixed(1)} | ${median(times[b].aggregated).toFixed(1)} |`));
}
