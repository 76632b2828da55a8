#!/usr/bin/env node
// Instructions a query request of the whole server process (the real CLI on
// Node, or the bare node:http server answering as many bytes), counted by
// valgrind's callgrind: every thread, user space only (the kernel's send is
// not in it), counters zeroed after a warm-up, then --requests requests of
// bench/query-cpu.bench.mjs's shapes over --connections keep-alive connections.
// Deterministic enough (a few hundred instructions a request between runs of
// one build) to decide between two builds on a machine shared with other work.
//
//   node bench/server-callgrind.mjs [--entry dist/cli.js ...] [--bare] [--query single|aggregated]
//        [--write collector|bulk] [--warmup 3000] [--requests 1000] [--connections 8] [--functions 30]
//
// --write collector counts collector writes instead (bench/http.bench.mjs's:
// 720 lines of one host a request, 256 hosts, the timestamp a step on after
// every 256 requests, WAL on); --bare then answers them with an empty 200.
// --write bulk counts bulk bodies (230,400 lines of 64 hosts, 18.6 MB, each
// the next 5 steps; e.g. --warmup 6 --requests 4 --connections 2): a body
// takes valgrind some seconds.
//
// --functions N prints the top N functions of each server by instructions
// (self), V8's JIT code and the engine's WebAssembly named (lib/callgrind-wasm.mjs),
// and the instructions by kind: the engine, memcpy, V8's GC, the compilers and
// the rest. A build's total moves with a collection or a compile falling in
// the window (a mark-compact is some 70,000 a request of 1,024 collector
// writes); the rest is the figure to compare the JavaScript around the engine by.
// About a minute a server.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { option } from './lib/args.mjs';
import { DAY, preloadQueryHost, startChild, writeBenchConfig } from './lib/bench-store.mjs';
import { openConnection, queryRequest, roundTrip, writeRequest } from './lib/http-client.mjs';
import { COLLECTOR_HOSTS, FREQUENCY, HWTHREADS, STEPS_PER_BODY, bulkBody, collectorBody } from './lib/write-bodies.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const args = process.argv.slice(2);
const opt = (name, dflt) => option(args, name, dflt);
const entries = args.flatMap((a, i) => (a === '--entry' ? [resolve(args[i + 1])] : []));
if (entries.length === 0 && !args.includes('--bare')) entries.push(join(ROOT, 'dist/cli.js'));
const which = opt('--query', 'single');
const writes = opt('--write', null);
if (writes !== null && writes !== 'collector' && writes !== 'bulk') throw new Error(`--write collector|bulk (not ${writes})`);
const warmup = Number(opt('--warmup', 3000));
const requests = Number(opt('--requests', 1000));
const connections = Number(opt('--connections', 8));
const functions = Number(opt('--functions', 0));

const end = Math.floor(Date.now() / 1000 / FREQUENCY) * FREQUENCY;
const start = end - DAY;
const body = JSON.stringify(
  which === 'single'
    ? { cluster: 'bench', from: start, to: end, queries: [{ metric: 'cpu_load', host: 'q0' }] }
    : {
        cluster: 'bench', from: start, to: end,
        queries: [{ metric: 'flops_any', host: 'q0', type: 'hwthread', 'type-ids': Array.from({ length: HWTHREADS }, (_, i) => String(i)), aggreg: true }],
      },
);

const dir = mkdtempSync(join(tmpdir(), 'server-callgrind-'));
const rows = [];
let answerSize = 0;
try {
  for (const entry of entries) rows.push(await count(entry.replace(ROOT, ''), (d) => [entry, '-config', writeBenchConfig(d), '-loglevel', 'info'], true));
  if (args.includes('--bare')) rows.push(await count('bare node:http', () => [join(ROOT, 'bench/lib/bare-server.mjs'), String(answerSize)], false));
  console.log(`\n${writes ? `${writes} write` : `${which} query`}: instructions a request (callgrind, whole server process, ${requests} requests after ${warmup} of warm-up, ${connections} connections)\n`);
  console.log('| server | instructions |\n|---|---:|');
  for (const r of rows) console.log(`| ${r.name} | ${Math.round(r.total / requests).toLocaleString('en-US')} |`);
  if (rows.some((r) => r.split)) {
    console.log(`\nby kind, instructions a request\n\n| kind | ${rows.map((r) => r.name).join(' | ')} |\n|---|${rows.map(() => '---:').join('|')}|`);
    for (const [i, [kind]] of rows[0].split.entries()) console.log(`| ${kind} | ${rows.map((r) => Math.round(r.split[i][1] / requests).toLocaleString('en-US')).join(' | ')} |`);
  }
  for (const r of rows.filter((x) => x.top)) console.log(`\n${r.name}: top functions, instructions a request (self)\n${r.top}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

async function count(name, argvOf, isStore) {
  const d = mkdtempSync(join(dir, 'run-'));
  const out = join(d, 'cg.out');
  const server = await startChild([
    'valgrind', '--tool=callgrind', `--callgrind-out-file=${out}`,
    ...(functions ? ['--dump-instr=yes', '--dump-line=no', '--compress-pos=no', '--compress-strings=no'] : []),
    process.execPath, ...(functions ? ['--perf-basic-prof', '--no-wasm-lazy-compilation'] : []), ...argvOf(d),
  ], d);
  try {
    let sent = 0;
    let request;
    if (writes === 'bulk') {
      // Every server gets the same bodies in the same order, each the next steps of every host.
      request = () => writeRequest(server.port, 'bench', bulkBody(end + sent++ * STEPS_PER_BODY * FREQUENCY));
    } else if (writes) {
      // Every server gets the same bodies in the same order: host by host, then the next step.
      request = () => {
        const i = sent++;
        return writeRequest(server.port, 'bench', collectorBody(i % COLLECTOR_HOSTS, end + Math.floor(i / COLLECTOR_HOSTS) * FREQUENCY));
      };
    } else {
      if (isStore) await preloadQueryHost(server.port, start, (b) => writeRequest(server.port, 'bench', b));
      const bytes = queryRequest(server.port, body);
      const answer = await roundTrip(server.port, bytes);
      if (answer.status !== 200) throw new Error(`${name}: HTTP ${answer.status}`);
      if (isStore) answerSize ||= Buffer.byteLength(answer.body);
      request = () => bytes;
    }
    const conns = await Promise.all(Array.from({ length: connections }, () => openConnection(server.port)));
    const load = async (n) => {
      let left = n;
      await Promise.all(conns.map(async (c) => {
        while (left > 0) {
          left--;
          const res = await c.request(request());
          if (res.status !== 200) throw new Error(`${name}: HTTP ${res.status}`);
        }
      }));
    };
    await load(warmup);
    callgrindControl('-z', server.pid);
    await load(requests);
    callgrindControl('-d', server.pid);
    conns.forEach((c) => c.close());
  } finally {
    await server.stop();
  }
  const dumps = readdirSync(d).filter((f) => /^cg\.out\.\d+(-\d+)?$/.test(f) || f === 'cg.out');
  // Every thread's dump after the zeroing (one file per thread when callgrind separates them: it does not by default).
  const dumped = dumps.filter((f) => f !== 'cg.out').sort();
  const file = join(d, dumped[0]);
  const text = readFileSync(file, 'utf8');
  const total = Number(/^(?:summary|totals): (\d+)/m.exec(text)[1]);
  let top = '';
  let split = null;
  if (functions) {
    // Every function (the split below needs them all); the first `functions` of them printed.
    const r = spawnSync(process.execPath, [join(ROOT, 'bench/lib/callgrind-wasm.mjs'), file, `/tmp/perf-${server.pid}.map`, '1000000'], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const rows = r.stdout.split('\n').slice(1).filter(Boolean).map((l) => {
      const m = /^\s*([\d,]+)\s+(.*)$/.exec(l);
      return m ? [Number(m[1].replace(/,/g, '')), m[2]] : [0, l];
    });
    top = rows.slice(0, functions).map(([ir, fn]) => `${String(Math.round(ir / requests)).padStart(8)}  ${fn}`).join('\n');
    split = splitOf(rows);
    rmSync(`/tmp/perf-${server.pid}.map`, { force: true });
  }
  console.error(`${name}: ${Math.round(total / requests).toLocaleString('en-US')} instructions a request`);
  return { name, total, top, split };
}

/** Instructions by kind, [[kind, instructions], ...]: what is left once the engine, memcpy, GC and the compiler are apart is the JavaScript around them (node:http's and the store's) and V8's runtime. */
function splitOf(rows) {
  const kinds = [
    ['engine (WASM)', (fn) => fn.startsWith('wasm ')],
    ['memcpy', (fn) => /memcpy|memmove/.test(fn)],
    ['V8 garbage collection', (fn) => /Marking|Sweep|Scaveng|MarkCompact|Evacuat|PointersUpdating|IteratePointers|SizeFromMap|MemoryChunk|StringTableCleaner|WhiteToGrey|RememberedSet|SlotSet|ArrayBufferSweeper|ActiveSystemPages|heap::|Heap::|FreeList/.test(fn)],
    ['TurboFan and the other compilers', (fn) => /compiler::|wasm::|Compile|Parser::Parse|Bytecode/.test(fn) && !/llhttp|node::/.test(fn)],
    ['the rest (JavaScript, builtins, node, libc)', () => true],
  ];
  const sums = new Map(kinds.map(([k]) => [k, 0]));
  for (const [ir, fn] of rows) {
    const [k] = kinds.find(([, test]) => test(fn));
    sums.set(k, sums.get(k) + ir);
  }
  return [...sums];
}

function callgrindControl(flag, pid) {
  execFileSync('callgrind_control', [flag, String(pid)], { stdio: ['ignore', 'ignore', 'inherit'] });
}
