#!/usr/bin/env node
// The bulk write load of bench/http.bench.mjs against one real CLI (Node, WAL
// on), for looking inside the server while it ingests: a tool run beside the
// counted bodies gets the server's pid.
//
//   node bench/bulk-load.mjs [--entry dist/cli.js] [--bodies 16] [--node-flag F]... [--kill] [-- CMD ARG...]
//
// Starts the CLI (with the --node-flag flags, e.g. --trace-gc-nvp or
// --perf-basic-prof), sends two bodies of 230,400 lines to warm it up, starts
// CMD (every "PID" in its arguments replaced by the server's pid, e.g.
// `-- strace -c -f -p PID` or `-- perf record -g -p PID -o perf.data`), then
// sends --bodies more over 2 keep-alive connections (all made before the
// clock starts, each with timestamps of its own, as the bench sends them) and
// stops CMD with SIGINT. Prints lines/s, the server's CPU (utime + stime)
// a body (and of it its main thread's, the one that parses: the ceiling of
// the rate when the other threads have a core of their own) and its RSS after the bodies (and its peak). --kill ends the server
// with SIGKILL instead of SIGTERM, so that its final checkpoint stays out of
// a GC trace or profile taken to the end.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuSeconds, mainThreadCpuSeconds, startChild, writeBenchConfig } from './lib/bench-store.mjs';
import { openConnection, writeRequest } from './lib/http-client.mjs';
import { BULK_LINES, FREQUENCY, STEPS_PER_BODY, bulkBody } from './lib/write-bodies.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const WARM_UP = 2;

const options = parseArgs(process.argv.slice(2));
const dir = mkdtempSync(join(tmpdir(), 'ccms-bulk-load-'));
const server = await startChild([process.execPath, ...options.nodeFlags, options.entry, '-config', writeBenchConfig(dir), '-loglevel', 'info'], dir);
try {
  const first = Math.floor(Date.now() / 1000 / FREQUENCY) * FREQUENCY;
  const bodies = Array.from({ length: WARM_UP + options.bodies }, (_, i) => bulkBody(first + i * STEPS_PER_BODY * FREQUENCY));
  const connections = [await openConnection(server.port), await openConnection(server.port)];
  const send = async (connection, body) => {
    const answer = await connection.request(writeRequest(server.port, 'bench', body));
    if (answer.status !== 200) throw new Error(`write answered ${answer.status}: ${answer.body}`);
  };
  for (const body of bodies.slice(0, WARM_UP)) await send(connections[0], body);

  const tool = options.command.length > 0
    ? spawn(options.command[0], options.command.slice(1).map((a) => a.replaceAll('PID', String(server.pid))), { stdio: 'inherit' })
    : null;
  // Time for the tool to attach before the first counted byte.
  if (tool) await new Promise((r) => setTimeout(r, 500));
  const cpuBefore = cpuSeconds(server.pid).total;
  const mainBefore = mainThreadCpuSeconds(server.pid).total;
  const started = performance.now();
  let next = WARM_UP;
  await Promise.all(connections.map(async (connection) => {
    while (next < bodies.length) await send(connection, bodies[next++]);
  }));
  const seconds = (performance.now() - started) / 1000;
  const cpuMs = ((cpuSeconds(server.pid).total - cpuBefore) * 1000) / options.bodies;
  const mainMs = ((mainThreadCpuSeconds(server.pid).total - mainBefore) * 1000) / options.bodies;
  const memory = readFileSync(`/proc/${server.pid}/status`, 'utf8');
  const mb = (field) => Math.round(Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(memory)?.[1]) / 1024);
  if (tool) {
    tool.kill('SIGINT');
    await new Promise((r) => (tool.exitCode === null ? tool.once('exit', r) : r()));
  }
  for (const c of connections) c.close();
  console.log(`${options.bodies} bodies of ${BULK_LINES.toLocaleString('en-US')} lines in ${seconds.toFixed(2)} s: ` +
    `${Math.round((options.bodies * BULK_LINES) / seconds).toLocaleString('en-US')} lines/s, server CPU ${cpuMs.toFixed(1)} ms a body ` +
    `(main thread ${mainMs.toFixed(1)}), ` +
    `RSS ${mb('VmRSS')} MB (peak ${mb('VmHWM')} MB)`);
} finally {
  if (options.kill) {
    process.kill(server.pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
  } else {
    await server.stop();
  }
  rmSync(dir, { recursive: true, force: true });
}

function parseArgs(argv) {
  const o = { entry: join(ROOT, 'dist/cli.js'), bodies: 16, nodeFlags: [], kill: false, command: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      o.command = argv.slice(i + 1);
      break;
    }
    if (arg === '--entry') o.entry = argv[++i];
    else if (arg === '--bodies') o.bodies = Number(argv[++i]);
    else if (arg === '--node-flag') o.nodeFlags.push(argv[++i]);
    else if (arg === '--kill') o.kill = true;
    else throw new Error(`unknown argument ${arg}`);
  }
  if (!Number.isInteger(o.bodies) || o.bodies < 1) throw new Error('--bodies must be a whole number >= 1');
  return o;
}
