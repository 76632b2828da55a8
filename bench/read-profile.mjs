#!/usr/bin/env node
// The single-series read path in-process, raw against sealed chunks, one build
// against another: what issue 11's "read + stats of one 2,880-point series"
// figure is made of, measured two ways that a shared machine does not blur.
//
//   node bench/read-profile.mjs [--builds A,B] [--rounds 12] [--reps 2000]   # interleaved timing
//   node bench/read-profile.mjs --callgrind [--builds A,B] [--reps 1000]     # instructions a query
//        [--functions 12]                                                    # ... and its top functions
//        [--cases read]                                                      # only the queries named so
//
// A build is a directory holding dist/ and build/engine.wasm (default: this
// checkout; put a copy of another build's dist/ and build/ in a directory to
// compare). Every build gets the same data: one host of engine.bench.mjs's
// shape (10 metrics x 8 hwthreads, values dd.ddd), 48 h at 60 s, in a store
// with compression off (raw) and one with it on (sealed: five sealed chunks
// and the newest with its packed pages per series).
//
// Timing: the (build, store, query) cases take turns, --reps queries each, for
// --rounds rounds; the median per case and the ratios to the first build are
// printed. --callgrind runs this script (the --inner part) under valgrind
// (bench/lib/callgrind-marked.mjs):
// counting is on only inside Array.prototype.findLastIndex, which runs each
// case's queries once, and a dump follows each case, so every figure is the
// instructions of the queries alone (the engine and its JavaScript, all
// threads inside that call), divided by --reps. With --functions N each
// case's instructions are split by function (V8's --perf-basic-prof map names
// the JIT code; WebAssembly functions by their index, which build/engine.wat
// turns into names, every build's name where builds differ: "a / b"; see
// lib/callgrind-wasm.mjs) and its top N are listed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { profileArgs } from './lib/args.mjs';
import { callgrindMarked } from './lib/callgrind-marked.mjs';

const { args, opt, builds, inner, callgrind } = profileArgs();
const reps = Number(opt('--reps', callgrind || inner ? 1000 : 2000));
const rounds = Number(opt('--rounds', 12));
const only = opt('--cases', null);
const topFunctions = Number(opt('--functions', 0));

const METRICS = ['cpu_user', 'cpu_system', 'cpu_idle', 'cpu_iowait', 'flops_any', 'flops_dp', 'flops_sp', 'mem_bw', 'ipc', 'clock'];
const metricTable = Object.fromEntries(METRICS.map((m) => [m, { frequency: 60, aggregation: m === 'mem_bw' ? 'sum' : 'avg' }]));
const T0 = 1725620400;
const STEPS = 2880;
const THREADS = 8;
const enc = new TextEncoder();

/** One time step of one host (engine.bench.mjs's lines), patched in place per step. */
function template() {
  const lines = [];
  for (let t = 0; t < THREADS; t++) {
    for (const m of METRICS) lines.push(`${m},cluster=fritz,hostname=f0000,type=hwthread,type-id=${t} value=00.000 ${T0}\n`);
  }
  const bytes = enc.encode(lines.join(''));
  const valueAt = [];
  let p = 0;
  for (const line of lines) {
    valueAt.push(p + line.indexOf('value=') + 6);
    p += line.length;
  }
  return { bytes, valueAt };
}

const DIGITS = enc.encode('0123456789');
function patch(tpl, step) {
  const b = tpl.bytes;
  const ts = enc.encode(String(T0 + step * 60));
  let seed = step * 7919;
  for (const v of tpl.valueAt) {
    b.set(ts, v + 7);
    seed = (seed * 1103515245 + 12345) >>> 0;
    b[v] = DIGITS[(seed >>> 8) % 10];
    b[v + 1] = DIGITS[(seed >>> 12) % 10];
    b[v + 3] = DIGITS[(seed >>> 16) % 10];
    b[v + 4] = DIGITS[(seed >>> 20) % 10];
    b[v + 5] = DIGITS[(seed >>> 24) % 10];
  }
  return b;
}

const from = T0;
const to = T0 + STEPS * 60;
const series = { metric: 'cpu_user', host: 'f0000', type: 'hwthread', 'type-ids': ['5'] };
const QUERIES = {
  'read + stats, 2,880': { cluster: 'fritz', from, to, 'with-data': false, queries: [series] },
  'query 2,880 (JSON)': { cluster: 'fritz', from, to, queries: [series] },
  'query 1,440 (JSON)': { cluster: 'fritz', from: to - 1440 * 60, to, queries: [series] },
  'read + stats, 100': { cluster: 'fritz', from: to - 100 * 60, to, 'with-data': false, queries: [series] },
};

async function setUp() {
  const tpl = template();
  const stores = [];
  for (const [b, dir] of builds.entries()) {
    const { Store } = await import(pathToFileURL(join(dir, 'dist/engine/store.js')).href);
    const module = new WebAssembly.Module(readFileSync(join(dir, 'build/engine.wasm')));
    for (const compression of [false, true]) {
      const store = Store.fromModule(module, { metrics: metricTable, compression });
      for (let s = 0; s < STEPS; s++) store.ingest(patch(tpl, s), 'fritz', T0);
      stores.push({ build: b, name: compression ? 'sealed' : 'raw', store });
    }
  }
  // Every store answers every query with the same bytes.
  for (const q of Object.values(QUERIES)) {
    const want = Buffer.from(stores[0].store.query(q)).toString();
    for (const s of stores) {
      const got = Buffer.from(s.store.query(q)).toString();
      if (got !== want) throw new Error(`build ${s.build} ${s.name} answers differently: ${got.slice(0, 200)}`);
    }
  }
  const cases = [];
  for (const [label, q] of Object.entries(QUERIES)) {
    if (only && !only.split(',').some((c) => label.includes(c))) continue;
    for (const s of stores) cases.push({ label, ...s, run: () => s.store.query(q) });
  }
  return cases;
}

const buildName = (b) => (builds.length > 1 ? `build ${b} ` : '');

if (inner) {
  // Under callgrind: warm up (the JIT tiers), then each case once inside findLastIndex.
  const cases = await setUp();
  for (const c of cases) for (let i = 0; i < 300; i++) c.run();
  const slots = new Array(reps).fill(0);
  for (const c of cases) {
    slots.findLastIndex(() => {
      c.run();
      return false;
    });
  }
  process.stdout.write(JSON.stringify({ pid: process.pid, labels: cases.map((c) => `${c.label} | ${buildName(c.build)}${c.name}`) }));
} else if (callgrind) {
  const { result: { labels }, dumps, done } = callgrindMarked(fileURLToPath(import.meta.url),
    ['--inner', '--builds', builds.join(','), '--reps', String(reps), ...(only ? ['--cases', only] : [])],
    { top: topFunctions, wat: builds.map((dir) => join(dir, 'build/engine.wat')) });
  try {
    if (dumps.length !== labels.length) throw new Error(`${dumps.length} dumps for ${labels.length} cases`);
    console.log(`instructions a query (callgrind, ${reps} queries a case)\n`);
    console.log('| query | store | instructions |\n|---|---|---:|');
    dumps.forEach((d, i) => {
      const [label, store] = labels[i].split(' | ');
      console.log(`| ${label} | ${store} | ${Math.round(d.instructions / reps).toLocaleString('en-US')} |`);
    });
    if (topFunctions) {
      dumps.forEach((d, i) => {
        console.log(`\n${labels[i]}: top functions, instructions a query (self)`);
        for (const [name, ir] of d.costs().costs.slice(0, topFunctions)) {
          console.log(`  ${String(Math.round(ir / reps)).padStart(8)}  ${(100 * ir / d.instructions).toFixed(1).padStart(5)} %  ${name}`);
        }
      });
    }
  } finally {
    done();
  }
} else {
  const cases = await setUp();
  const times = cases.map(() => []);
  for (let round = 0; round < rounds + 1; round++) {
    cases.forEach((c, i) => {
      const t = process.hrtime.bigint();
      for (let k = 0; k < reps; k++) c.run();
      const us = Number(process.hrtime.bigint() - t) / 1e3 / reps;
      if (round > 0) times[i].push(us); // round 0 warms up
    });
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  console.log(`us a query, median of ${rounds} interleaved rounds of ${reps}\n`);
  console.log(`| query | store | us |${builds.length > 1 ? ' / build 0 | per-round ratio (median) |' : ''}\n|---|---|---:|${builds.length > 1 ? '---:|---:|' : ''}`);
  cases.forEach((c, i) => {
    const m = median(times[i]);
    let extra = '';
    if (builds.length > 1) {
      const base = cases.findIndex((d) => d.label === c.label && d.name === c.name && d.build === 0);
      const ratios = times[i].map((t, r) => t / times[base][r]);
      extra = ` ${(m / median(times[base])).toFixed(3)} | ${median(ratios).toFixed(3)} |`;
    }
    console.log(`| ${c.label} | ${buildName(c.build)}${c.name} | ${m.toFixed(2)} |${extra}`);
  });
}
