// Runs a profiling script's inner half under callgrind, counting only inside
// the calls the inner half marks with `[0].findLastIndex(() => { work; return
// false; })`: one dump per marked call, so a build's set-up, warm-up and
// reading of files stay out of the figures. The inner half prints one JSON
// object (with its pid) on stdout.
//
//   const { result, dumps, done } = callgrindMarked(scriptPath, innerArgs, { top, wat });
//   dumps[i].instructions  the i-th marked call's instruction count
//   dumps[i].functions()   with top: its top functions as text, the engine's
//                          named (lib/callgrind-wasm.mjs)
//   dumps[i].costs()       with top: { total, wasm, costs: [[name, instructions], ...] },
//                          every function's self instructions, most first
// top > 0 takes the profile with instruction-level costs and V8's perf map,
// which the naming needs. wat: the engine.wat files of the builds the inner
// half runs (default this checkout's), to name the WASM functions by.
// Call done() when finished with the dumps: it removes them and the perf map.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { costsByFunction, printCosts } from './callgrind-wasm.mjs';

const MARK = 'Builtins_ArrayPrototypeFindLastIndex';

export function callgrindMarked(script, innerArgs, { top = 0, wat } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'callgrind-marked-'));
  let perfMap = null;
  const done = () => {
    rmSync(dir, { recursive: true, force: true });
    if (perfMap) rmSync(perfMap, { force: true });
  };
  try {
    const r = spawnSync('valgrind', [
      '--tool=callgrind', `--callgrind-out-file=${join(dir, 'cg.out')}`, '--collect-atstart=no',
      `--toggle-collect=${MARK}`, `--dump-after=${MARK}`,
      ...(top ? ['--dump-instr=yes', '--dump-line=no', '--compress-pos=no', '--compress-strings=no'] : []),
      process.execPath, '--no-liftoff', ...(top ? ['--perf-basic-prof', '--no-wasm-lazy-compilation'] : []),
      script, ...innerArgs,
    ], { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`valgrind failed: ${r.stderr.slice(-2000)}`);
    const result = JSON.parse(r.stdout);
    if (top) perfMap = `/tmp/perf-${result.pid}.map`;
    const files = readdirSync(dir).filter((f) => /^cg\.out\.\d+$/.test(f))
      .sort((a, b) => Number(a.split('.').pop()) - Number(b.split('.').pop()));
    const dumps = files.map((f) => {
      const file = join(dir, f);
      const text = readFileSync(file, 'utf8');
      const m = /summary: (\d+)/.exec(text) ?? /totals: (\d+)/.exec(text);
      const costs = () => {
        if (!perfMap) throw new Error('callgrindMarked: naming functions needs { top } > 0');
        return costsByFunction(file, perfMap, wat);
      };
      return { instructions: Number(m[1]), costs, functions: () => printCosts(costs(), top) };
    });
    return { result, dumps, done };
  } catch (e) {
    done();
    throw e;
  }
}
