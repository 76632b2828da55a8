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
//   node bench/agg-hosts.mjs [--hosts 8] [--reps 200] [--missing P] [--builds A,B] [--rounds 5]
//
// --missing: the generator's share of dropped lines (its default when absent;
// 0 makes every host read in lockstep). --builds: directories holding dist/
// and build/engine.wasm (default this checkout), each answering with
// compression on beside the first build's raw store; the stores are asked in
// turns, --rounds rounds of --reps queries a host, and each figure is the
// median round (a busy machine moves single runs by 2x). Every build must
// answer each host with the same bytes.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bodies, metricConfig } from './data/generator.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const HOSTS = Number(arg('--hosts', 8));
const REPS = Number(arg('--reps', 200));
const ROUNDS = Number(arg('--rounds', 5));
const MISSING = arg('--missing', undefined);
const BUILDS = arg('--builds', new URL('..', import.meta.url).pathname).split(',').map((d) => resolve(d));
const HWTHREADS = 72;
const STEP = 60;

const to = Math.floor(Date.now() / 1000 / STEP) * STEP;
const from = to - 48 * 3600;
const fill = {
  hosts: HOSTS, hwthreads: HWTHREADS, from, to, step: STEP, linesPerBody: 300000, seed: 1, mode: 'realistic',
  ...(MISSING !== undefined ? { missing: Number(MISSING) } : {}),
};
const ids = Array.from({ length: HWTHREADS }, (_, i) => String(i));
const names = Array.from({ length: HOSTS }, (_, h) => `f${String(h + 1).padStart(4, '0')}`);
const queryOf = (host) => ({ cluster: 'fritz', from, to, queries: [{ metric: 'flops_any', host, type: 'hwthread', 'type-ids': ids, aggreg: true }] });

async function filled(dir, compression) {
  const { Store } = await import(pathToFileURL(join(dir, 'dist/engine/store.js')).href);
  const module = new WebAssembly.Module(readFileSync(join(dir, 'build/engine.wasm')));
  const store = Store.fromModule(module, { metrics: metricConfig(fill), compression });
  for (const body of bodies(fill)) store.ingest(body, 'fritz', to);
  return store;
}

const stores = [await filled(BUILDS[0], false)];
for (const dir of BUILDS) stores.push(await filled(dir, true));
const decoder = new TextDecoder();
const kinds = names.map((host) => {
  const answers = stores.map((s) => decoder.decode(s.query(queryOf(host))));
  if (answers.some((a) => a !== answers[0])) throw new Error(`${host}: the stores answer differently`);
  const entry = JSON.parse(answers[0]).results[0][0];
  return entry.error ? `error: ${entry.error}` : `${entry.data.length} points`;
});
/** times[store][host]: us a query of each round. */
const times = stores.map(() => names.map(() => []));
for (let round = 0; round <= ROUNDS; round++) {
  names.forEach((host, h) => {
    const q = queryOf(host);
    stores.forEach((store, b) => {
      const t = process.hrtime.bigint();
      for (let i = 0; i < REPS; i++) store.query(q);
      if (round > 0) times[b][h].push(Number(process.hrtime.bigint() - t) / 1e3 / REPS); // round 0 warms up
    });
  });
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const us = times.map((perHost) => perHost.map(median));
console.log(`${HOSTS} hosts, flops_any over ${HWTHREADS} hwthreads, 48 h at ${STEP} s; median of ${ROUNDS} rounds of ${REPS} queries, stores in turns`);
console.log(BUILDS.map((d, b) => `build ${b + 1}: ${d}`).join('\n'));
const heads = BUILDS.map((_, b) => `| build ${b + 1} (us) | / raw`).join(' ');
console.log(`| host | answer | raw (us) ${heads} |`);
console.log(`|---|---|---:${BUILDS.map(() => '|---:|---:').join('')}|`);
const cells = (row) => BUILDS.map((_, b) => `| ${row[b + 1].toFixed(1)} | ${((row[b + 1] / row[0]) * 100).toFixed(0)} %`).join(' ');
for (let h = 0; h < HOSTS; h++) console.log(`| ${names[h]} | ${kinds[h]} | ${us[0][h].toFixed(1)} ${cells(us.map((r) => r[h]))} |`);
const sums = us.map((r) => r.reduce((a, x) => a + x, 0) / HOSTS);
console.log(`| all, a query on average | | ${sums[0].toFixed(1)} ${cells(sums)} |`);
