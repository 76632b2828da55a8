// The in-process ceiling of bench/http.bench.mjs's ingest figures: the same
// bodies straight into the engine, with what the CLI sets (WAL records, the
// ingest window, hosts per write), under the runtime that runs this script.
//
//   <runtime> bench/lib/engine-ingest.mjs <bulk bodies> <collector steps> <rounds>
//
// Prints one JSON object: best lines/s of the rounds, { bulk, collector }.
//
// The bodies of a round are made before it is timed, and their garbage (the
// strings they are joined from, hundreds of MB for the bulk bodies) is
// collected before the clock starts (collectGarbage): the server of the HTTP
// figures gets its bodies from another process, so its timed work holds no
// such collection either.

import { readFileSync } from 'node:fs';
import { collectGarbage } from './collect-garbage.mjs';
import { COLLECTOR_HOSTS, FREQUENCY, METRIC_CONFIG, STEPS_PER_BODY, bulkBody, collectorBody } from './write-bodies.mjs';

const onNode = typeof globalThis.Bun === 'undefined' && typeof globalThis.Deno === 'undefined';
const { Store } = await import(new URL(onNode ? '../../dist/engine/store.js' : '../../src/engine/store.ts', import.meta.url).href);
const module = new WebAssembly.Module(readFileSync(new URL('../../build/engine.wasm', import.meta.url)));

const [bodies, collectorSteps, rounds] = process.argv.slice(2).map(Number);
const store = Store.fromModule(module, {
  metrics: METRIC_CONFIG,
  wal: true,
  ingestWindow: { pastSeconds: 48 * 3600, futureSeconds: 1e9 },
  maxHostsPerBody: 10_000,
});

let ts = Math.floor(Date.now() / 1000 / FREQUENCY) * FREQUENCY;
const best = { bulk: 0, collector: 0 };
for (let round = 0; round <= rounds; round++) {
  const bulk = Array.from({ length: round === 0 ? Math.ceil(bodies / 4) : bodies }, (_, i) => bulkBody(ts + i * STEPS_PER_BODY * FREQUENCY));
  ts += bulk.length * STEPS_PER_BODY * FREQUENCY;
  const collector = [];
  const steps = round === 0 ? Math.ceil(collectorSteps / 4) : collectorSteps;
  for (let s = 0; s < steps; s++) for (let h = 0; h < COLLECTOR_HOSTS; h++) collector.push(collectorBody(h, ts + s * FREQUENCY));
  ts += steps * FREQUENCY;
  collectGarbage();
  const bulkRate = timeIngest(bulk);
  collectGarbage();
  const collectorRate = timeIngest(collector);
  if (round > 0) {
    best.bulk = Math.max(best.bulk, bulkRate);
    best.collector = Math.max(best.collector, collectorRate);
  }
}
console.log(JSON.stringify(best));

function timeIngest(list) {
  let lines = 0;
  const started = performance.now();
  for (const body of list) {
    const r = store.ingest(body, 'bench', ts / 1);
    if (r.rejected) throw new Error(`engine ingest rejected ${r.rejected} lines: ${JSON.stringify(r.reasons)}`);
    lines += r.accepted + r.skipped;
  }
  return lines / ((performance.now() - started) / 1000);
}
