#!/usr/bin/env node
// Server CPU a collector write, second by second, across quiet gaps: whether
// what a store does once writes go quiet (src/runtime/idle-collection.ts)
// costs the writes after it, and for how long. Every --entry (e.g. a copy of
// another build's dist/cli.js) runs at the same time and gets the same
// writes, so the machine's other load falls on all of them alike.
//
//   node bench/write-after-quiet.mjs --entry OLD/dist/cli.js --entry dist/cli.js
//        [--seconds 6,6,6,6,6,6] [--gap 3000] [--rate 1500] [--connections 4]
//
// --seconds: the phases of writes (seconds each), separated by --gap ms with
// no writes (more than the 1-2 s after which the idle collection runs; V8's
// own memory reducer collects some 25 s into a quiet spell). Each second sends
// --rate collector bodies (720 lines of one host, bench/lib/write-bodies.mjs)
// to every server and prints each server's CPU us a write (user + system,
// then user); the tick of /proc is 10 ms, so a second's figure moves in steps
// of 10 ms / rate. At the end: each phase's mean from its third second, and
// its first second, the one a gap's after-effects show in.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { option } from './lib/args.mjs';
import { cpuSeconds, startChild, writeBenchConfig } from './lib/bench-store.mjs';
import { openConnection, writeRequest } from './lib/http-client.mjs';
import { COLLECTOR_HOSTS, FREQUENCY, collectorBody } from './lib/write-bodies.mjs';

const args = process.argv.slice(2);
const entries = args.flatMap((a, i) => (a === '--entry' ? [resolve(args[i + 1])] : []));
if (entries.length === 0) entries.push(resolve('dist/cli.js'));
const phases = String(option(args, '--seconds', '6,6,6,6,6,6')).split(',').map(Number);
const gap = Number(option(args, '--gap', 3000));
const rate = Number(option(args, '--rate', 1500));
const connections = Number(option(args, '--connections', 4));

const dir = mkdtempSync(join(tmpdir(), 'ccms-write-after-quiet-'));
const servers = [];
try {
  for (const [i, entry] of entries.entries()) {
    const d = join(dir, `store-${i}`);
    servers.push(await startChild([process.execPath, entry, '-config', writeBenchConfig(d), '-loglevel', 'info'], d));
  }
  const conns = await Promise.all(servers.map((s) => Promise.all(Array.from({ length: connections }, () => openConnection(s.port)))));
  let ts = Math.floor(Date.now() / 1000 / FREQUENCY) * FREQUENCY;
  let host = 0;
  const nextBody = () => {
    const body = collectorBody(host, ts);
    if (++host === COLLECTOR_HOSTS) {
      host = 0;
      ts += FREQUENCY;
    }
    return body;
  };
  const rows = [];
  for (const [phase, seconds] of phases.entries()) {
    if (phase > 0) await sleep(gap);
    for (let s = 0; s < seconds; s++) {
      const bodies = Array.from({ length: rate }, nextBody);
      const before = servers.map((sv) => cpuSeconds(sv.pid));
      const t0 = performance.now();
      await Promise.all(servers.map((sv, i) => send(sv.port, conns[i], bodies)));
      const us = servers.map((sv, i) => {
        const after = cpuSeconds(sv.pid);
        return { total: ((after.total - before[i].total) / rate) * 1e6, user: ((after.user - before[i].user) / rate) * 1e6 };
      });
      rows.push({ phase, second: s, us });
      const cells = us.map((u) => `${u.total.toFixed(0).padStart(5)} (${u.user.toFixed(0).padStart(4)})`).join('  ');
      log(`phase ${phase} second ${s}: ${cells}  us a write (user), ${(performance.now() - t0).toFixed(0)} ms`);
      const rest = 1000 - (performance.now() - t0);
      if (rest > 0) await sleep(rest);
    }
  }
  conns.flat().forEach((c) => c.close());
  console.log(`\n${fmt(rate)} collector writes a second to each server, ${gap} ms gaps; server CPU us a write\n`);
  console.log(`| phase | ${entries.map((e) => `${e.replace(process.cwd() + '/', '')}: 1st second | from the 3rd`).join(' | ')} |`);
  console.log(`|---|${entries.map(() => '---:|---:').join('|')}|`);
  for (const phase of phases.keys()) {
    const of = rows.filter((r) => r.phase === phase);
    const cells = entries.map((_, i) => {
      const later = of.slice(2);
      const mean = later.reduce((n, r) => n + r.us[i].total, 0) / Math.max(1, later.length);
      return `${of[0].us[i].total.toFixed(0)} | ${mean.toFixed(0)}`;
    });
    console.log(`| ${phase}${phase === 0 ? ' (fresh)' : ''} | ${cells.join(' | ')} |`);
  }
} finally {
  await Promise.all(servers.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
}

/** The bodies over the connections, each taking the next; every answer must be 200. */
async function send(port, conns, bodies) {
  let next = 0;
  await Promise.all(
    conns.map(async (conn) => {
      while (next < bodies.length) {
        const res = await conn.request(writeRequest(port, 'bench', bodies[next++]));
        if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${res.body.slice(0, 200)}`);
      }
    }),
  );
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

function fmt(n) {
  return Math.round(n).toLocaleString('en-US');
}

function log(message) {
  console.error(message);
}
