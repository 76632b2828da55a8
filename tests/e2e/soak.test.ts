// A bounded soak of the real server (about half a minute of load): valid
// writes, fuzzed writes, clock errors, huge queries and floods of idle and
// slow connections, all at once. It ends with every acknowledged sample read
// back exactly, before and after a graceful restart and after a kill -9, and
// with the latency of small queries from a bystander bounded throughout.

import { type Socket, connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { type RawResponse, send } from './support/raw-http.ts';
import { cliCommand } from './support/runtimes.ts';
import { type ServerProcess, startServer } from './support/server-process.ts';

const LOAD_MS = 25_000;
const HOSTS = Array.from({ length: 12 }, (_, i) => `node-a${String(i).padStart(2, '0')}`);
const HWTHREADS = ['0', '1', '2', '3'];
const MINUTES = 360;
const MINUTES_PER_WRITE = 6;
const CAP = 200;

const CONFIG = {
  main: {
    addr: '127.0.0.1:0',
    'max-connections': CAP,
    'header-timeout': '2s',
    'idle-timeout': '5s',
    'max-query-points': 1_000_000,
  },
  metrics: {
    cpu_load: { frequency: 60, aggregation: null },
    flops_any: { frequency: 60, aggregation: 'sum' },
  },
  'metric-store': {
    'retention-in-memory': '48h',
    'memory-cap': 0,
    'checkpoint-interval': '3s',
    checkpoints: { 'file-format': 'wal', directory: './var/checkpoints' },
    cleanup: { mode: 'delete' },
  },
};

const base = Math.floor(Date.now() / 60_000) * 60 - MINUTES * 60;
const at = (m: number) => base + 60 * m;
/** Values a float32 holds exactly, so what comes back must be the same number. */
const cpuValue = (h: number, m: number) => ((h * 31 + m * 7) % 4000) / 4;
const flopsValue = (h: number, m: number, t: number) => (h * 17 + m * 3 + t * 5) % 8000;

/** The acknowledged minutes of each host (every line of such a write was answered 200). */
class Model {
  readonly acked = HOSTS.map(() => new Set<number>());
  lastMinute = -1;

  lines(h: number, m0: number): string {
    const out: string[] = [];
    for (let m = m0; m < m0 + MINUTES_PER_WRITE; m++) {
      out.push(`cpu_load,cluster=soak,hostname=${HOSTS[h]},type=node value=${cpuValue(h, m)} ${at(m)}`);
      for (const [t, id] of HWTHREADS.entries()) {
        out.push(`flops_any,cluster=soak,hostname=${HOSTS[h]},type=hwthread,type-id=${id} value=${flopsValue(h, m, t)}i ${at(m)}`);
      }
    }
    return out.join('\n');
  }

  ack(h: number, m0: number): void {
    for (let m = m0; m < m0 + MINUTES_PER_WRITE; m++) this.acked[h]!.add(m);
    this.lastMinute = Math.max(this.lastMinute, m0 + MINUTES_PER_WRITE - 1);
  }
}

async function post(port: number, path: string, body: string): Promise<RawResponse> {
  return send(port, { method: 'POST', path, body });
}

async function query(port: number, body: unknown): Promise<RawResponse> {
  return send(port, { method: 'GET', path: '/api/query?version=v2', body: JSON.stringify(body) });
}

/** Reads every host's series back and compares each value with the model. */
async function readBack(server: ServerProcess, model: Model): Promise<number> {
  let checked = 0;
  for (const [h, host] of HOSTS.entries()) {
    const res = await query(server.port, {
      cluster: 'soak',
      from: base,
      to: at(MINUTES + MINUTES_PER_WRITE),
      'with-padding': false,
      'with-stats': false,
      queries: [
        { metric: 'cpu_load', host },
        { metric: 'flops_any', host, type: 'hwthread', 'type-ids': HWTHREADS },
      ],
    });
    expect(res.status, res.body).toBe(200);
    const { results } = JSON.parse(res.body) as { results: Array<Array<{ data: Array<number | null>; from: number }>> };
    const series = [results[0]![0]!, ...results[1]!];
    expect(series).toHaveLength(1 + HWTHREADS.length);
    series.forEach((s, k) => {
      const expected = (m: number) => (k === 0 ? cpuValue(h, m) : flopsValue(h, m, k - 1));
      const seen = new Set<number>();
      s.data.forEach((v, i) => {
        const m = (s.from + 60 * i - base) / 60;
        seen.add(m);
        expect(v, `${host} series ${k} minute ${m}`).toBe(model.acked[h]!.has(m) ? expected(m) : null);
      });
      for (const m of model.acked[h]!) expect(seen.has(m), `${host} series ${k} minute ${m} is missing`).toBe(true);
      checked += model.acked[h]!.size;
    });
  }
  return checked;
}

/** Random damage to a valid body: flipped, inserted and deleted bytes, cut lines, odd values and times. */
function fuzzBody(rand: () => number): string {
  const lines: string[] = [];
  const n = 1 + Math.floor(rand() * 30);
  for (let i = 0; i < n; i++) {
    const ts = rand() < 0.2 ? '' : ` ${Math.floor(Date.now() / 1000) - Math.floor(rand() * 7200)}`;
    const value = ['1.5', '4i', '237u', '2.4683584e+07', '0.14285714285714285', '"s"', 'true', '1e999', '-0'][Math.floor(rand() * 9)];
    lines.push(`${rand() < 0.5 ? 'cpu_load' : 'flops_any'},hostname=q${Math.floor(rand() * 50)},type=hwthread,type-id=${Math.floor(rand() * 8)} value=${value}${ts}`);
  }
  const bytes = Buffer.from(lines.join(rand() < 0.1 ? '\r\n' : '\n'));
  const edits = Math.floor(rand() * 6);
  let out = bytes;
  for (let e = 0; e < edits; e++) {
    const p = Math.floor(rand() * out.length);
    const kind = rand();
    if (kind < 0.4) out[p] = Math.floor(rand() * 256);
    else if (kind < 0.7) out = Buffer.concat([out.subarray(0, p), Buffer.from([Math.floor(rand() * 128)]), out.subarray(p)]);
    else out = Buffer.concat([out.subarray(0, p), out.subarray(p + 1 + Math.floor(rand() * 20))]);
  }
  return out.toString('latin1');
}

function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Keeps about `count` connections open that never finish a request (half silent, half dripping header bytes). */
function connectionFlood(port: number, count: number) {
  const sockets = new Set<Socket>();
  let opened = 0;
  let stopped = false;
  const open = () => {
    if (stopped) return;
    const s = connect(port, '127.0.0.1');
    const slow = opened++ % 2 === 1;
    sockets.add(s);
    let drip: ReturnType<typeof setInterval> | undefined;
    s.on('connect', () => {
      if (!slow) return;
      s.write('GET /api/query HTTP/1.1\r\nHost: x\r\n');
      drip = setInterval(() => s.write('X'), 500);
    });
    s.on('error', () => {});
    s.on('close', () => {
      clearInterval(drip);
      sockets.delete(s);
      if (!stopped) setTimeout(open, 20);
    });
  };
  for (let i = 0; i < count; i++) open();
  return {
    opened: () => opened,
    stop() {
      stopped = true;
      for (const s of sockets) s.destroy();
    },
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;
}

describe('soak: mixed hostile and valid load against the real server', () => {
  it('answers for every acknowledged sample, before and after restarts, and keeps answering others', { timeout: 180_000 }, async () => {
    const cmd = cliCommand('node');
    let server = await startServer(cmd, CONFIG);
    const dir = server.dir;
    const model = new Model();
    const rand = mulberry32(20261201);
    const deadline = Date.now() + LOAD_MS;
    const statuses = { valid: 0, fuzz: new Map<number, number>(), clock: 0, huge: 0 };
    const failures: string[] = [];
    const latencies: number[] = [];
    const flood = connectionFlood(server.port, CAP + 50);

    // Valid writes: one host and six minutes at a time, hosts round-robin, four writers.
    const schedule: Array<[number, number]> = [];
    for (let m = 0; m + MINUTES_PER_WRITE <= MINUTES; m += MINUTES_PER_WRITE) for (let h = 0; h < HOSTS.length; h++) schedule.push([h, m]);
    const writer = async () => {
      while (Date.now() < deadline && schedule.length > 0) {
        const [h, m] = schedule.shift()!;
        const res = await post(server.port, '/api/write?cluster=soak', model.lines(h, m));
        if (res.status === 200) {
          model.ack(h, m);
          statuses.valid++;
        } else failures.push(`valid write ${HOSTS[h]} minute ${m}: ${res.status} ${res.body}`);
      }
    };
    const fuzzer = async () => {
      while (Date.now() < deadline) {
        const res = await post(server.port, '/api/write?cluster=fuzz', fuzzBody(rand));
        statuses.fuzz.set(res.status, (statuses.fuzz.get(res.status) ?? 0) + 1);
        if (res.status !== 200 && res.status !== 400) failures.push(`fuzzed write: ${res.status} ${res.body}`);
      }
    };
    // Clock errors aimed at the hosts whose history is checked: a far future, 1970, an hour ahead.
    const clock = async () => {
      const now = Math.floor(Date.now() / 1000);
      const bad = [4102444800, 1, now + 3600, now - 72 * 3600];
      while (Date.now() < deadline) {
        const h = Math.floor(rand() * HOSTS.length);
        const body = bad.map((ts) => `cpu_load,cluster=soak,hostname=${HOSTS[h]},type=node value=9999 ${ts}`).join('\n');
        const res = await post(server.port, '/api/write?cluster=soak', body);
        const answer = res.status === 400 ? (JSON.parse(res.body) as { stored?: number; rejected?: number }) : null;
        if (!answer || answer.stored !== 0 || answer.rejected !== bad.length) failures.push(`clock errors: ${res.status} ${res.body}`);
        else statuses.clock++;
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    // Finding 7 (5 series padded from 0) and finding 6 (10^8 type x subtype pairs): refused, quickly.
    const huge = async () => {
      const padded = { cluster: 'soak', from: 0, to: Math.floor(Date.now() / 1000), queries: HOSTS.slice(0, 5).map((host) => ({ metric: 'cpu_load', host })) };
      const fanned = {
        cluster: 'soak', from: base, to: at(MINUTES),
        queries: [{ metric: 'flops_any', host: HOSTS[0], type: 'hwthread', 'type-ids': Array.from({ length: 1000 }, (_, i) => String(i)), subtype: 'x', 'subtype-ids': Array.from({ length: 100_000 }, (_, i) => String(i)), aggreg: true }],
      };
      while (Date.now() < deadline) {
        for (const body of [padded, fanned]) {
          const res = await query(server.port, body);
          if (res.status !== 400 || !/max-query-(points|selectors)/.test(res.body)) failures.push(`huge query: ${res.status} ${res.body.slice(0, 200)}`);
          else statuses.huge++;
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    // The bystander: a small query every 100 ms, its latency recorded.
    const bystander = async () => {
      while (Date.now() < deadline) {
        const started = performance.now();
        const res = await query(server.port, { cluster: 'soak', from: at(0), to: at(60), queries: [{ metric: 'cpu_load', host: HOSTS[0] }] });
        latencies.push(performance.now() - started);
        if (res.status !== 200) failures.push(`bystander query: ${res.status} ${res.body}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };

    await Promise.all([writer(), writer(), writer(), writer(), fuzzer(), fuzzer(), clock(), huge(), bystander()]);
    flood.stop();

    latencies.sort((a, b) => a - b);
    const p99 = percentile(latencies, 99);
    console.log(
      `soak: ${statuses.valid} valid writes (${model.acked.reduce((n, s) => n + s.size, 0)} host-minutes acknowledged), ` +
        `fuzzed writes by status ${JSON.stringify(Object.fromEntries(statuses.fuzz))}, ${statuses.clock} clock-error writes refused, ` +
        `${statuses.huge} huge queries refused, ${flood.opened()} idle or slow connections opened; ` +
        `bystander queries: ${latencies.length}, p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms`,
    );
    expect(failures.slice(0, 10)).toEqual([]);
    expect(statuses.valid).toBeGreaterThan(100);
    expect(statuses.clock).toBeGreaterThan(10);
    expect(statuses.huge).toBeGreaterThan(10);
    expect(latencies.length).toBeGreaterThan(50);
    expect(p99).toBeLessThan(2_000);

    const checked = await readBack(server, model);
    expect(checked).toBeGreaterThan(1000);

    // A graceful restart: the final checkpoint holds everything, exit code 0.
    expect(await server.stop('SIGTERM')).toBe(0);
    server = await startServer(cmd, CONFIG, [], dir);
    expect(await readBack(server, model)).toBe(checked);

    // Six more minutes (the last ones reach a few minutes ahead, inside max-future-skew), then kill -9: the WAL brings back every acknowledged one.
    for (let h = 0; h < HOSTS.length; h++) {
      const m = MINUTES;
      const res = await post(server.port, '/api/write?cluster=soak', model.lines(h, m));
      expect(res.status, res.body).toBe(200);
      model.ack(h, m);
    }
    await server.stop('SIGKILL');
    server = await startServer(cmd, CONFIG, [], dir);
    expect(await readBack(server, model)).toBeGreaterThan(checked);
    expect(await server.stop('SIGTERM')).toBe(0);
  });
});
