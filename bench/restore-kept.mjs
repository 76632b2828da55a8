// Wall time of the service's restore (src/persist/restore.ts) of a kept
// server directory (BENCH_KEEP=1 node bench/memory.bench.mjs logs one: its
// config.json and checkpoints/), with the store built as the CLI builds it
// from that config.json. Tells apart what the data costs from what a fresh
// process costs: every round prints its own MB/s, round 1 being the first
// restore of the process (the JIT's and WASM's first calls, the process's
// first memory), and `--fresh` runs every round in a new process of its own.
//
//   node bench/restore-kept.mjs --dir DIR [--builds DIR,DIR] [--rounds 5] [--fresh] [--threads 1,2] [--raw]
//
// `--raw`: compression off whatever config.json says (the same files restored
// as raw chunks). Every round also gives the milliseconds until loading
// began (the first host's files listed, read and scanned) and, on Linux, how
// long the main thread sat runnable but not running (/proc schedstat: the
// machine's other load; the wall time less that is what a quiet machine
// would have taken, roughly).
//
// `--threads 1,2`: each build restores with restore's encoding worker off (1)
// and on (2) in turns (a build before the worker restores on one thread
// either way). Then each round also prints the CPU seconds of the main thread,
// of the worker and of the process's other threads (Linux: /proc/self/task).
//
// Builds in turns, round by round, so the machine's other load hits each alike.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { profileArgs } from './lib/args.mjs';

const { args, opt, builds } = profileArgs();
const dir = opt('--dir', '');
if (!dir) throw new Error('--dir DIR: a directory kept by BENCH_KEEP=1 node bench/memory.bench.mjs');
const rounds = Number(opt('--rounds', 5));
// Hosts read ahead of the one loading (restore's own default when absent).
const readAhead = opt('--read-ahead', '') ? Number(opt('--read-ahead', '')) : undefined;
const quiet = { debug() {}, info() {}, warn: console.warn, error: console.error };
const threadCounts = opt('--threads', '').split(',').filter(Boolean).map(Number);
const raw = args.includes('--raw');

/** Nanoseconds the main thread ran and waited to run so far (Linux), else zeros. */
function mainSched() {
  try {
    const [run, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').map(Number);
    return { run, wait };
  } catch {
    return { run: 0, wait: 0 };
  }
}

/** CPU seconds of each thread of this process by its id (empty where /proc is not there). */
async function threadCpu() {
  return threadCpuSync();
}

function threadCpuSync() {
  const out = new Map();
  try {
    for (const t of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${t}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(t, (Number(f[11]) + Number(f[12])) / 100);
    }
  } catch {
    // not Linux
  }
  return out;
}

/** One restore by `build` into a fresh store; MB/s of the files and the event loop's idle share. */
async function restoreOnce(build, threads) {
  const load = (p) => import(pathToFileURL(join(build, 'dist', p)).href);
  const { loadConfig } = await load('config/load.js');
  const { storeOptions, openStore } = await load('service/open-store.js');
  const { restore } = await load('persist/restore.js');
  const { DiskState } = await load('persist/disk-state.js');
  const config = await loadConfig({ path: join(dir, 'config.json'), readTextFile: (p) => readFile(p, 'utf8') });
  const options = storeOptions(config);
  if (raw) options.compression = false;
  const store = await openStore(options);
  let firstLoad = 0;
  const loadTable = store.loadTable.bind(store);
  store.loadTable = (...a) => {
    if (firstLoad === 0) firstLoad = performance.now();
    return loadTable(...a);
  };
  // Restore starts and ends its worker: its CPU time is read just before it ends.
  let atClose = null;
  if (threads >= 2) {
    const { RestoreWorker } = await load('persist/restore-worker.js').catch(() => ({}));
    const close = RestoreWorker?.prototype.close;
    if (close) {
      RestoreWorker.prototype.close = function () {
        atClose = threadCpuSync();
        return close.call(this);
      };
    }
  }
  const cpu0 = await threadCpu();
  const elu0 = performance.eventLoopUtilization();
  const sched0 = mainSched();
  const t0 = performance.now();
  const summary = await restore({ store, root: join(dir, 'checkpoints'), restorePoint: 0, log: quiet, disk: new DiskState(), sync: false, readAhead, threads });
  const secs = (performance.now() - t0) / 1000;
  const waited = (mainSched().wait - sched0.wait) / 1e9;
  const elu = performance.eventLoopUtilization(elu0);
  const cpu1 = await threadCpu();
  for (const [t, v] of atClose ?? []) if (!cpu1.has(t)) cpu1.set(t, v);
  const main = (cpu1.get(String(process.pid)) ?? 0) - (cpu0.get(String(process.pid)) ?? 0);
  let fresh = 0;
  let others = 0;
  for (const [t, v] of cpu1) {
    if (t === String(process.pid)) continue;
    if (cpu0.has(t)) others += v - cpu0.get(t);
    else fresh += v;
  }
  return { mbs: summary.bytes / 1e6 / secs, files: summary.files, idle: elu.idle / (elu.idle + elu.active), cpu: { main, worker: fresh, others },
    firstMs: firstLoad ? firstLoad - t0 : NaN, waitMs: waited * 1000, quietMbs: summary.bytes / 1e6 / (secs - waited) };
}

if (args.includes('--inner')) {
  console.log(JSON.stringify(await restoreOnce(opt('--build', ''), threadCounts[0])));
  process.exit(0);
}

const self = fileURLToPath(import.meta.url);
const fresh = args.includes('--fresh');
const cases = builds.flatMap((b) => (threadCounts.length ? threadCounts.map((t) => ({ b, t, key: `${b} (${t} threads)` })) : [{ b, key: b }]));
const results = new Map(cases.map((c) => [c.key, []]));
for (let r = 0; r < rounds; r++) {
  for (const { b, t, key } of cases) {
    let res;
    if (fresh) {
      const child = spawnSync(process.execPath, [...process.execArgv, self, '--inner', '--build', b, '--dir', dir, ...(readAhead ? ['--read-ahead', String(readAhead)] : []),
        ...(t ? ['--threads', String(t)] : []), ...(raw ? ['--raw'] : [])], { encoding: 'utf8' });
      if (child.status !== 0) throw new Error(child.stderr);
      res = JSON.parse(child.stdout.trim().split('\n').pop());
    } else {
      res = await restoreOnce(b, t);
    }
    results.get(key).push(res);
  }
}
console.log(`restore of ${dir}${raw ? ' (compression off)' : ''}, ${rounds} rounds, ${fresh ? 'each in a fresh process' : 'in one process (round 1 is its first)'}, builds in turns`);
console.log('| build | files | MB/s by round | median | idle, median round | CPU s main / worker / other threads, median round | loading began (ms), main thread runnable, not running (ms), medians | MB/s less that wait, median |\n|---|---:|---|---:|---:|---|---|---:|');
for (const [b, rs] of results) {
  const median = [...rs].sort((x, y) => x.mbs - y.mbs)[rs.length >> 1];
  const c = median.cpu;
  const mid = (f) => [...rs].map(f).sort((x, y) => x - y)[rs.length >> 1];
  console.log(`| ${b} | ${rs[0].files} | ${rs.map((x) => x.mbs.toFixed(0)).join(', ')} | ${median.mbs.toFixed(0)} | ${(100 * median.idle).toFixed(0)} % | ${c.main.toFixed(2)} / ${c.worker.toFixed(2)} / ${c.others.toFixed(2)} |` +
    ` ${mid((x) => x.firstMs).toFixed(0)}, ${mid((x) => x.waitMs).toFixed(0)} | ${mid((x) => x.quietMbs).toFixed(0)} |`);
}
