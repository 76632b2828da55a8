#!/usr/bin/env node
// The JavaScript garbage of a collector's write in the real CLI (Node, WAL on):
//
//   node bench/write-gc-profile.mjs [--entry dist/cli.js ...] [--warm 1024] [--requests 2048] [--rounds 2]
//
// Each build (--entry, several in turns round by round) runs on a fresh server
// under --trace-gc-nvp; after --warm requests of bench/http.bench.mjs's
// collector shape (720 lines, one host a request, 8 connections), --requests
// more are sent and the collections during them counted: scavenges,
// mark-compacts, and the JS heap bytes allocated a request (V8's `allocated=`
// of each collection, summed, over the requests: the part of the window after
// its last collection is not counted, at most one young generation's worth
// over all the requests). Unlike CPU time, these hardly move with the
// machine's other load: the figures to compare builds by when the per-request
// garbage is what changed. The server's CPU us a request is printed beside
// them (that one does move with the load).

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { option } from './lib/args.mjs';
import { cpuSeconds, writeBenchConfig } from './lib/bench-store.mjs';
import { openConnection, writeRequest } from './lib/http-client.mjs';
import { COLLECTOR_HOSTS, FREQUENCY, collectorBody } from './lib/write-bodies.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const args = process.argv.slice(2);
const entries = args.flatMap((a, i) => (args[i - 1] === '--entry' ? [resolve(a)] : []));
if (entries.length === 0) entries.push(join(ROOT, 'dist/cli.js'));
const warm = Number(option(args, '--warm', 1024));
const requests = Number(option(args, '--requests', 2048));
const rounds = Number(option(args, '--rounds', 2));
const CONNECTIONS = 8;

const dir = mkdtempSync(join(tmpdir(), 'ccms-write-gc-'));
const rows = [];
try {
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 === 1 ? entries : [...entries].reverse();
    for (const entry of order) {
      const m = await measure(entry, join(dir, `r${round}-${entries.indexOf(entry)}`));
      rows.push({ entry: entry.replace(ROOT, ''), round, ...m });
      console.error(`round ${round}: ${entry.replace(ROOT, '')}: ${JSON.stringify(m)}`);
    }
  }
  console.log(`\n${requests} collector requests after ${warm} of warm-up, ${CONNECTIONS} connections, each round on a fresh server\n`);
  console.log('| build | round | JS heap allocated / request | scavenges | mark-compacts | server CPU us / request |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.entry} | ${r.round} | ${r.allocatedBytes.toLocaleString('en-US')} B | ${r.scavenges} | ${r.markCompacts} | ${r.cpuUs} |`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

async function measure(entry, storeDir) {
  const configPath = writeBenchConfig(storeDir);
  // The load is sent faster than a loaded machine may answer: no connection is closed for it.
  const config = JSON.parse(readFileSync(configPath, 'utf8'));
  Object.assign(config.main, { 'header-timeout': '1h', 'idle-timeout': '1h', 'request-timeout': '1h' });
  writeFileSync(configPath, JSON.stringify(config));
  const child = spawn(process.execPath, ['--trace-gc-nvp', entry, '-config', configPath, '-loglevel', 'info'], { cwd: storeDir, stdio: ['ignore', 'pipe', 'pipe'] });
  let trace = '';
  child.stdout.on('data', (d) => (trace += d));
  let stderr = '';
  const port = await new Promise((ok, fail) => {
    child.stderr.on('data', (d) => {
      stderr += d;
      const match = /listening at [^\s]*:(\d+)/.exec(stderr);
      if (match) ok(Number(match[1]));
    });
    child.once('exit', (code) => fail(new Error(`${entry} exited with ${code}:\n${stderr}`)));
  });
  try {
    let ts = Math.floor(Date.now() / 1000 / FREQUENCY) * FREQUENCY;
    const send = async (n) => {
      const bodies = Array.from({ length: n }, (_, i) => collectorBody(i % COLLECTOR_HOSTS, ts + Math.floor(i / COLLECTOR_HOSTS) * FREQUENCY));
      ts += Math.ceil(n / COLLECTOR_HOSTS) * FREQUENCY;
      const conns = await Promise.all(Array.from({ length: CONNECTIONS }, () => openConnection(port)));
      let next = 0;
      await Promise.all(
        conns.map(async (conn) => {
          while (next < n) {
            const res = await conn.request(writeRequest(port, 'bench', bodies[next++]));
            if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${res.body.slice(0, 200)}`);
          }
        }),
      );
      conns.forEach((c) => c.close());
    };
    await send(warm);
    await new Promise((r) => setTimeout(r, 200));
    const from = trace.length;
    const cpu0 = cpuSeconds(child.pid);
    await send(requests);
    const cpu1 = cpuSeconds(child.pid);
    const window = trace.slice(from);
    const allocated = [...window.matchAll(/allocated=(\d+)/g)].reduce((s, m) => s + Number(m[1]), 0);
    return {
      allocatedBytes: Math.round(allocated / requests),
      scavenges: (window.match(/gc=s\b/g) ?? []).length,
      markCompacts: (window.match(/gc=mc\b/g) ?? []).length,
      cpuUs: Math.round(((cpu1.total - cpu0.total) / requests) * 1e6),
    };
  } finally {
    child.kill('SIGKILL');
  }
}
