// Instructions a host of restore's synchronous per-host work, the JavaScript
// around the engine included: scanBinSnapshot, startsInOrder and noteStarts
// ("js"), and with Store.loadTable ("all", the copy into the engine and the
// engine's load and encoding), for 8 realistic hosts of
// bench/persist.bench.mjs's files, one build against others. Counted under
// callgrind only inside one marked call per case; reads and the event loop
// are not in the count (bench/restore-wall.mjs times the whole restore).
// "all" moves by up to ±0.8 M between runs (collector work lands in one
// case or another); "js" stays within 0.05 M.
//
//   node bench/restore-js-profile.mjs [--builds DIR,DIR] [--top N]
// (each DIR a checkout with dist/ and build/engine.wasm built)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { profileArgs } from './lib/args.mjs';
import { callgrindMarked } from './lib/callgrind-marked.mjs';
import { metricTable, realisticHost, T0 } from './lib/restore-hosts.mjs';

const { args, opt, builds, inner } = profileArgs();
const top = Number(opt('--top', 0));
const HOSTS = 8;
const from = (dir, path) => import(pathToFileURL(join(dir, path)).href);

if (inner) {
  const cases = [];
  for (const dir of builds) {
    const { Store } = await from(dir, 'dist/engine/index.js');
    const { encodeBinSnapshot, scanBinSnapshot } = await from(dir, 'dist/persist/format/index.js');
    const { startsInOrder } = await from(dir, 'dist/persist/series-starts.js');
    const { DiskState } = await from(dir, 'dist/persist/disk-state.js');
    const module = new WebAssembly.Module(readFileSync(join(dir, 'build/engine.wasm')));
    const bins = Array.from({ length: HOSTS }, (_, h) => encodeBinSnapshot({ from: T0 - 30, to: T0 + 43200, root: realisticHost(h) }));
    for (const part of ['js', 'all']) {
      const run = () => {
        const store = Store.fromModule(module, { metrics: metricTable, compression: true });
        const disk = new DiskState();
        bins.forEach((bytes, h) => {
          const { table } = scanBinSnapshot(bytes);
          disk.starts.noteStarts('fritz', `n${h}`, startsInOrder([table]));
          if (part === 'all') store.loadTable('fritz', `n${h}`, table);
        });
      };
      // Warm-up: the same work on stores of their own, so the count is of compiled code.
      for (let i = 0; i < 5; i++) run();
      cases.push({ label: `${part} | ${dir}`, run });
    }
  }
  const one = [0];
  // (A full collection before each count made it larger and less steady: 2.8-3.4 M on "js".)
  for (const c of cases) one.findLastIndex(() => { c.run(); return false; });
  process.stdout.write(JSON.stringify({ pid: process.pid, cases: cases.map((c) => ({ label: c.label })) }));
} else {
  const innerArgs = ['--inner', '--builds', builds.join(',')];
  const wat = builds.map((d) => join(d, 'build/engine.wat'));
  const { result, dumps, done } = callgrindMarked(fileURLToPath(import.meta.url), innerArgs, { top, wat });
  try {
    console.log('| part | build | M instructions a host |\n|---|---|---:|');
    dumps.forEach((d, i) => {
      const [part, dir] = result.cases[i].label.split(' | ');
      console.log(`| ${part} | ${dir} | ${(d.instructions / HOSTS / 1e6).toFixed(3)} |`);
      if (top) console.log(d.functions());
    });
  } finally {
    done();
  }
}
