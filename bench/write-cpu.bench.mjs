#!/usr/bin/env node
// CPU time per write request of the real CLI (Node, WAL on), for the two write
// shapes of bench/http.bench.mjs (a collector's 720 lines of one host; a bulk
// body of 230,400 lines), beside the engine's own CPU for the same bodies
// in this process (Store.ingest with WAL records, as the CLI sets it):
//
//   node bench/write-cpu.bench.mjs [--steps 8] [--bulk 6] [--connections 8] [--rounds 3] [--entry dist/cli.js ...]
//        [--only collector|bulk]
//
// As bench/query-cpu.bench.mjs: the server's CPU seconds (utime + stime of
// /proc/<pid>/stat) per request move far less with the machine's other load
// than lines/s, so this is the figure to compare builds by. Several --entry
// scripts (e.g. a copy of another build's dist/cli.js) are measured in turns,
// round by round, best of --rounds each. A collector round is --steps
// timestamps of 256 hosts (one request each); a bulk round is --bulk bodies
// over 2 connections; the engine in this process ingests the same bodies
// in the same rounds (its store at the same stage: chunks fill and are sealed
// at the same steps). "engine / server" is the engine's CPU per body over
// the server's: the share of the engine's in-process rate the server reaches
// with the CPU to itself.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectGarbage } from './lib/collect-garbage.mjs';
import { cpuSeconds, startChild, writeBenchConfig } from './lib/bench-store.mjs';
import { openConnection, writeRequest } from './lib/http-client.mjs';
import { BULK_LINES, COLLECTOR_HOSTS, COLLECTOR_LINES, FREQUENCY, METRIC_CONFIG, STEPS_PER_BODY, bulkBody, collectorBody } from './lib/write-bodies.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
/** USER_HZ, the unit of /proc/<pid>/stat's times. */

const options = parseArgs(process.argv.slice(2));
const dir = mkdtempSync(join(tmpdir(), 'ccms-write-cpu-'));
const servers = [];
let ts = Math.floor(Date.now() / 1000 / FREQUENCY) * FREQUENCY;
try {
  const stores = [];
  for (const [i, entry] of options.entries.entries()) {
    const s = await startStore(join(dir, `store-${i}`), entry);
    servers.push(s);
    stores.push({ name: entry.replace(ROOT, ''), server: s });
  }
  const engine = await inProcessEngine();
  const best = {};
  const keep = (key, m) => {
    if (!best[key] || m.cpuUs < best[key].cpuUs) best[key] = m;
  };
  for (let round = 0; round <= options.rounds; round++) {
    for (const load of options.loads) {
      // Every store (and the engine in this process) gets the same bodies, their timestamps after the last round's.
      const bodies = load === 'collector' ? collectorBodies(round === 0 ? 2 : options.steps) : bulkBodies(round === 0 ? 2 : options.bulk);
      const list = stores.map((s) => [s.name, s.server]);
      if (round % 2 === 1) list.reverse();
      for (const [name, server] of list) {
        const m = await measure(server, bodies, load === 'bulk' ? 2 : options.connections);
        if (round > 0) keep(`${load}\t${name}`, m);
        log(`${round === 0 ? 'warm-up' : `round ${round}`}: ${load}, ${name}: ${m.cpuUs.toFixed(0)} us CPU/request (user ${m.userUs.toFixed(0)}), ${fmt(m.rate)} lines/s`);
      }
      const e = engine.measure(bodies);
      if (round > 0) keep(`${load}\tengine`, e);
      log(`${round === 0 ? 'warm-up' : `round ${round}`}: ${load}, engine in-process: ${e.cpuUs.toFixed(0)} us CPU/body`);
    }
  }
  console.log(`\nbest of ${options.rounds} rounds; collector: ${fmt(options.steps * COLLECTOR_HOSTS)} requests of ${fmt(COLLECTOR_LINES)} lines over ${options.connections} connections; bulk: ${options.bulk} bodies of ${fmt(BULK_LINES)} lines over 2\n`);
  console.log('| load | server | CPU us/request | of it user | lines/s | engine CPU us/body | engine / server |');
  console.log('|---|---|---:|---:|---:|---:|---:|');
  for (const load of options.loads) {
    const e = best[`${load}\tengine`].cpuUs;
    for (const s of stores) {
      const m = best[`${load}\t${s.name}`];
      console.log(`| ${load} | ${s.name} | ${m.cpuUs.toFixed(0)} | ${m.userUs.toFixed(0)} | ${fmt(m.rate)} | ${e.toFixed(0)} | ${((e / m.cpuUs) * 100).toFixed(0)} % |`);
    }
  }
} finally {
  await Promise.all(servers.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
}

function collectorBodies(steps) {
  const out = [];
  for (let s = 0; s < steps; s++) for (let h = 0; h < COLLECTOR_HOSTS; h++) out.push(collectorBody(h, ts + s * FREQUENCY));
  ts += steps * FREQUENCY;
  return out;
}

function bulkBodies(n) {
  const out = Array.from({ length: n }, (_, i) => bulkBody(ts + i * STEPS_PER_BODY * FREQUENCY));
  ts += n * STEPS_PER_BODY * FREQUENCY;
  return out;
}

/** The engine in this process, as the CLI sets it up: its CPU us per body of the same bodies the servers get. */
async function inProcessEngine() {
  const { Store } = await import(new URL('../dist/engine/store.js', import.meta.url).href);
  const module = new WebAssembly.Module(readFileSync(new URL('../build/engine.wasm', import.meta.url)));
  const store = Store.fromModule(module, { metrics: METRIC_CONFIG, wal: true, ingestWindow: { pastSeconds: 48 * 3600, futureSeconds: 1e9 }, maxHostsPerBody: 10_000 });
  return {
    measure(bodies) {
      collectGarbage();
      const c0 = process.cpuUsage();
      for (const body of bodies) {
        const r = store.ingest(body, 'bench', ts);
        if (r.rejected) throw new Error(`engine ingest rejected ${r.rejected} lines: ${JSON.stringify(r.reasons)}`);
      }
      const c = process.cpuUsage(c0);
      return { cpuUs: (c.user + c.system) / bodies.length, userUs: c.user / bodies.length, rate: 0 };
    },
  };
}

/** The bodies over `connections` connections: the server's CPU us per request, and lines/s. */
async function measure(server, bodies, connections) {
  const conns = await Promise.all(Array.from({ length: connections }, () => openConnection(server.port)));
  try {
    let next = 0;
    const cpu0 = cpuSeconds(server.pid);
    const t0 = performance.now();
    await Promise.all(
      conns.map(async (conn) => {
        while (next < bodies.length) {
          const body = bodies[next++];
          const res = await conn.request(writeRequest(server.port, 'bench', body));
          if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${res.body.slice(0, 200)}`);
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const cpu1 = cpuSeconds(server.pid);
    const lines = bodies[0].length > 1e6 ? BULK_LINES : COLLECTOR_LINES;
    const us = (a, b) => ((a - b) / bodies.length) * 1e6;
    return { cpuUs: us(cpu1.total, cpu0.total), userUs: us(cpu1.user, cpu0.user), rate: (lines * bodies.length) / seconds };
  } finally {
    conns.forEach((c) => c.close());
  }
}

function startStore(storeDir, entry) {
  const configPath = writeBenchConfig(storeDir);
  return startChild([process.execPath, ...options.nodeFlags, entry, '-config', configPath, '-loglevel', 'info'], storeDir);
}

function parseArgs(argv) {
  const o = { steps: 8, bulk: 6, connections: 8, rounds: 3, entries: [], nodeFlags: [], loads: ['collector', 'bulk'] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--steps') o.steps = Number(argv[++i]);
    else if (arg === '--bulk') o.bulk = Number(argv[++i]);
    else if (arg === '--connections') o.connections = Number(argv[++i]);
    else if (arg === '--rounds') o.rounds = Number(argv[++i]);
    else if (arg === '--entry') o.entries.push(resolve(argv[++i]));
    else if (arg === '--only') o.loads = [argv[++i]];
    else if (arg === '--node-flag') o.nodeFlags.push(argv[++i]);
    else throw new Error(`unknown argument ${arg}`);
  }
  if (o.entries.length === 0) o.entries.push(join(ROOT, 'dist/cli.js'));
  return o;
}

function fmt(n) {
  return Math.round(n).toLocaleString('en-US');
}

function log(message) {
  console.error(message);
}
