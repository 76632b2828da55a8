// Runs a profiling script's inner half under callgrind, counting only inside
// the calls the inner half marks with `[0].findLastIndex(() => { work; return
// false; })`: one dump per marked call, so a build's set-up, warm-up and
// reading of files stay out of the figures. The inner half prints one JSON
// object (with its pid) on stdout.
//
//   const { result, dumps } = callgrindMarked(scriptPath, innerArgs, { top });
//   dumps[i].instructions  the i-th marked call's instruction count
//   dumps[i].functions()   with top: its top functions, the engine's named
//                          (lib/callgrind-wasm.mjs)
// Call done() when finished with the dumps: it removes them.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MARK = 'Builtins_ArrayPrototypeFindLastIndex';
const NAMER = fileURLToPath(new URL('./callgrind-wasm.mjs', import.meta.url));

export function callgrindMarked(script, innerArgs, { top = 0 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'callgrind-marked-'));
  const done = () => rmSync(dir, { recursive: true, force: true });
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
    const files = readdirSync(dir).filter((f) => /^cg\.out\.\d+$/.test(f))
      .sort((a, b) => Number(a.split('.').pop()) - Number(b.split('.').pop()));
    const dumps = files.map((f) => {
      const text = readFileSync(join(dir, f), 'utf8');
      const m = /summary: (\d+)/.exec(text) ?? /totals: (\d+)/.exec(text);
      return {
        instructions: Number(m[1]),
        functions: () => spawnSync(process.execPath, [NAMER, join(dir, f), `/tmp/perf-${result.pid}.map`, String(top)], { encoding: 'utf8' }).stdout,
      };
    });
    return { result, dumps, done };
  } catch (e) {
    done();
    throw e;
  }
}
