// Instructions a value of restore's encoding: the sealed chunk (the first 512
// values of each series) and the newest chunk's full pages (64 values each), as
// a restore of bench/persist.bench.mjs's files encodes them, through the test
// export codecEncode. Files: `sines` (persist bench hostLevel) and `realistic`
// (seriesValues per metric kind). Runs itself under callgrind.
//
//   node bench/encode-profile.mjs [--builds a.wasm,b.wasm] [--top N] [--hosts 4] [--time [--rounds 15]]
//     [--bin DIR [--bin-files 1]]   (also the series of DIR's .bin files, e.g. memory.bench's, kept)
// (--time: wall clock in one process instead, the builds alternating)
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { METRICS, seriesValues } from './data/generator.mjs';
import { option } from './lib/args.mjs';
import { callgrindMarked } from './lib/callgrind-marked.mjs';
import { scanBinSnapshot } from '../dist/persist/format/index.js';

const args = process.argv.slice(2);
const opt = (k, d) => option(args, k, d);
const builds = opt('--builds', fileURLToPath(new URL('../build/engine.wasm', import.meta.url))).split(',');
const hosts = Number(opt('--hosts', 4));
const top = Number(opt('--top', 0));
const SLOTS = 720;

function sines(h) {
  const out = [];
  const series = (k) => {
    const v = new Float32Array(SLOTS);
    for (let i = 0; i < SLOTS; i++) v[i] = (i % 97 === 13) ? NaN : Math.sin(h + k + i / 50) * 100 + k;
    return v;
  };
  for (let j = 0; j < 10; j++) out.push(series(j));
  for (let t = 0; t < 64; t++) for (let j = 0; j < 8; j++) out.push(series(100 + t + j));
  for (let s = 0; s < 2; s++) for (let j = 0; j < 4; j++) out.push(series(300 + s + j));
  return out;
}
const NODE_KINDS = METRICS.filter((m) => m.level === 'node').map((m) => m.kind);
const THREAD_KINDS = METRICS.filter((m) => m.level === 'hwthread').map((m) => m.kind);
function realistic(h) {
  const out = [];
  const s = (kind, k) => seriesValues(kind, SLOTS, h * 1000 + k);
  for (let j = 0; j < 10; j++) out.push(s(NODE_KINDS[j % NODE_KINDS.length], j));
  for (let t = 0; t < 64; t++) for (let j = 0; j < 8; j++) out.push(s(THREAD_KINDS[j % THREAD_KINDS.length], 100 + 8 * t + j));
  for (let b = 0; b < 2; b++) for (let j = 0; j < 4; j++) out.push(s(THREAD_KINDS.slice(6)[j % THREAD_KINDS.slice(6).length], 700 + 4 * b + j));
  return out;
}

/**
 * A series cut as restore cuts it (assembly/load.ts): pieces of 512 from its
 * start, each but the last a sealed chunk; the last (the newest chunk) has its
 * full pages but the last packed. [offset, length] pairs within the series.
 */
function restorePieces(len) {
  const pieces = [];
  let at = 0;
  for (; len - at > 512; at += 512) pieces.push([at, 512]);
  for (let p = 0; p < Math.ceil((len - at) / 64) - 1; p++) pieces.push([at + 64 * p, 64]);
  return pieces;
}

function setUp(path, series) {
  const { exports: x } = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(path)), {});
  if (!x.init(0, 1, 65536, 0)) throw new Error('engine init failed');
  const total = series.reduce((n, v) => n + v.length, 0);
  const io = x.ioBuffer(total * 4 + 8192) >>> 0;
  const f32 = new Float32Array(x.memory.buffer, io, total);
  const pieces = [];
  let at = 0;
  for (const v of series) {
    f32.set(v, at);
    for (const [from, len] of restorePieces(v.length)) pieces.push([(at + from) * 4, len]);
    at += v.length;
  }
  const out = total * 4;
  let bytes = 0;
  const run = () => {
    bytes = 0;
    for (const [p, len] of pieces) {
      const s = x.codecEncode(p, len, out, 0);
      bytes += s > 0 ? s : len * 4;
    }
    return bytes;
  };
  return { run, values: pieces.reduce((n, [, len]) => n + len, 0) };
}

/**
 * The series of the first `count` .bin files under `dir` (a directory kept by
 * BENCH_KEEP=1 node bench/memory.bench.mjs: values that came in as line-protocol text).
 */
function keptSeries(dir, count) {
  const bins = readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.bin')).sort().slice(0, count);
  const out = [];
  for (const f of bins) {
    const bytes = readFileSync(join(dir, f));
    const { table } = scanBinSnapshot(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    for (let k = 0; k < table.valueCount.length; k++) {
      const at = table.valuesAt[k];
      out.push(new Float32Array(bytes.buffer.slice(bytes.byteOffset + at, bytes.byteOffset + at + table.valueCount[k] * 4)));
    }
  }
  return out;
}

/** The cases' series: sines and realistic of `hosts` hosts, and with --bin DIR the kept files' (--bin-files, default 1). */
function allFiles() {
  const files = { sines: [], realistic: [] };
  for (let h = 0; h < hosts; h++) { files.sines.push(...sines(h)); files.realistic.push(...realistic(h)); }
  const kept = opt('--bin', '');
  if (kept) files.kept = keptSeries(kept, Number(opt('--bin-files', 1)));
  return files;
}

if (args.includes('--time')) {
  // Wall clock, in one process: the builds alternate, best of `--rounds` each (ns a value).
  const rounds = Number(opt('--rounds', 15));
  const files = allFiles();
  for (const [name, series] of Object.entries(files)) {
    const cases = builds.map((b) => ({ b, best: Infinity, ...setUp(b, series) }));
    for (let r = 0; r < rounds; r++) {
      for (const c of cases) {
        const t = process.hrtime.bigint();
        c.run();
        c.best = Math.min(c.best, Number(process.hrtime.bigint() - t) / c.values);
      }
    }
    for (const c of cases) console.log(`${name} ${c.b.split('/').pop()}: ${c.best.toFixed(2)} ns a value (best of ${rounds})`);
  }
} else if (args.includes('--inner')) {
  const files = allFiles();
  const cases = [];
  for (const b of builds) for (const [name, series] of Object.entries(files)) cases.push({ label: `${name} | ${b}`, ...setUp(b, series) });
  for (const c of cases) for (let i = 0; i < 30; i++) c.run();
  const one = [0];
  for (const c of cases) one.findLastIndex(() => { c.bytes = c.run(); return false; });
  process.stdout.write(JSON.stringify({ pid: process.pid, cases: cases.map((c) => ({ label: c.label, values: c.values, bytes: c.bytes })) }));
} else {
  const kept = opt('--bin', '') ? ['--bin', opt('--bin', ''), '--bin-files', opt('--bin-files', '1')] : [];
  const { result, dumps, done } = callgrindMarked(fileURLToPath(import.meta.url), ['--inner', '--builds', builds.join(','), '--hosts', String(hosts), ...kept], { top });
  try {
    console.log('| file | build | instructions/value | bytes/value |\n|---|---|---:|---:|');
    dumps.forEach((d, i) => {
      const c = result.cases[i];
      const [file, build] = c.label.split(' | ');
      console.log(`| ${file} | ${build.split('/').pop()} | ${(d.instructions / c.values).toFixed(2)} | ${(c.bytes / c.values).toFixed(3)} |`);
      if (top) console.log(d.functions());
    });
  } finally {
    done();
  }
}
