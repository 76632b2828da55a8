// Instructions a value of restore's engine part: Store.loadTable of scanned
// .bin tables (the copy into the engine, the chunks, and with compression on
// the encoding of every chunk but a series' newest and of the newest chunk's
// full pages), for bench/persist.bench.mjs's files (sines, realistic), raw
// and sealed chunks, one build against others. Counted under callgrind only
// inside one findLastIndex call per case (stores made and files scanned
// before it); file reads, the scan and the event loop are not in the count.
//
//   node bench/restore-profile.mjs [--builds a.wasm,b.wasm] [--hosts 4] [--top N]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { option } from './lib/args.mjs';
import { callgrindMarked } from './lib/callgrind-marked.mjs';
import { metricTable, realisticHost, sinesHost, T0 } from './lib/restore-hosts.mjs';

const args = process.argv.slice(2);
const opt = (k, d) => option(args, k, d);
const builds = opt('--builds', fileURLToPath(new URL('../build/engine.wasm', import.meta.url))).split(',');
const hosts = Number(opt('--hosts', 4));
const top = Number(opt('--top', 0));

if (args.includes('--inner')) {
  const { Store } = await import('../dist/engine/index.js');
  const { encodeBinSnapshot, scanBinSnapshot } = await import('../dist/persist/format/index.js');
  const files = {};
  for (const [name, make] of [['sines', sinesHost], ['realistic', realisticHost]]) {
    files[name] = Array.from({ length: hosts }, (_, h) =>
      encodeBinSnapshot({ from: T0 - 30, to: T0 + 43200, root: make(h) }));
  }
  const cases = [];
  for (const b of builds) {
    const module = new WebAssembly.Module(readFileSync(b));
    for (const [name, bins] of Object.entries(files)) {
      for (const compression of [false, true]) {
        const tables = bins.map((bytes) => scanBinSnapshot(bytes).table);
        const values = tables.reduce((n, t) => n + t.valueCount.reduce((a, k) => a + k, 0), 0);
        const load = () => {
          const store = Store.fromModule(module, { metrics: metricTable, compression });
          tables.forEach((t, h) => store.loadTable('fritz', `n${h}`, t));
          return store;
        };
        // Warm-up: the same loads into stores of their own, so the count is of compiled code.
        for (let i = 0; i < 3; i++) load();
        cases.push({ label: `${name} | ${compression ? 'sealed' : 'raw'} | ${b}`, values, module, tables, compression });
      }
    }
  }
  const one = [0];
  for (const c of cases) {
    const store = Store.fromModule(c.module, { metrics: metricTable, compression: c.compression });
    one.findLastIndex(() => {
      c.tables.forEach((t, h) => store.loadTable('fritz', `n${h}`, t));
      return false;
    });
    c.used = store.stats().usedBytes;
  }
  process.stdout.write(JSON.stringify({ pid: process.pid, cases: cases.map((c) => ({ label: c.label, values: c.values, used: c.used })) }));
} else {
  const { result, dumps, done } = callgrindMarked(fileURLToPath(import.meta.url), ['--inner', '--builds', builds.join(','), '--hosts', String(hosts)], { top });
  try {
    console.log('| file | chunks | build | instructions/value | stored bytes/value |\n|---|---|---|---:|---:|');
    dumps.forEach((d, i) => {
      const c = result.cases[i];
      const [file, chunks, build] = c.label.split(' | ');
      console.log(`| ${file} | ${chunks} | ${build.split('/').pop()} | ${(d.instructions / c.values).toFixed(2)} | ${(c.used / c.values).toFixed(3)} |`);
      if (top) console.log(d.functions());
    });
  } finally {
    done();
  }
}
