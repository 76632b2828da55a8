// The 72-hwthread aggregated query host by host, in-process, on data filled
// as bench/memory.bench.mjs fills it (48 h at 60 s, the realistic generator
// with its dropped lines), compression on beside off. memory.bench's
// queries/s cycle over all hosts; whether a host's children read in lockstep
// (and take rollups) decides what its query costs with compression on, and a
// host's answer may be an error (a child missing the range's first or last
// line). This prints, for each host, the answer's kind (data or error) and
// us a query, so a change to the lockstep read can be seen host by host
// (docs/engine.md "## Rollups").
//
//   node bench/agg-hosts.mjs [--hosts 8] [--reps 200] [--missing P]
//
// --missing: the generator's share of dropped lines (its default when absent;
// 0 makes every host read in lockstep).
import { readFileSync } from 'node:fs';
import { bodies, metricConfig } from './data/generator.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const HOSTS = Number(arg('--hosts', 8));
const REPS = Number(arg('--reps', 200));
const MISSING = arg('--missing', undefined);
const HWTHREADS = 72;
const STEP = 60;

const { Store } = await import(new URL('../dist/engine/store.js', import.meta.url));
const module = new WebAssembly.Module(readFileSync(new URL('../build/engine.wasm', import.meta.url)));
const to = Math.floor(Date.now() / 1000 / STEP) * STEP;
const from = to - 48 * 3600;
const fill = {
  hosts: HOSTS, hwthreads: HWTHREADS, from, to, step: STEP, linesPerBody: 300000, seed: 1, mode: 'realistic',
  ...(MISSING !== undefined ? { missing: Number(MISSING) } : {}),
};
const ids = Array.from({ length: HWTHREADS }, (_, i) => String(i));
const names = Array.from({ length: HOSTS }, (_, h) => `f${String(h + 1).padStart(4, '0')}`);
const queryOf = (host) => ({ cluster: 'fritz', from, to, queries: [{ metric: 'flops_any', host, type: 'hwthread', 'type-ids': ids, aggreg: true }] });

/** us a query of each host, and the answer's kind, for one store. */
function perHost(compression) {
  const store = Store.fromModule(module, { metrics: metricConfig(fill), compression });
  for (const body of bodies(fill)) store.ingest(body, 'fritz', to);
  const decoder = new TextDecoder();
  return names.map((host) => {
    const q = queryOf(host);
    const entry = JSON.parse(decoder.decode(store.query(q))).results[0][0];
    for (let i = 0; i < 20; i++) store.query(q);
    const t = process.hrtime.bigint();
    for (let i = 0; i < REPS; i++) store.query(q);
    const us = Number(process.hrtime.bigint() - t) / 1e3 / REPS;
    return { host, kind: entry.error ? `error: ${entry.error}` : `${entry.data.length} points`, us };
  });
}

const raw = perHost(false);
const sealed = perHost(true);
console.log(`${HOSTS} hosts, ${REPS} queries each, flops_any over ${HWTHREADS} hwthreads, 48 h at ${STEP} s`);
console.log('| host | answer | raw (us) | compressed (us) | compressed / raw |');
console.log('|---|---|---:|---:|---:|');
for (let h = 0; h < HOSTS; h++) {
  const r = raw[h];
  const s = sealed[h];
  console.log(`| ${r.host} | ${s.kind} | ${r.us.toFixed(1)} | ${s.us.toFixed(1)} | ${((s.us / r.us) * 100).toFixed(0)} % |`);
}
const sum = (rows) => rows.reduce((a, r) => a + r.us, 0);
console.log(`| all, a query on average | | ${(sum(raw) / HOSTS).toFixed(1)} | ${(sum(sealed) / HOSTS).toFixed(1)} | ${((sum(sealed) / sum(raw)) * 100).toFixed(0)} % |`);
