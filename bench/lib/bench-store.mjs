// What the HTTP benches share about the store under test: its config, starting
// a child and waiting until it listens, its CPU time from /proc, and the day of
// one host's data the query loads read.

import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FREQUENCY, HWTHREADS, METRIC_CONFIG } from './write-bodies.mjs';
import { roundTrip } from './http-client.mjs';

export const DAY = 86_400;
const TICKS = 100; // USER_HZ, the unit of /proc/<pid>/stat's times on Linux

/** User and user + system CPU seconds of a process. */
export function cpuSeconds(pid) {
  return statCpu(`/proc/${pid}/stat`);
}

/** As cpuSeconds, the main thread's alone (its task id is the pid): the thread that parses, without V8's helpers or the thread pool. */
export function mainThreadCpuSeconds(pid) {
  return statCpu(`/proc/${pid}/task/${pid}/stat`);
}

function statCpu(path) {
  const stat = readFileSync(path, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat(5), 12 and 13 after the name and state.
  const user = Number(fields[11]) / TICKS;
  return { user, total: user + Number(fields[12]) / TICKS };
}

/** Writes the benches' store config into `dir` (created); returns its path. */
export function writeBenchConfig(dir) {
  mkdirSync(dir, { recursive: true });
  const config = {
    main: { addr: '127.0.0.1:0' },
    metrics: METRIC_CONFIG,
    'metric-store': {
      'retention-in-memory': '48h',
      // The writes run on in order past the preloaded day, ahead of the clock; the
      // ingest window checks every line all the same, so its cost is measured.
      'max-future-skew': '100000h',
      'memory-cap': 0,
      checkpoints: { 'file-format': 'wal', directory: join(dir, 'checkpoints') },
      cleanup: { mode: 'delete' },
    },
  };
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  return configPath;
}

/** Spawns `argv` in `cwd`; resolves once it logs "listening at HOST:PORT". */
export function startChild([cmd, ...args], cwd) {
  const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'inherit', 'pipe'] });
  let stderr = '';
  return new Promise((resolveStart, reject) => {
    child.stderr.on('data', (d) => {
      stderr += d;
      const match = /listening at [^\s]*:(\d+)/.exec(stderr);
      if (!match || child.port) return;
      child.port = Number(match[1]);
      resolveStart({
        pid: child.pid,
        port: child.port,
        stop: () => new Promise((done) => {
          if (child.exitCode !== null) return done();
          child.once('exit', done);
          child.kill('SIGTERM');
        }),
      });
    });
    child.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code}:\n${stderr}`)));
  });
}

/**
 * One day from `start` of host q0 in cluster bench: cpu_load (node) and
 * flops_any of 72 hwthreads, what the single-host and aggregated queries read.
 * `request(body)` makes the write request of a body.
 */
export async function preloadQueryHost(port, start, request) {
  const batch = 60; // timestamps per request
  for (let first = 0; first < DAY / FREQUENCY; first += batch) {
    const parts = [];
    for (let i = first; i < first + batch; i++) {
      const ts = start + i * FREQUENCY;
      parts.push(`cpu_load,cluster=bench,hostname=q0,type=node value=${(i % 50) * 0.25} ${ts}\n`);
      for (let t = 0; t < HWTHREADS; t++) parts.push(`flops_any,cluster=bench,hostname=q0,type=hwthread,type-id=${t} value=${(i + t) % 13} ${ts}\n`);
    }
    const res = await roundTrip(port, request(Buffer.from(parts.join(''))));
    if (res.status !== 200) throw new Error(`preload: HTTP ${res.status}: ${res.body}`);
  }
}
