#!/usr/bin/env node
// The engine's JSON formatting of an entry's values as a query writes them
// (formatValues: writeValueRange, its statistics included), one build against
// another, on 1,440-point series of bench/data/generator.mjs's realistic
// shapes, of the HTTP benches' single-host query (bench-store.mjs's
// cpu_load: (i % 50) * 0.25) and of random dd.ddd values (engine.bench.mjs).
//
//   node bench/format-profile.mjs [--builds A,B] [--reps 300]   # callgrind: instructions a value
//   node bench/format-profile.mjs --time [--builds A,B] [--rounds 12] [--reps 2000]  # ns a value, interleaved
//
// --no-stats: formatValuesOnly instead, the loop a single series' query runs
// since its read gathers the statistics (builds that have the export).
//
// A build is a directory holding build/engine.wasm (default: this checkout).
// Every build must print the same bytes and statistics for every series (checked first).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seriesValues } from './data/generator.mjs';
import { profileArgs } from './lib/args.mjs';
import { callgrindMarked } from './lib/callgrind-marked.mjs';

const { args, opt, builds, inner, time } = profileArgs();
const reps = Number(opt('--reps', time ? 2000 : 300));
const rounds = Number(opt('--rounds', 12));
const N = 1440;
const noStats = args.includes('--no-stats');
const KINDS = ['percent-busy', 'percent-small', 'load', 'memory-gb', 'clock', 'ipc', 'flops', 'bandwidth', 'net-rate', 'integer'];
/** The single-host query's series of bench/lib/bench-store.mjs. */
const benchSeries = () => Float32Array.from({ length: N }, (_, i) => (i % 50) * 0.25);
/** engine.bench.mjs's and read-profile.mjs's values: dd.ddd at random (few repeat). */
const randomDecimals = () => {
  let seed = 7919;
  return Float32Array.from({ length: N }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) % 100000) / 1000);
};

function setUp() {
  const series = [['bench single', benchSeries()], ['random dd.ddd', randomDecimals()], ...KINDS.map((k) => [k, seriesValues(k, N, 7)])];
  const cases = [];
  const want = new Map();
  builds.forEach((dir, b) => {
    const x = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(join(dir, 'build/engine.wasm'))), {}).exports;
    if (!x.init(0, 1, 65536, 0)) throw new Error('engine init failed');
    for (const [kind, values] of series) {
      // As readSeries holds them: f64, NaN for a missing slot.
      const wide = Float64Array.from(values);
      const run = () => {
        const p = x.ioBuffer(wide.byteLength) >>> 0;
        new Float64Array(x.memory.buffer, p, wide.length).set(wide);
        if (noStats) x.formatValuesOnly(wide.length, 1, 0);
        else x.formatValues(wide.length, 1, 0, 0);
      };
      run();
      const text = Buffer.from(new Uint8Array(x.memory.buffer, x.responsePtr() >>> 0, x.responseLength() >>> 0)).toString();
      const got = noStats ? text : `${text} ${[0, 1, 2, 3].map((k) => x.valueStat(k)).join(' ')}`;
      if (!want.has(kind)) want.set(kind, got);
      else if (want.get(kind) !== got) throw new Error(`build ${dir} formats ${kind} differently`);
      cases.push({ label: `${kind} | build ${b}`, run });
    }
  });
  return cases;
}

if (inner) {
  const cases = setUp();
  for (const c of cases) for (let i = 0; i < 300; i++) c.run();
  const slots = new Array(reps).fill(0);
  for (const c of cases) slots.findLastIndex(() => (c.run(), false));
  process.stdout.write(JSON.stringify({ pid: process.pid, labels: cases.map((c) => c.label) }));
} else if (!time) {
  const { result: { labels }, dumps, done } = callgrindMarked(fileURLToPath(import.meta.url), ['--inner', '--builds', builds.join(','), '--reps', String(reps), ...(noStats ? ['--no-stats'] : [])]);
  try {
    console.log(`instructions a value (callgrind, ${reps} x ${N} values a case, the copy in included)\n`);
    console.log('| shape | build | instructions |\n|---|---|---:|');
    dumps.forEach((d, i) => {
      const [kind, build] = labels[i].split(' | ');
      console.log(`| ${kind} | ${build} | ${(d.instructions / reps / N).toFixed(1)} |`);
    });
  } finally {
    done();
  }
} else {
  const cases = setUp();
  const times = cases.map(() => []);
  for (let r = 0; r < rounds; r++) {
    cases.forEach((c, i) => {
      const t = process.hrtime.bigint();
      for (let k = 0; k < reps; k++) c.run();
      times[i].push(Number(process.hrtime.bigint() - t) / reps / N);
    });
  }
  const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
  console.log(`ns a value, median of ${rounds} interleaved rounds of ${reps}\n\n| shape | build | ns |\n|---|---|---:|`);
  cases.forEach((c, i) => console.log(`| ${c.label} | ${med(times[i]).toFixed(2)} |`));
}
