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
//        [--write collector] [--warmup 3000] [--requests 1000] [--connections 8] [--functions 30]
//
// --write collector counts collector writes instead (bench/http.bench.mjs's:
// 720 lines of one host a request, 256 hosts, the timestamp a step on after
// every 256 requests, WAL on); --bare then answers them with an empty 200.
//
// --functions N prints the top N functions of each server by instructions
// (self), V8's JIT code and the engine's WebAssembly named (lib/callgrind-wasm.mjs).
// About a minute a server.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { option } from './lib/args.mjs';
import { DAY, preloadQueryHost, startChild, writeBenchConfig } from './lib/bench-store.mjs';
import { openConnection, queryRequest, roundTrip, writeRequest } from './lib/http-client.mjs';
import { COLLECTOR_HOSTS, FREQUENCY, HWTHREADS, collectorBody } from './lib/write-bodies.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const args = process.argv.slice(2);
const opt = (name, dflt) => option(args, name, dflt);
const entries = args.flatMap((a, i) => (a === '--entry' ? [resolve(args[i + 1])] : []));
if (entries.length === 0 && !args.includes('--bare')) entries.push(join(ROOT, 'dist/cli.js'));
const which = opt('--query', 'single');
const writes = opt('--write', null);
if (writes !== null && writes !== 'collector') throw new Error(`--write collector is the one write shape (not ${writes})`);
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
  console.log(`\n${writes ? 'collector write' : `${which} query`}: instructions a request (callgrind, whole server process, ${requests} requests after ${warmup} of warm-up, ${connections} connections)\n`);
  console.log('| server | instructions |\n|---|---:|');
  for (const r of rows) console.log(`| ${r.name} | ${Math.round(r.total / requests).toLocaleString('en-US')} |`);
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
    if (writes) {
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
  if (functions) {
    const r = spawnSync(process.execPath, [join(ROOT, 'bench/lib/callgrind-wasm.mjs'), file, `/tmp/perf-${server.pid}.map`, String(functions)], { encoding: 'utf8', maxBuffer: 1 << 26 });
    top = r.stdout.split('\n').slice(1).filter(Boolean).map((l) => {
      const m = /^\s*([\d,]+)\s+(.*)$/.exec(l);
      return m ? `${String(Math.round(Number(m[1].replace(/,/g, '')) / requests)).padStart(8)}  ${m[2]}` : l;
    }).join('\n');
    rmSync(`/tmp/perf-${server.pid}.map`, { force: true });
  }
  console.error(`${name}: ${Math.round(total / requests).toLocaleString('en-US')} instructions a request`);
  return { name, total, top };
}

function callgrindControl(flag, pid) {
  execFileSync('callgrind_control', [flag, String(pid)], { stdio: ['ignore', 'ignore', 'inherit'] });
}
