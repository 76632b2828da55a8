#!/usr/bin/env node
// CPU time per query request of the real CLI (Node) and of the bare node:http
// server answering a body of the same size, for the two query shapes of
// bench/http.bench.mjs (one host's 1,440 points; a metric of 72 hwthreads
// aggregated):
//
//   node bench/query-cpu.bench.mjs [--requests 20000] [--connections 8] [--rounds 3] [--entry dist/cli.js ...]
//        [--runtime node|bun|deno]
//
// requests/s move with whatever else runs on the machine; the server's own CPU
// seconds (utime + stime of /proc/<pid>/stat) per request move far less, so
// this is the figure to compare builds by on a shared machine. Several
// --entry scripts (e.g. a copy of another build's dist/cli.js) are measured
// in turns, round by round, with the bare server, best of --rounds each.
// Prints a Markdown table: CPU us/request, req/s, and the share of the bare
// server's CPU per request (bare / store: the ratio of the throughputs the two
// would reach with the CPU to themselves). --runtime bun or deno runs the
// stores (src/cli.ts unless --entry) and the bare server under that runtime,
// beside its native server (Bun.serve, Deno.serve) answering the same bytes.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DAY, cpuSeconds, preloadQueryHost, startChild, writeBenchConfig } from './lib/bench-store.mjs';
import { openConnection, queryRequest, roundTrip, writeRequest } from './lib/http-client.mjs';
import { FREQUENCY, HWTHREADS } from './lib/write-bodies.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
/** USER_HZ, the unit of /proc/<pid>/stat's times: 100 on Linux's every architecture. */

const options = parseArgs(process.argv.slice(2));
const dir = mkdtempSync(join(tmpdir(), 'ccms-query-cpu-'));
const servers = [];
try {
  const end = Math.floor(Date.now() / 1000 / FREQUENCY) * FREQUENCY;
  const start = end - DAY;
  const bodies = {
    single: JSON.stringify({ cluster: 'bench', from: start, to: end, queries: [{ metric: 'cpu_load', host: 'q0' }] }),
    aggregated: JSON.stringify({
      cluster: 'bench', from: start, to: end,
      queries: [{ metric: 'flops_any', host: 'q0', type: 'hwthread', 'type-ids': Array.from({ length: HWTHREADS }, (_, i) => String(i)), aggreg: true }],
    }),
  };
  const stores = [];
  for (const [i, entry] of options.entries.entries()) {
    const s = await startStore(join(dir, `store-${i}`), entry);
    servers.push(s);
    await preloadQueryHost(s.port, start, (body) => writeRequest(s.port, 'bench', body));
    stores.push({ name: entry.replace(ROOT, ''), server: s });
  }
  const sizes = {};
  for (const which of ['single', 'aggregated']) {
    const answers = await Promise.all(stores.map(async (s) => (await roundTrip(s.server.port, queryRequest(s.server.port, bodies[which]))).body));
    if (answers.some((a) => a !== answers[0])) throw new Error(`the entries answer the ${which} query differently`);
    if (JSON.parse(answers[0]).results[0][0].data.length !== 1440) throw new Error(`${which}: not 1,440 points: ${answers[0].slice(0, 200)}`);
    sizes[which] = Buffer.byteLength(answers[0]);
  }
  const bare = {};
  const bareKinds = options.runtime === 'node' ? ['node:http'] : ['node:http', options.runtime === 'bun' ? 'Bun.serve' : 'Deno.serve'];
  for (const which of ['single', 'aggregated']) {
    bare[which] = {};
    for (const kind of bareKinds) {
      const native = kind === 'node:http' ? [] : ['--native'];
      bare[which][kind] = await startChild([...runtimeCommand(), join(ROOT, 'bench/lib/bare-server.mjs'), String(sizes[which]), ...native]);
      servers.push(bare[which][kind]);
    }
  }
  const best = {};
  const keep = (key, m) => {
    const b = best[key];
    if (!b || m.cpuUs < b.cpuUs) best[key] = { ...m, rate: Math.max(m.rate, b?.rate ?? 0) };
    else b.rate = Math.max(b.rate, m.rate);
  };
  for (let round = 0; round <= options.rounds; round++) {
    for (const which of options.queries) {
      // Each round in another order, so that no server always runs first.
      const list = [...stores.map((s) => [s.name, s.server]), ...bareKinds.map((kind) => [`bare ${kind}`, bare[which][kind]])];
      if (round % 2 === 1) list.reverse();
      for (const [name, server] of list) {
        // Bun.serve and Deno.serve do not read the body of a GET: the same bytes as a POST.
        const method = name === 'bare Bun.serve' || name === 'bare Deno.serve' ? 'POST' : 'GET';
        const m = await measure(server, queryRequest(server.port, bodies[which], method));
        if (round > 0) keep(`${which}\t${name}`, m);
        log(`${round === 0 ? 'warm-up' : `round ${round}`}: ${which}, ${name}: ${m.cpuUs.toFixed(1)} us CPU/request, ${fmt(m.rate)} req/s`);
      }
    }
  }
  console.log(`\n${fmt(options.requests)} requests each over ${options.connections} connections, best of ${options.rounds} rounds; answers of ${fmt(sizes.single)} and ${fmt(sizes.aggregated)} B\n`);
  console.log('| query | server | CPU us/request | req/s | bare CPU / its CPU |');
  console.log('|---|---|---:|---:|---:|');
  for (const which of options.queries) {
    const bareCpu = best[`${which}\tbare node:http`].cpuUs;
    for (const name of [...stores.map((s) => s.name), ...bareKinds.map((kind) => `bare ${kind}`)]) {
      const m = best[`${which}\t${name}`];
      console.log(`| ${which} | ${name} | ${m.cpuUs.toFixed(1)} | ${fmt(m.rate)} | ${((bareCpu / m.cpuUs) * 100).toFixed(0)} % |`);
    }
  }
} finally {
  await Promise.all(servers.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
}

/** `options.requests` requests over `options.connections` connections: the server's CPU us per request, and requests/s. */
async function measure(server, request) {
  const conns = await Promise.all(Array.from({ length: options.connections }, () => openConnection(server.port)));
  try {
    for (const c of conns) await c.request(request);
    let left = options.requests;
    const cpu0 = cpuSeconds(server.pid).total;
    const t0 = performance.now();
    await Promise.all(
      conns.map(async (conn) => {
        while (left > 0) {
          left--;
          const res = await conn.request(request);
          if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${res.body.slice(0, 200)}`);
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds(server.pid).total - cpu0;
    return { cpuUs: (cpu / options.requests) * 1e6, rate: options.requests / seconds };
  } finally {
    conns.forEach((c) => c.close());
  }
}

function startStore(storeDir, entry) {
  const configPath = writeBenchConfig(storeDir);
  return startChild([...runtimeCommand(), ...options.nodeFlags, entry, '-config', configPath, '-loglevel', 'info'], storeDir);
}

function runtimeCommand() {
  switch (options.runtime) {
    case 'node': return [process.execPath];
    case 'bun': return [join(ROOT, 'node_modules/bun/bin/bun.exe')];
    case 'deno': return [join(ROOT, 'node_modules/deno/deno'), 'run', '-A'];
    default: throw new Error(`unknown runtime ${options.runtime}: use node, bun or deno`);
  }
}

function parseArgs(argv) {
  const o = { requests: 20_000, connections: 8, rounds: 3, entries: [], nodeFlags: [], queries: ['single', 'aggregated'], runtime: 'node' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--requests') o.requests = Number(argv[++i]);
    else if (arg === '--connections') o.connections = Number(argv[++i]);
    else if (arg === '--rounds') o.rounds = Number(argv[++i]);
    else if (arg === '--entry') o.entries.push(resolve(argv[++i]));
    else if (arg === '--only') o.queries = [argv[++i]]; // single or aggregated
    else if (arg === '--node-flag') o.nodeFlags.push(argv[++i]); // e.g. --cpu-prof (a flag of the runtime, whichever it is)
    else if (arg === '--runtime') o.runtime = argv[++i];
    else throw new Error(`unknown argument ${arg}`);
  }
  if (o.entries.length === 0) o.entries.push(join(ROOT, o.runtime === 'node' ? 'dist/cli.js' : 'src/cli.ts'));
  return o;
}

function fmt(n) {
  return Math.round(n).toLocaleString('en-US');
}

function log(message) {
  console.error(message);
}
