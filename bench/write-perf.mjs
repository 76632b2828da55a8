#!/usr/bin/env node
// Where a collector write's server CPU goes, by `perf record -e cpu-clock` of
// the whole server process (every thread: V8's concurrent marker and sweeper
// included, which the inspector's profile of the main thread does not see;
// the kernel too where perf_event_paranoid allows), on the real CLI under Node:
//
//   node bench/write-perf.mjs [--entry dist/cli.js ...] [--warmup 2048] [--requests 4096] [--top 0]
//        [--call-graph] [--keep DIR]
//
// bench/http.bench.mjs's collector shape (720 lines of one host a request,
// 256 hosts, 8 connections, WAL on). Each --entry runs on a fresh server
// started with --perf-basic-prof (JIT code and WASM named); the samples are
// put into rows by symbol: the engine's WASM, V8's garbage collection, the
// kernel, memcpy, JavaScript, TurboFan, other natives of node and libc. The
// shares carry the machine's other load; the server's CPU a request (from
// /proc) is printed beside them. --top N also lists the N hottest symbols.
// --call-graph records the stacks too (perf record -g) and splits the samples
// by them as well (lib/perf-stacks.mjs: the WAL's write, the answer's send and
// the request's read apart in the kernel; the store's JavaScript apart from
// node:http's by the innermost JS frame); --keep DIR leaves each run's perf.data (and V8's
// perf map, needed to name the JIT code) in DIR/run-N for `perf report`.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { option } from './lib/args.mjs';
import { stackSplit } from './lib/perf-stacks.mjs';
import { cpuSeconds, startChild, writeBenchConfig } from './lib/bench-store.mjs';
import { openConnection, writeRequest } from './lib/http-client.mjs';
import { COLLECTOR_HOSTS, FREQUENCY, collectorBody } from './lib/write-bodies.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const args = process.argv.slice(2);
const entries = args.flatMap((a, i) => (a === '--entry' ? [resolve(args[i + 1])] : []));
if (entries.length === 0) entries.push(join(ROOT, 'dist/cli.js'));
const warmup = Number(option(args, '--warmup', 2048));
const requests = Number(option(args, '--requests', 4096));
const top = Number(option(args, '--top', 0));
const callGraph = args.includes('--call-graph');
const keep = option(args, '--keep', null);

const ROWS = [
  ['engine (WASM)', (s) => /wasm-function/.test(s)],
  ['V8 garbage collection', (s) => /Marking|Sweep|Scaveng|MarkCompact|Evacuat|PointersUpdating|IteratePointers|SizeFromMap|MemoryChunk|StringTableCleaner|WhiteToGrey|RememberedSet|SlotSet|ArrayBufferSweeper|heap::|Heap::/.test(s)],
  ['kernel', (s) => /\[k\]/.test(s)],
  ['memcpy', (s) => /memmove|memcpy/.test(s)],
  ['JavaScript', (s) => /JS:/.test(s)],
  ['TurboFan (compiling)', (s) => /compiler::/.test(s)],
  ['other natives (V8 builtins, node, libc)', () => true],
];

const dir = mkdtempSync(join(tmpdir(), 'write-perf-'));
const end = Math.floor(Date.now() / 1000 / FREQUENCY) * FREQUENCY;
const bodies = Array.from({ length: warmup + requests }, (_, i) => collectorBody(i % COLLECTOR_HOSTS, end + Math.floor(i / COLLECTOR_HOSTS) * FREQUENCY));
try {
  for (const [i, entry] of entries.entries()) await profile(entry, join(dir, `run-${i}`));
  if (keep) for (const i of entries.keys()) cpSync(join(dir, `run-${i}`), join(resolve(keep), `run-${i}`), { recursive: true, filter: (f) => !f.includes('/checkpoints') });
} finally {
  rmSync(dir, { recursive: true, force: true });
}

async function profile(entry, runDir) {
  const server = await startChild([process.execPath, '--perf-basic-prof', entry, '-config', writeBenchConfig(runDir), '-loglevel', 'info'], runDir);
  const data = join(runDir, 'perf.data');
  let cpu;
  try {
    const conns = await Promise.all(Array.from({ length: 8 }, () => openConnection(server.port)));
    let sent = 0;
    const load = async (n) => {
      let left = n;
      await Promise.all(conns.map(async (c) => {
        while (left > 0) {
          left--;
          const res = await c.request(writeRequest(server.port, 'bench', bodies[sent++]));
          if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${res.body.slice(0, 200)}`);
        }
      }));
    };
    await load(warmup);
    const perf = spawn('perf', ['record', '-q', ...(callGraph ? ['-g'] : []), '-e', 'cpu-clock', '-F', '4000', '-p', String(server.pid), '-o', data], { stdio: 'inherit' });
    await new Promise((r) => setTimeout(r, 300));
    const c0 = cpuSeconds(server.pid);
    await load(requests);
    const c1 = cpuSeconds(server.pid);
    perf.kill('SIGINT');
    await new Promise((r) => perf.once('exit', r));
    cpu = { total: ((c1.total - c0.total) / requests) * 1e6, user: ((c1.user - c0.user) / requests) * 1e6 };
    conns.forEach((c) => c.close());
  } finally {
    await server.stop();
  }
  const report = spawnSync('perf', ['report', '-i', data, ...(callGraph ? ['--no-children', '-g', 'none'] : []), '--sort', 'dso,sym', '--stdio'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const lines = report.stdout.split('\n').filter((l) => /^\s+[\d.]+%/.test(l));
  const shares = new Map(ROWS.map(([name]) => [name, 0]));
  for (const line of lines) {
    const pct = Number.parseFloat(line);
    const row = ROWS.find(([, match]) => match(line));
    shares.set(row[0], shares.get(row[0]) + pct);
  }
  console.log(`\n${entry.replace(ROOT, '')}: ${cpu.total.toFixed(0)} us server CPU a request (user ${cpu.user.toFixed(0)}), ${requests} collector requests after ${warmup}\n`);
  console.log('| where | share of the samples |\n|---|---:|');
  for (const [name, pct] of shares) console.log(`| ${name} | ${pct.toFixed(1)} % |`);
  if (callGraph) {
    const split = stackSplit(data);
    console.log(`\nby stack (${split.total} samples; us a request: the share of the server's CPU a request above)\n`);
    console.log('| where | share | us a request |\n|---|---:|---:|');
    for (const [name, share] of split.shares) console.log(`| ${name} | ${(share * 100).toFixed(1)} % | ${(share * cpu.total).toFixed(1)} |`);
  }
  if (top > 0) console.log(`\n${lines.slice(0, top).map((l) => l.trim().replace(/\s+/g, ' ').slice(0, 160)).join('\n')}`);
}
