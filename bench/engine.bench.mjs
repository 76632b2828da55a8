// In-process figures of the storage engine: ingest throughput (line protocol,
// WAL off and on, one and several shards), read latency (one 2,880-point
// series; 72 hwthreads aggregated) and memory per stored sample after 48 h at
// 60 s, each with StoreOptions.compression off and on (raw float32 chunks
// against encoded full chunks). Needs the build output (npm install runs it).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc');

const distStore = new URL('../dist/engine/store.js', import.meta.url);
const wasmUrl = new URL('../build/engine.wasm', import.meta.url);
if (!existsSync(distStore) || !existsSync(wasmUrl)) {
  console.error('engine bench: run `npm run build` first');
  process.exit(1);
}
const { Store } = await import(distStore);
const module = new WebAssembly.Module(readFileSync(wasmUrl));

const METRICS = ['cpu_user', 'cpu_system', 'cpu_idle', 'cpu_iowait', 'flops_any', 'flops_dp', 'flops_sp', 'mem_bw', 'ipc', 'clock'];
const metricTable = Object.fromEntries(METRICS.map((m) => [m, { frequency: 60, aggregation: m === 'mem_bw' ? 'sum' : 'avg' }]));
const T0 = 1725620400;
const enc = new TextEncoder();

/**
 * One time step of every series: lines with fixed-width timestamps and values, patched in place per step.
 * Values are `dd.ddd`, or with `longValues` `0.` and 16 digits, as Go prints a float64 like 1/7.
 */
function template(hosts, threads, longValues = false) {
  const value = longValues ? '0.1428571428571428' : '00.000';
  const lines = [];
  for (let h = 0; h < hosts; h++) {
    for (let t = 0; t < threads; t++) {
      for (const m of METRICS) {
        lines.push(`${m},cluster=fritz,hostname=f${String(h).padStart(4, '0')},type=hwthread,type-id=${t} value=${value} ${T0}\n`);
      }
    }
  }
  const text = lines.join('');
  const bytes = enc.encode(text);
  // Offsets of value and timestamp fields.
  const valueAt = [];
  const tsAt = [];
  let p = 0;
  for (const line of lines) {
    const v = line.indexOf('value=') + 6;
    valueAt.push(p + v);
    tsAt.push(p + v + value.length + 1);
    p += line.length;
  }
  return { bytes, valueAt, tsAt, lines: lines.length, longValues };
}

const DIGITS = enc.encode('0123456789');
function patch(tpl, step) {
  const b = tpl.bytes;
  const ts = String(T0 + step * 60);
  const tsBytes = enc.encode(ts);
  let seed = step * 7919;
  for (let i = 0; i < tpl.lines; i++) {
    b.set(tsBytes, tpl.tsAt[i]);
    seed = (seed * 1103515245 + 12345) >>> 0;
    const v = tpl.valueAt[i];
    if (tpl.longValues) {
      for (let d = 2; d < 18; d += 2) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        b[v + d] = DIGITS[(seed >>> 8) % 10];
        b[v + d + 1] = DIGITS[(seed >>> 16) % 10];
      }
      continue;
    }
    b[v] = DIGITS[(seed >>> 8) % 10];
    b[v + 1] = DIGITS[(seed >>> 12) % 10];
    b[v + 3] = DIGITS[(seed >>> 16) % 10];
    b[v + 4] = DIGITS[(seed >>> 20) % 10];
    b[v + 5] = DIGITS[(seed >>> 24) % 10];
  }
  return b;
}

function fmt(n, digits = 2) {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits });
}

// Every chunk but a series' newest is sealed (StoreOptions.compression, the
// default); `raw chunks` is the engine with compression: false, measured in
// the same run.
const INGEST_CONFIGS = {
  'ingest, WAL off': {},
  'ingest, WAL on': { wal: true },
  'ingest, WAL off, 4 shards': { shards: 4 },
  'ingest, WAL off, 17-digit values': { longValues: true },
  // What the service sets: the records, a 48 h / 10 min ingest window and main.max-hosts-per-write.
  'ingest, WAL on, window, host limit': { wal: true, ingestWindow: { pastSeconds: 48 * 3600, futureSeconds: 600 }, maxHostsPerBody: 10000 },
};

/**
 * One ingest figure, in a process of its own (see below), steady state:
 * warm-up calls on other timestamps (until the JIT compilers are done with
 * the hot functions, JavaScript and WASM), the garbage of setting up
 * collected, then `steps` timed calls (their own garbage collections included).
 */
function measureIngest({ longValues, ...options }, steps) {
  const WARM_UP = 30;
  const store = Store.fromModule(module, { metrics: metricTable, ...options });
  const tpl = template(64, 72, longValues);
  // Each call's `now` is its body's time, as when a collector sends what it just measured.
  for (let s = 0; s < WARM_UP; s++) store.ingest(patch(tpl, s), 'fritz', T0 + s * 60);
  collectGarbage();
  let ns = 0n;
  let lines = 0;
  let bytes = 0;
  let walBytes = 0;
  for (let s = WARM_UP; s < WARM_UP + steps; s++) {
    const body = patch(tpl, s);
    const t = process.hrtime.bigint();
    const r = store.ingest(body, 'fritz', T0 + s * 60);
    ns += process.hrtime.bigint() - t;
    if (r.error || r.accepted !== tpl.lines) throw new Error(`ingest failed: ${JSON.stringify(r.error)} ${r.accepted}`);
    for (const w of r.wal) walBytes += w.records.length;
    lines += tpl.lines;
    bytes += body.length;
  }
  const sec = Number(ns) / 1e9;
  return { linesPerSec: lines / sec, bytesPerSec: bytes / sec, walPerSample: walBytes / lines };
}

if (process.argv[2] === '--ingest') {
  const compression = process.argv[4] === 'true';
  process.stdout.write(JSON.stringify(measureIngest({ ...INGEST_CONFIGS[process.argv[3]], compression }, 30)));
  process.exit(0);
}

const COMPRESSION = [false, true];
const setting = (compression) => `compression ${compression ? 'on' : 'off'}`;

function time(fn, reps) {
  for (let i = 0; i < Math.min(50, reps); i++) fn();
  const t = process.hrtime.bigint();
  for (let i = 0; i < reps; i++) fn();
  return Number(process.hrtime.bigint() - t) / 1e3 / reps;
}

console.log('engine (in-process, one thread)');
const avgLine = template(64, 72);
console.log(`  batch: 10 metrics x 64 hosts x 72 hwthreads = ${avgLine.lines} lines, ${fmt(avgLine.bytes.length / avgLine.lines, 1)} bytes a line`);
// Each ingest figure in a fresh process: stores measured before (their
// memory is freed at some later collection) do not weigh on the next figure.
const rates = { false: {}, true: {} };
for (const label of Object.keys(INGEST_CONFIGS)) {
  for (const compression of COMPRESSION) {
    const run = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--ingest', label, String(compression)], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`${label}: ${run.stderr}`);
    const r = JSON.parse(run.stdout);
    rates[compression][label] = r.linesPerSec;
    console.log(`  ${label.padEnd(34)} ${setting(compression).padEnd(15)}  ${fmt(r.linesPerSec / 1e6)} M lines/s   ${fmt(r.bytesPerSec / 1e6, 0)} MB/s` +
      (r.walPerSample ? `   (WAL ${fmt(r.walPerSample, 1)} bytes/sample)` : ''));
  }
}
for (const compression of COMPRESSION) {
  const walCost = 1 - rates[compression]['ingest, WAL on'] / rates[compression]['ingest, WAL off'];
  console.log(`  WAL records cost ${fmt(walCost * 100, 1)} % of the ingest rate, ${setting(compression)} (appending them to files not included)`);
}

// 48 h at 60 s: 2,880 steps for 16 hosts (11,520 series), sealed and raw chunks.
function fill48h(compression) {
  const HOSTS = 16;
  const store = Store.fromModule(module, { metrics: metricTable, compression });
  const tpl = template(HOSTS, 72);
  const t = process.hrtime.bigint();
  for (let s = 0; s < 2880; s++) store.ingest(patch(tpl, s), 'fritz', T0);
  const fillSec = Number(process.hrtime.bigint() - t) / 1e9;
  return { store, fillSec };
}

for (const compression of [true, false]) {
  const { store, fillSec } = fill48h(compression);
  const st = store.stats();
  const samples = st.samples;
  console.log(`  ${compression ? 'sealed chunks (compression on)' : 'raw chunks (compression off)'}:`);
  console.log(`    filled 48 h at 60 s: ${fmt(samples / 1e6, 1)} M samples in ${fmt(fillSec, 1)} s (${fmt(samples / fillSec / 1e6)} M lines/s)`);
  console.log(`    memory per sample: ${fmt(st.usedBytes / samples, 3)} bytes allocated, ${fmt(st.memoryBytes / samples, 3)} bytes of linear memory`);
  if (compression) {
    console.log(`    ${fmt(st.sealedChunks, 0)} sealed chunks, ${fmt(st.sealedBytes / 1e6, 1)} MB encoded, raw pages ${fmt(st.rawBytes / 1e6, 1)} MB`);
  }

  const from = T0;
  const to = T0 + 2880 * 60;
  const one = { cluster: 'fritz', from, to, queries: [{ metric: 'cpu_user', host: 'f0003', type: 'hwthread', 'type-ids': ['5'] }] };
  const check = JSON.parse(new TextDecoder().decode(store.query(one)));
  if (check.results[0][0].data.length !== 2880) throw new Error('expected 2880 points');
  console.log(`    query, one 2,880-point series:          ${fmt(time(() => store.query(one), 2000), 1)} us (JSON included)`);
  const noData = { ...one, 'with-data': false };
  console.log(`    read + stats, 2,880 points (no data):   ${fmt(time(() => store.query(noData), 2000), 1)} us`);
  const agg = { cluster: 'fritz', from, to, queries: [{ metric: 'cpu_user', host: 'f0003' }] };
  const aggCheck = JSON.parse(new TextDecoder().decode(store.query(agg)));
  if (aggCheck.results[0][0].data.length !== 2880) throw new Error('expected 2880 aggregated points');
  console.log(`    query, 72 hwthreads aggregated:         ${fmt(time(() => store.query(agg), 500), 1)} us (JSON included)`);
  const q1440 = { cluster: 'fritz', from: to - 1440 * 60, to, queries: [{ metric: 'cpu_user', host: 'f0003', type: 'hwthread', 'type-ids': ['5'] }] };
  const us1440 = time(() => store.query(q1440), 2000);
  console.log(`    query, one 1,440-point series:          ${fmt(us1440, 1)} us = ${fmt(1e6 / us1440, 0)} queries/s`);
  collectGarbage();
}
