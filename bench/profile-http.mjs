#!/usr/bin/env node
// CPU profiles of the real CLI (or of the bare server) under Node, Bun or
// Deno, taken under bench/http.bench.mjs's loads, and where their time goes:
//
//   node bench/profile-http.mjs <node|bun|deno> [--load single|aggregated|collector|bulk]... [--seconds 10]
//        [--connections 8] [--bare [native]] [--out DIR] [--interval 1000]
//
// (every load when none is given). Each load runs on a fresh server:
// - Node and Deno: the inspector (`--inspect=127.0.0.1:0`) and a Profiler
//   session over it (Deno 2.9 has no --cpu-prof), started after the server
//   is loaded and warmed up and stopped when the load ends, so the profile
//   holds the load alone;
// - Bun: `--cpu-prof` (its inspector speaks WebKit's protocol, not V8's), a
//   profile of the whole process; only the samples between the load's start
//   and end are counted (the offsets measured from the spawn, which starts
//   the profile within a few ms).
// Besides the profile, the server's CPU seconds (/proc/<pid>/stat) per
// request over the load, and the host's load average.
// Prints per load the shares of the profile by where (idle, GC, the engine's
// WASM, the runtime's node:http, the store's files, natives) and the top
// functions by self time; the .cpuprofile files stay in --out.

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { DAY, cpuSeconds, preloadQueryHost, writeBenchConfig } from './lib/bench-store.mjs';
import { openConnection, queryRequest, writeRequest } from './lib/http-client.mjs';
import { COLLECTOR_HOSTS, FREQUENCY, HWTHREADS, bulkBody, collectorBody } from './lib/write-bodies.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

const options = parseArgs(process.argv.slice(2));
const out = options.out ?? mkdtempSync(join(tmpdir(), 'ccms-profile-'));
mkdirSync(out, { recursive: true });
const end = Math.floor(Date.now() / 1000 / FREQUENCY) * FREQUENCY;
const start = end - DAY;
const queryBodies = {
  single: JSON.stringify({ cluster: 'bench', from: start, to: end, queries: [{ metric: 'cpu_load', host: 'q0' }] }),
  aggregated: JSON.stringify({
    cluster: 'bench', from: start, to: end,
    queries: [{ metric: 'flops_any', host: 'q0', type: 'hwthread', 'type-ids': Array.from({ length: HWTHREADS }, (_, i) => String(i)), aggreg: true }],
  }),
};

for (const load of options.loads) {
  const name = `${options.runtime}-${options.bare ? `bare-${options.bare}-` : ''}${load}`;
  const dir = join(out, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const server = await startServer(dir, load);
  try {
    if (!options.bare) await preloadQueryHost(server.port, start, (body) => writeRequest(server.port, 'bench', body));
    const run = await runLoad(server, load);
    const profile = await server.finish(run);
    writeFileSync(join(out, `${name}.cpuprofile`), JSON.stringify(profile.raw));
    report(name, run, profile);
  } finally {
    await server.stop();
  }
}
log(`profiles in ${out}`);

// --- the loads --------------------------------------------------------------

async function runLoad(server, load) {
  const isQuery = load === 'single' || load === 'aggregated';
  const connections = load === 'bulk' ? 2 : options.connections;
  let requests;
  let lines = 0;
  if (isQuery) {
    const request = queryRequest(server.port, queryBodies[load], options.bare === 'native' ? 'POST' : 'GET');
    requests = { next: () => request, left: () => true };
  } else {
    // Timestamps after the preloaded day, in order, as collectors send them; enough for --seconds at a generous rate.
    let ts = end + FREQUENCY;
    const bodies = [];
    if (load === 'collector') {
      for (let step = 0; step < 1 + Math.max(1, options.seconds); step++, ts += FREQUENCY) {
        for (let h = 0; h < COLLECTOR_HOSTS; h++) bodies.push(collectorBody(h, ts));
      }
    } else {
      for (let i = 0; i < 1 + Math.max(2, options.seconds * 2); i++, ts += 5 * FREQUENCY) bodies.push(bulkBody(ts));
    }
    let at = 0;
    requests = { next: () => writeRequest(server.port, 'bench', bodies[at++]), left: () => at < bodies.length };
    const linesOf = (b) => { let n = 0; for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) n++; return n; };
    requests.lines = (i) => linesOf(bodies[i]);
    requests.bodies = bodies;
  }
  const conns = await Promise.all(Array.from({ length: connections }, () => openConnection(server.port)));
  // Warm-up outside the profile: the JIT; for writes the first timestamp of every host (its first
  // chunks, its WAL file's check and open), as bench/http.bench.mjs's uncounted round does.
  const warmUntil = performance.now() + 1500;
  if (isQuery) {
    await Promise.all(conns.map(async (c) => { while (performance.now() < warmUntil) await c.request(requests.next()); }));
  } else {
    const warmBodies = load === 'collector' ? COLLECTOR_HOSTS : 1;
    let sentWarm = 0;
    await Promise.all(conns.map(async (c) => {
      while (sentWarm < warmBodies) {
        sentWarm++;
        const res = await c.request(requests.next());
        if (res.status !== 200) throw new Error(`${load} warm-up: HTTP ${res.status}: ${res.body.slice(0, 200)}`);
      }
    }));
  }
  const warmOffset = isQuery ? 0 : load === 'collector' ? COLLECTOR_HOSTS : 1;
  await server.beginProfile();
  const cpu0 = cpuSeconds(server.pid).total;
  const load0 = loadavg()[0];
  const t0 = performance.now();
  const until = t0 + options.seconds * 1000;
  let done = 0;
  let sent = 0;
  await Promise.all(
    conns.map(async (conn) => {
      while (performance.now() < until && requests.left()) {
        const i = warmOffset + sent++;
        const res = await conn.request(requests.next());
        if (res.status !== 200) throw new Error(`${load}: HTTP ${res.status}: ${res.body.slice(0, 200)}`);
        done++;
        if (!isQuery) lines += requests.lines(i);
      }
    }),
  );
  const t1 = performance.now();
  const cpu = cpuSeconds(server.pid).total - cpu0;
  conns.forEach((c) => c.close());
  const seconds = (t1 - t0) / 1000;
  return { load, t0, t1, seconds, requests: done, lines, cpu, loadAverage: [load0, loadavg()[0]] };
}

// --- the server and its profiler --------------------------------------------

function runtimeCommand() {
  switch (options.runtime) {
    case 'node': return [process.execPath, '--inspect=127.0.0.1:0'];
    case 'bun': return [join(ROOT, 'node_modules/bun/bin/bun.exe'), '--cpu-prof', `--cpu-prof-interval=${options.interval}`];
    case 'deno': return [join(ROOT, 'node_modules/deno/deno'), 'run', '-A', '--inspect=127.0.0.1:0'];
    default: throw new Error(`unknown runtime ${options.runtime}: use node, bun or deno`);
  }
}

async function startServer(dir, load) {
  const [cmd, ...runtimeArgs] = runtimeCommand();
  let args;
  if (options.bare) {
    const bytes = await answerSize(load);
    args = [...runtimeArgs, join(ROOT, 'bench/lib/bare-server.mjs'), String(bytes), ...(options.bare === 'native' ? ['--native'] : [])];
  } else {
    const configPath = writeBenchConfig(dir);
    const entry = options.runtime === 'node' ? join(ROOT, 'dist/cli.js') : join(ROOT, 'src/cli.ts');
    args = [...runtimeArgs, entry, '-config', configPath, '-loglevel', 'info'];
  }
  const spawnedAt = performance.now();
  const child = spawn(cmd, args, { cwd: dir, stdio: ['ignore', 'inherit', 'pipe'] });
  let stderr = '';
  const exited = new Promise((done) => child.once('exit', done));
  const port = await new Promise((resolvePort, reject) => {
    child.stderr.on('data', (d) => {
      stderr += d;
      const match = /listening at [^\s]*:(\d+)/.exec(stderr);
      if (match) resolvePort(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${stderr}`)));
  });
  const inspector = options.runtime === 'bun' ? null : await connectInspector(() => stderr);
  const stop = async () => {
    inspector?.close();
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  };
  return {
    pid: child.pid,
    port,
    stop,
    async beginProfile() {
      if (!inspector) return;
      await inspector.send('Profiler.enable');
      await inspector.send('Profiler.setSamplingInterval', { interval: options.interval });
      await inspector.send('Profiler.start');
    },
    async finish(run) {
      if (inspector) {
        const { profile } = await inspector.send('Profiler.stop');
        return { raw: profile, window: null };
      }
      // Bun: the whole process's profile, written at exit; the load's window from the spawn.
      await stop();
      const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
      if (!file) throw new Error(`no .cpuprofile written in ${dir}`);
      const raw = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      return { raw, window: [(run.t0 - spawnedAt) * 1000, (run.t1 - spawnedAt) * 1000] };
    },
  };
}

async function connectInspector(stderr) {
  let url;
  for (let i = 0; i < 100 && !url; i++) {
    url = /ws:\/\/[^\s]+/.exec(stderr())?.[0];
    if (!url) await new Promise((r) => setTimeout(r, 50));
  }
  if (!url) throw new Error(`no inspector address in the server's output:\n${stderr()}`);
  const ws = new WebSocket(url);
  await new Promise((ok, fail) => { ws.once('open', ok); ws.once('error', fail); });
  let id = 0;
  const pending = new Map();
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data));
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.error) p.reject(new Error(`${p.method}: ${msg.error.message}`));
    else p.resolve(msg.result);
  });
  return {
    send: (method, params = {}) => new Promise((ok, fail) => {
      const msg = { id: ++id, method, params };
      pending.set(msg.id, { resolve: ok, reject: fail, method });
      ws.send(JSON.stringify(msg));
    }),
    close: () => ws.close(),
  };
}

/** The size of the store's answer to `load`, for the bare server to answer as much. */
async function answerSize(load) {
  const sizes = { single: 6_125, aggregated: 5_873 }; // the store's answers to the two queries (bench/http.bench.mjs prints them)
  if (!(load in sizes)) throw new Error('--bare profiles the query loads only (single, aggregated)');
  return options.answerBytes?.[load] ?? sizes[load];
}

// --- the profile's shares ---------------------------------------------------

/** Where a profile node's self time goes, as the tables of docs/architecture.md group it. */
function categoryOf(frame) {
  const { functionName: fn, url } = frame;
  if (fn === '(idle)') return 'idle';
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(program)') return '(program: the runtime outside JS)';
  if (fn === '(root)') return '(root)';
  if (url.startsWith('wasm://') || /^\$|^\.?wasm-function|^js-to-wasm|^wasm-to-js|^wasm-stub/.test(fn) || url.endsWith('.wasm')) return 'engine (WASM)';
  const src = /\/(src|dist|bench|build)\/(.*)$/.exec(url);
  if (src && !url.includes('node_modules')) {
    if (src[1] === 'build') return 'engine (WASM)';
    return `store: ${src[2].replace(/\.(js|ts|mjs)$/, '').replace(/^(api|engine|monitor|runtime|wal|auth|persist|[a-z-]+)\/.*/, '$1/')}`;
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return `package ${pkg[1]}`;
  if (url === '') return `native: ${fn || '(anonymous)'}`;
  if (/^(node:|ext:|internal:|builtin:)/.test(url) || !url.includes('/work/')) return `runtime JS (${runtimeArea(url)})`;
  return `other: ${url}`;
}

function runtimeArea(url) {
  if (/http|_outgoing|_incoming|_server|http_parser|llhttp/.test(url)) return 'http';
  if (/stream|readable|writable|duplex/i.test(url)) return 'streams';
  if (/net|tcp|socket/.test(url)) return 'net';
  if (/timers|timer/.test(url)) return 'timers';
  if (/buffer/i.test(url)) return 'buffer';
  if (/events/.test(url)) return 'events';
  return 'other';
}

/**
 * Samples per profile node within `window` (us from the profile's start; all
 * when null). Counted, not weighted by the time to the next sample: JSC's
 * sampler (Bun) takes samples only while the thread runs JavaScript or what
 * it calls, so its gaps are the event loop's waits, which a weight would
 * charge to the function sampled before them.
 */
function selfTimes(profile, window) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  let t = profile.startTime;
  let total = 0;
  const deltas = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i++) {
    t += deltas[i];
    if (window) {
      const rel = t - profile.startTime;
      if (rel < window[0] || rel > window[1]) continue;
    }
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + 1);
    total++;
  }
  return { nodes, self, total };
}

function report(name, run, profile) {
  const { nodes, self, total } = selfTimes(profile.raw, profile.window);
  const byCategory = new Map();
  const byFunction = new Map();
  for (const [id, us] of self) {
    const frame = nodes.get(id).callFrame;
    const cat = categoryOf(frame);
    byCategory.set(cat, (byCategory.get(cat) ?? 0) + us);
    const key = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*\/(src|dist|node_modules)\//, '$1/')}:${frame.lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  }
  const perRequestUs = (run.cpu / run.requests) * 1e6;
  console.log(`\n## ${name}\n`);
  console.log(
    `${fmt(run.requests)} requests in ${run.seconds.toFixed(1)} s (${fmt(run.requests / run.seconds)} req/s` +
      (run.lines ? `, ${fmt(run.lines / run.seconds)} lines/s, ${((run.cpu / run.lines) * 1e9).toFixed(0)} ns CPU a line` : '') +
      `), server CPU ${perRequestUs.toFixed(1)} us a request; load average ${run.loadAverage.map((l) => l.toFixed(1)).join(' -> ')};` +
      ` ${fmt(total)} samples`,
  );
  console.log('\n| where | share |\n|---|---:|');
  for (const [cat, us] of [...byCategory].sort((a, b) => b[1] - a[1])) {
    if (us / total >= 0.003) console.log(`| ${cat} | ${pct(us / total)} |`);
  }
  console.log('\n| function (self) | share |\n|---|---:|');
  for (const [fn, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, options.top)) console.log(`| ${fn.replace(/\|/g, '\\|')} | ${pct(us / total)} |`);
}

// --- helpers ----------------------------------------------------------------

function parseArgs(argv) {
  const o = { runtime: argv[0], loads: [], seconds: 10, connections: 8, bare: null, out: undefined, interval: 1000, top: 25 };
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--load') o.loads.push(argv[++i]);
    else if (arg === '--seconds') o.seconds = Number(argv[++i]);
    else if (arg === '--connections') o.connections = Number(argv[++i]);
    else if (arg === '--bare') o.bare = argv[i + 1] === 'native' ? argv[++i] : 'node:http';
    else if (arg === '--out') o.out = resolve(argv[++i]);
    else if (arg === '--interval') o.interval = Number(argv[++i]);
    else if (arg === '--top') o.top = Number(argv[++i]);
    else throw new Error(`unknown argument ${arg}`);
  }
  if (o.loads.length === 0) o.loads.push(...(o.bare ? ['single', 'aggregated'] : ['single', 'aggregated', 'collector', 'bulk']));
  return o;
}

function fmt(n) {
  return Math.round(n).toLocaleString('en-US');
}

function pct(ratio) {
  return `${(ratio * 100).toFixed(1)} %`;
}

function log(message) {
  console.error(message);
}
