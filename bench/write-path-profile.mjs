#!/usr/bin/env node
// Instructions a collector body of the store's ingest as the HTTP write path
// calls it (Store.ingestHeld, then takeHeldWal: what the persistence
// extension does before the WAL's write, which is not in the count), one
// build against others, in process: no socket, no node:http, no file. Counted
// under callgrind inside one findLastIndex call per build (lib/callgrind-marked.mjs),
// after a warm-up of the same shape, so compiles and collections rarely fall
// in the count and the JavaScript around the engine (views, result objects,
// the WAL's parts) can be compared to a few hundred instructions.
//
//   node bench/write-path-profile.mjs [--builds OLD,NEW] [--warmup 3000] [--bodies 512] [--top N] [--shape collector|bulk]
//
// --shape bulk counts bulk bodies instead (bench/http.bench.mjs's: 230,400
// lines of 64 hosts interleaved, each body the next 5 steps; some seconds a
// body under valgrind: e.g. --warmup 3 --bodies 4).
//
// "around the engine" is the count less the engine's WASM (--top names the
// functions; without it the WASM share is not split out and only totals print).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { profileArgs } from './lib/args.mjs';
import { callgrindMarked } from './lib/callgrind-marked.mjs';
import { COLLECTOR_HOSTS, FREQUENCY, METRIC_CONFIG, STEPS_PER_BODY, bulkBody, collectorBody } from './lib/write-bodies.mjs';

const { args, opt, builds, inner } = profileArgs();
const warmup = Number(opt('--warmup', 3000));
const bodies = Number(opt('--bodies', 512));
const top = Number(opt('--top', 0));
const shape = opt('--shape', 'collector');
if (shape !== 'collector' && shape !== 'bulk') throw new Error(`--shape collector|bulk (not ${shape})`);
const T0 = 1_764_000_000 - (1_764_000_000 % FREQUENCY);

if (inner) {
  const body = shape === 'bulk'
    ? (i) => bulkBody(T0 + i * STEPS_PER_BODY * FREQUENCY)
    : (i) => collectorBody(i % COLLECTOR_HOSTS, T0 + Math.floor(i / COLLECTOR_HOSTS) * FREQUENCY);
  const all = Array.from({ length: warmup + bodies }, (_, i) => body(i));
  const stores = [];
  for (const dir of builds) {
    const { Store } = await import(join(dir, 'dist/engine/store.js'));
    const module = new WebAssembly.Module(readFileSync(join(dir, 'build/engine.wasm')));
    const store = Store.fromModule(module, { metrics: METRIC_CONFIG, wal: true, ingestWindow: { pastSeconds: 48 * 3600, futureSeconds: 1e9 }, maxHostsPerBody: 10_000 });
    const write = (b) => {
      const r = store.ingestHeld(b, 'bench', T0);
      if (r.rejected) throw new Error(`rejected ${r.rejected}: ${JSON.stringify(r.reasons)}`);
      return store.takeHeldWal().length;
    };
    for (let i = 0; i < warmup; i++) write(all[i]);
    stores.push(write);
  }
  const one = [0];
  for (const write of stores) {
    one.findLastIndex(() => {
      for (let i = warmup; i < warmup + bodies; i++) write(all[i]);
      return false;
    });
  }
  process.stdout.write(JSON.stringify({ pid: process.pid }));
} else {
  const wat = builds.map((d) => join(d, 'build/engine.wat'));
  const { dumps, done } = callgrindMarked(fileURLToPath(import.meta.url), ['--inner', '--builds', builds.join(','), '--warmup', String(warmup), '--bodies', String(bodies), '--shape', shape], { top, wat });
  try {
    console.log(`${shape === 'bulk' ? 'bulk bodies (230,400 lines)' : 'collector bodies (720 lines)'} through ingestHeld + takeHeldWal: instructions a body, ${bodies} after ${warmup}\n`);
    console.log(`| build | total |${top ? ' engine (WASM) | around the engine |' : ''}\n|---|---:|${top ? '---:|---:|' : ''}`);
    dumps.forEach((d, i) => {
      const per = (n) => Math.round(n / bodies).toLocaleString('en-US');
      if (!top) return console.log(`| ${builds[i]} | ${per(d.instructions)} |`);
      const { wasm } = d.costs();
      console.log(`| ${builds[i]} | ${per(d.instructions)} | ${per(wasm)} | ${per(d.instructions - wasm)} |`);
    });
    if (top) dumps.forEach((d, i) => console.log(`\n${builds[i]}:\n${d.functions()}`));
  } finally {
    done();
  }
}
