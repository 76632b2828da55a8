// Wall time of the service's restore (src/persist/restore.ts) of
// bench/persist.bench.mjs's .bin files, one build against others in turns in
// one process (so the machine's other load hits every build alike), and how
// much of that wall time the main thread was idle, waiting on reads
// (`performance.eventLoopUtilization()` over the restore: its idle time is the
// time the event loop sat in the poll with nothing to run).
//
//   node bench/restore-wall.mjs [--builds DIR,DIR] [--hosts 100] [--rounds 5]
//       [--kinds realistic,sines] [--modes sealed,raw] [--dir DIR] [--threads 1,2]
//
// `--threads 1,2`: each build restores with restore's encoding worker off (1)
// and on (2) in turns (restore({ threads }); builds before it ignore it).
//
// `--dir DIR`: the files are kept in DIR (written only if it has none), so a
// profile of a second run sees restore alone, not the files' generation.
//
// Each build is a checkout with dist/ and build/engine.wasm built. Prints, per
// build, kind and mode, the best round's MB/s of .bin and its idle share, and
// the median round's MB/s.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { profileArgs } from './lib/args.mjs';
import { metricTable, realisticHost, sinesHost, T0 } from './lib/restore-hosts.mjs';

const { opt, builds } = profileArgs();
const hosts = Number(opt('--hosts', 100));
const rounds = Number(opt('--rounds', 5));
const kinds = opt('--kinds', 'realistic,sines').split(',');
const modes = opt('--modes', 'sealed,raw').split(',');
const threadCounts = opt('--threads', '').split(',').filter(Boolean).map(Number);
const quiet = { debug() {}, info() {}, warn: console.warn, error: console.error };

const loaded = [];
for (const dir of builds) {
  const { Store } = await import(pathToFileURL(join(dir, 'dist/engine/index.js')).href);
  const { restore } = await import(pathToFileURL(join(dir, 'dist/persist/restore.js')).href);
  const { DiskState } = await import(pathToFileURL(join(dir, 'dist/persist/disk-state.js')).href);
  const module = new WebAssembly.Module(readFileSync(join(dir, 'build/engine.wasm')));
  for (const threads of threadCounts.length ? threadCounts : [undefined]) {
    loaded.push({ dir: threads ? `${dir} (${threads} threads)` : dir, threads, Store, restore, DiskState, module });
  }
}
// Files written by the first build's encoder (the format is the same for all).
const { encodeBinSnapshot } = await import(pathToFileURL(join(loaded[0].dir.replace(/ \(.*$/, ''), 'dist/persist/format/index.js')).href);

const kept = opt('--dir', '');
const root = kept || mkdtempSync(join(tmpdir(), 'ccms-restore-wall-'));
try {
  const roots = {};
  for (const kind of kinds) {
    const make = kind === 'sines' ? sinesHost : realisticHost;
    roots[kind] = join(root, `${kind}-${hosts}`);
    if (existsSync(roots[kind])) continue;
    for (let h = 0; h < hosts; h++) {
      const d = join(roots[kind], 'fritz', `n${h}`);
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, `${T0 - 30}.bin`), encodeBinSnapshot({ from: T0 - 30, to: T0 + 43200, root: make(h) }));
    }
  }
  const results = new Map();
  const once = async (b, kind, mode) => {
    const store = b.Store.fromModule(b.module, { metrics: metricTable, compression: mode === 'sealed' });
    const opts = { store, root: roots[kind], restorePoint: 0, log: quiet, disk: new b.DiskState(), sync: false, threads: b.threads };
    const elu0 = performance.eventLoopUtilization();
    const t0 = performance.now();
    const summary = await b.restore(opts);
    const secs = (performance.now() - t0) / 1000;
    const elu = performance.eventLoopUtilization(elu0);
    return { mbs: summary.bytes / 1e6 / secs, idle: elu.idle / (elu.idle + elu.active) };
  };
  // One warm-up round of every case: the JIT's tiers, the first store's growth.
  for (const b of loaded) for (const kind of kinds) for (const mode of modes) await once(b, kind, mode);
  for (let r = 0; r < rounds; r++) {
    for (const kind of kinds) {
      for (const mode of modes) {
        for (const b of loaded) {
          const key = `${kind} | ${mode} | ${b.dir}`;
          if (!results.has(key)) results.set(key, []);
          results.get(key).push(await once(b, kind, mode));
        }
      }
    }
  }
  console.log(`restore of ${hosts} hosts' .bin, ${rounds} rounds, builds in turns`);
  console.log('| kind | chunks | build | best MB/s | idle at best | median MB/s |\n|---|---|---|---:|---:|---:|');
  for (const [key, rs] of results) {
    const best = rs.reduce((a, b) => (b.mbs > a.mbs ? b : a));
    const median = rs.map((x) => x.mbs).sort((a, b) => a - b)[rs.length >> 1];
    const [kind, mode, dir] = key.split(' | ');
    console.log(`| ${kind} | ${mode} | ${dir} | ${best.mbs.toFixed(0)} | ${(100 * best.idle).toFixed(0)} % | ${median.toFixed(0)} |`);
  }
} finally {
  if (!kept) rmSync(root, { recursive: true, force: true });
}
