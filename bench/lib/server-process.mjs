// The real CLI (node dist/cli.js) for benches: started with a config in a
// directory, waited for until it listens, its resident memory read from
// /proc, stopped with SIGTERM.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const STDERR_KEPT = 1 << 16;

/**
 * @typedef {object} Server
 * @property {number} pid
 * @property {number} port
 * @property {number} startSeconds  from spawn to "listening" (the restore included)
 * @property {() => string} stderr  the last 64 KiB of its log
 * @property {() => Promise<{ code: number | null, seconds: number }>} stop  SIGTERM, until it exits
 */

/** Writes `config` to `dir`/config.json and starts the CLI there. @returns {Promise<Server>} */
export function startServer(dir, config) {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, '-config', configPath, '-loglevel', 'info'], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
    // As npm start, the systemd unit and the image start it (README "Memory").
    env: { MALLOC_MMAP_THRESHOLD_: '131072', ...process.env },
  });
  let stderr = '';
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (d) => {
      stderr = (stderr + d).slice(-STDERR_KEPT);
      const match = /listening at [^\s]*:(\d+)/.exec(stderr);
      if (!match || child.port) return;
      child.port = Number(match[1]);
      resolve({
        pid: child.pid,
        port: child.port,
        startSeconds: (performance.now() - started) / 1000,
        stderr: () => stderr,
        async stop() {
          const t = performance.now();
          if (child.exitCode === null) child.kill('SIGTERM');
          const code = await exited;
          return { code, seconds: (performance.now() - t) / 1000 };
        },
      });
    });
    exited.then((code) => {
      if (!child.port) reject(new Error(`server exited with ${code} before listening:\n${stderr}`));
    });
  });
}

/** Resident and peak resident memory of a process in bytes (/proc/<pid>/status). */
export function residentBytes(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/** GET `path` with node:http, the whole body as a string (for big answers such as /api/debug). */
export function httpGet(port, path) {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path }, (res) => {
      const parts = [];
      res.on('data', (d) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(parts).toString() }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

/** Polls /readyz until it answers 200 (or `timeoutSeconds` pass). */
export async function waitReady(port, timeoutSeconds = 600) {
  const until = performance.now() + timeoutSeconds * 1000;
  while (performance.now() < until) {
    const res = await httpGet(port, '/readyz').catch(() => null);
    if (res?.status === 200) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`/readyz not 200 within ${timeoutSeconds} s`);
}

/**
 * The store's memory figures from /metrics (memoryBytes, usedBytes, shards with their
 * samples). Not from /api/debug: its answer without a selector holds the dump of the whole
 * tree, and growing the engine's output buffer for it adds linear memory of its own (some
 * 31 MB for 100 M samples, docs/engine.md "Memory layout"), which is not the store's.
 */
export async function storeMemory(port) {
  const res = await httpGet(port, '/metrics');
  if (res.status !== 200) throw new Error(`/metrics: HTTP ${res.status}: ${res.body.slice(0, 300)}`);
  const perShard = (name) => {
    const values = [];
    for (const m of res.body.matchAll(new RegExp(`^${name}\\{shard="(\\d+)"\\} (\\S+)$`, 'gm'))) values[Number(m[1])] = Number(m[2]);
    if (values.length === 0) throw new Error(`/metrics: no ${name}`);
    return values;
  };
  const memory = perShard('cc_metric_store_shard_memory_bytes');
  const used = perShard('cc_metric_store_shard_used_bytes');
  const samples = perShard('cc_metric_store_shard_samples');
  const sum = (a) => a.reduce((x, y) => x + y, 0);
  return {
    memoryBytes: sum(memory),
    usedBytes: sum(used),
    shards: memory.map((m, i) => ({ memoryBytes: m, usedBytes: used[i], samples: samples[i] })),
  };
}

/** The store's stats from /api/debug's "service" member (memoryBytes, usedBytes, shards). */
export async function storeStats(port) {
  const res = await httpGet(port, '/api/debug');
  if (res.status !== 200) throw new Error(`/api/debug: HTTP ${res.status}: ${res.body.slice(0, 300)}`);
  const at = res.body.lastIndexOf(',"service":');
  if (at < 0) throw new Error('/api/debug: no "service" member');
  const service = JSON.parse(res.body.slice(at + ',"service":'.length, res.body.lastIndexOf('}')));
  return service.store;
}

/** Bytes of the files below `dir` whose names end with `suffix`. */
export function bytesOfFiles(dir, suffix) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += bytesOfFiles(path, suffix);
    else if (entry.name.endsWith(suffix)) total += statSync(path).size;
  }
  return total;
}
