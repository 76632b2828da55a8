#!/usr/bin/env node
// agg-hosts.mjs's query under callgrind: the WASM instructions a query of
// given hosts (memory.bench's realistic data, 48 h at 60 s, to a fixed time
// so that every run fills the same chunks), one build after another. Only
// the queries are counted (lib/callgrind-marked.mjs); the WASM total beside
// the process total, since V8's tiers move the JavaScript part by 2x between
// runs. Each build takes minutes (the fill runs under callgrind too).
//
//   node bench/agg-hosts-callgrind.mjs [--builds A,B] [--fill 4] [--hosts f0003,f0004] [--reps 50] [--raw] [--functions 15]
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { callgrindMarked } from './lib/callgrind-marked.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const inner = process.argv.includes('--inner');
const raw = process.argv.includes('--raw');
const FILL = Number(arg('--fill', 4));
const HOSTS = arg('--hosts', 'f0003,f0004').split(',');
const REPS = Number(arg('--reps', 50));
const TOP = Number(arg('--functions', 15));
const STEP = 60;
const TO = 1796686800; // a multiple of 60
const FROM = TO - 48 * 3600;

if (inner) {
  const dir = arg('--build');
  const { bodies, metricConfig } = await import(new URL('./data/generator.mjs', import.meta.url).href);
  const { Store } = await import(pathToFileURL(join(dir, 'dist/engine/store.js')).href);
  const module = new WebAssembly.Module(readFileSync(join(dir, 'build/engine.wasm')));
  const fill = { hosts: FILL, hwthreads: 72, from: FROM, to: TO, step: STEP, linesPerBody: 300000, seed: 1, mode: 'realistic' };
  const ids = Array.from({ length: 72 }, (_, i) => String(i));
  const store = Store.fromModule(module, { metrics: metricConfig(fill), compression: !raw });
  for (const body of bodies(fill)) store.ingest(body, 'fritz', TO);
  for (const host of HOSTS) {
    const q = { cluster: 'fritz', from: FROM, to: TO, queries: [{ metric: 'flops_any', host, type: 'hwthread', 'type-ids': ids, aggreg: true }] };
    for (let i = 0; i < 100; i++) store.query(q);
    new Array(REPS).fill(0).findLastIndex(() => (store.query(q), false));
  }
  process.stdout.write(JSON.stringify({ pid: process.pid }));
} else {
  const builds = arg('--builds', fileURLToPath(new URL('..', import.meta.url))).split(',').map((d) => resolve(d));
  for (const build of builds) {
    const innerArgs = ['--inner', '--build', build, '--fill', String(FILL), '--hosts', HOSTS.join(','), '--reps', String(REPS), ...(raw ? ['--raw'] : [])];
    const { dumps, done } = callgrindMarked(fileURLToPath(import.meta.url), innerArgs, { top: TOP, wat: [join(build, 'build/engine.wat')] });
    try {
      dumps.forEach((d, i) => {
        const c = d.costs();
        console.log(`${build} ${raw ? 'raw' : 'compressed'} ${HOSTS[i]}: ${Math.round(c.wasm / REPS).toLocaleString('en-US')} WASM instructions a query (${Math.round(c.total / REPS).toLocaleString('en-US')} in all)`);
        for (const [name, ir] of c.costs.slice(0, TOP)) console.log(`  ${String(Math.round(ir / REPS)).padStart(9)}  ${name}`);
      });
    } finally {
      done();
    }
  }
}
