// Wall time of the service's restore (src/persist/restore.ts) of a kept
// server directory (BENCH_KEEP=1 node bench/memory.bench.mjs logs one: its
// config.json and checkpoints/), with the store built as the CLI builds it
// from that config.json. Tells apart what the data costs from what a fresh
// process costs: every round prints its own MB/s, round 1 being the first
// restore of the process (the JIT's and WASM's first calls, the process's
// first memory), and `--fresh` runs every round in a new process of its own.
//
//   node bench/restore-kept.mjs --dir DIR [--builds DIR,DIR] [--rounds 5] [--fresh]
//
// Builds in turns, round by round, so the machine's other load hits each alike.
import { spawnSync } from 'node:child_process';
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

/** One restore by `build` into a fresh store; MB/s of the files and the event loop's idle share. */
async function restoreOnce(build) {
  const load = (p) => import(pathToFileURL(join(build, 'dist', p)).href);
  const { loadConfig } = await load('config/load.js');
  const { storeOptions, openStore } = await load('service/open-store.js');
  const { restore } = await load('persist/restore.js');
  const { DiskState } = await load('persist/disk-state.js');
  const config = await loadConfig({ path: join(dir, 'config.json'), readTextFile: (p) => readFile(p, 'utf8') });
  const store = await openStore(storeOptions(config));
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  const summary = await restore({ store, root: join(dir, 'checkpoints'), restorePoint: 0, log: quiet, disk: new DiskState(), sync: false, readAhead });
  const secs = (performance.now() - t0) / 1000;
  const elu = performance.eventLoopUtilization(elu0);
  return { mbs: summary.bytes / 1e6 / secs, files: summary.files, idle: elu.idle / (elu.idle + elu.active) };
}

if (args.includes('--inner')) {
  console.log(JSON.stringify(await restoreOnce(opt('--build', ''))));
  process.exit(0);
}

const self = fileURLToPath(import.meta.url);
const fresh = args.includes('--fresh');
const results = new Map(builds.map((b) => [b, []]));
for (let r = 0; r < rounds; r++) {
  for (const b of builds) {
    let res;
    if (fresh) {
      const child = spawnSync(process.execPath, [...process.execArgv, self, '--inner', '--build', b, '--dir', dir, ...(readAhead ? ['--read-ahead', String(readAhead)] : [])], { encoding: 'utf8' });
      if (child.status !== 0) throw new Error(child.stderr);
      res = JSON.parse(child.stdout.trim().split('\n').pop());
    } else {
      res = await restoreOnce(b);
    }
    results.get(b).push(res);
  }
}
console.log(`restore of ${dir}, ${rounds} rounds, ${fresh ? 'each in a fresh process' : 'in one process (round 1 is its first)'}, builds in turns`);
console.log('| build | files | MB/s by round | median | idle, median round |\n|---|---:|---|---:|---:|');
for (const [b, rs] of results) {
  const median = [...rs].sort((x, y) => x.mbs - y.mbs)[rs.length >> 1];
  console.log(`| ${b} | ${rs[0].files} | ${rs.map((x) => x.mbs.toFixed(0)).join(', ')} | ${median.mbs.toFixed(0)} | ${(100 * median.idle).toFixed(0)} % |`);
}
