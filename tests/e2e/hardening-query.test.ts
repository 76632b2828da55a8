// Issue 10, findings 6 and 7, through the real CLI: a query body that expands
// to 10^8 selectors is refused at once, a 150-byte body whose padding would
// make a 748 MB answer is refused without growing the engine's memory, large
// answers pass through a bounded engine buffer, and a long query lets other
// requests through while it runs.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send } from './support/raw-http.ts';
import { RUNTIMES, cliCommand } from './support/runtimes.ts';
import { type ServerProcess, startServer, testConfig } from './support/server-process.ts';

const NOW = Math.floor(Date.now() / 60_000) * 60;
const ids = (n: number) => Array.from({ length: n }, (_, i) => String(i));
const small = JSON.stringify({ cluster: 'fritz', from: NOW - 300, to: NOW, queries: [{ metric: 'cpu_load', host: 'f0101' }] });
const smallAnswer = { results: [[{ data: [1, 2, 3, 4, 5], from: NOW - 300, to: NOW, resolution: 60, avg: 3, min: 1, max: 5 }]] };

function config() {
  const c = testConfig();
  // 1 s: a long series to read, for the query that takes seconds.
  return { ...c, metrics: { ...c.metrics, fast: { frequency: 1, aggregation: 'sum' } } };
}

/** Engine memory per shard, as /api/debug shows it. */
async function shardMemory(port: number): Promise<number[]> {
  const res = await send(port, { method: 'GET', path: '/api/debug' });
  expect(res.status).toBe(200);
  return JSON.parse(res.body).service.store.shards.map((s: { memoryBytes: number }) => s.memoryBytes);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

describe.each(RUNTIMES)('query limits of the service on %s', (runtime) => {
  let server: ServerProcess;
  const query = (body: string) => send(server.port, { method: 'GET', path: '/api/query', body });

  beforeAll(async () => {
    server = await startServer(cliCommand(runtime), config());
    const lines = [1, 2, 3, 4, 5].map((v, i) => `cpu_load,cluster=fritz,hostname=f0101 value=${v} ${NOW - 300 + 60 * i}`);
    expect((await send(server.port, { method: 'POST', path: '/api/write', body: lines.join('\n') })).status).toBe(200);
    expect(JSON.parse((await query(small)).body)).toEqual(smallAnswer);
  });
  afterAll(() => server?.stop('SIGKILL'));

  it('refuses 1,000 type-ids x 100,000 subtype-ids (a 0.8 MB body) at once, and keeps answering', async () => {
    const body = JSON.stringify({
      cluster: 'fritz', from: NOW - 300, to: NOW,
      queries: [{ metric: 'cpu_load', host: 'f0101', type: 'hwthread', 'type-ids': ids(1000), subtype: 'core', 'subtype-ids': ids(100_000) }],
    });
    expect(body.length).toBeGreaterThan(770_000);
    const t0 = performance.now();
    const res = await query(body);
    const ms = performance.now() - t0;
    console.log(`${runtime}: ${(body.length / 1000).toFixed(0)} KB body of 10^8 selectors refused in ${ms.toFixed(0)} ms (27.6 s of work before)`);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error).toBe('query expands to 100000000 selectors (limit main.max-query-selectors = 1000000)');
    // Well under a second when the machine is idle; the bound leaves room for a busy one.
    expect(ms).toBeLessThan(3000);
    expect(JSON.parse((await query(small)).body)).toEqual(smallAnswer);
  });

  it('answers 5 M points of padding (25 MB) through an engine buffer that does not grow with it', async () => {
    const before = await shardMemory(server.port);
    const res = await query(JSON.stringify({ cluster: 'fritz', from: NOW - 300 - 5_000_000 * 60, to: NOW, queries: [{ metric: 'cpu_load', host: 'f0101' }] }));
    expect(res.status).toBe(200);
    expect(res.body.length).toBeGreaterThan(25_000_000);
    expect(res.body.startsWith('{"results":[[{"data":[null,null,')).toBe(true);
    expect(res.body.endsWith(',null,1,2,3,4,5],"from":' + (NOW - 300) + ',"to":' + NOW + ',"resolution":60,"avg":3,"min":1,"max":5}]]}\n')).toBe(true);
    const after = await shardMemory(server.port);
    console.log(`${runtime}: 25 MB answer; engine memory per shard before ${before.join(', ')}, after ${after.join(', ')} bytes`);
    after.forEach((m, i) => expect(m - before[i]!).toBeLessThan(8 * 2 ** 20));
  });
  it('refuses 5 queries of one series padded from 0 (150 bytes, 748 MB of answer) without growing engine memory', async () => {
    const body = JSON.stringify({ cluster: 'fritz', from: 0, to: NOW, queries: Array.from({ length: 5 }, () => ({ metric: 'cpu_load', host: 'f0101' })) });
    expect(body.length).toBeLessThan(250);
    const before = await shardMemory(server.port);
    const res = await query(body);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error).toBe('query answer would hold more than 20000000 points (limit main.max-query-points = 20000000)');
    const after = await shardMemory(server.port);
    console.log(`${runtime}: engine memory per shard before ${before.join(', ')}, after ${after.join(', ')} bytes`);
    after.forEach((m, i) => expect(m - before[i]!).toBeLessThan(2 ** 20));
    // Without padding the same range is a small answer.
    const unpadded = await query(JSON.stringify({ ...JSON.parse(body), 'with-padding': false }));
    expect(unpadded.status).toBe(200);
    expect(JSON.parse(unpadded.body).results.map((r: any) => r[0].data)).toEqual(Array(5).fill([1, 2, 3, 4, 5]));
  });

});

describe('a long query on node', () => {
  let server: ServerProcess;
  const HWTHREADS = 4;
  const SPAN = 43_200; // 12 h at 1 s

  beforeAll(async () => {
    server = await startServer(cliCommand('node'), config());
    const lines = [1, 2, 3, 4, 5].map((v, i) => `cpu_load,cluster=fritz,hostname=f0101 value=${v} ${NOW - 300 + 60 * i}`);
    expect((await send(server.port, { method: 'POST', path: '/api/write', body: lines.join('\n') })).status).toBe(200);
    for (let t = 0; t < HWTHREADS; t++) {
      const body = Array.from({ length: SPAN }, (_, i) => `fast,cluster=fritz,hostname=f0101,type=hwthread,type-id=${t} value=${(i % 100) + t} ${NOW - SPAN + i}`).join('\n');
      expect((await send(server.port, { method: 'POST', path: '/api/write', body })).status).toBe(200);
    }
  });
  afterAll(() => server?.stop('SIGKILL'));

  it('lets small queries from another connection through while it runs, and answers in full', async () => {
    // 40,000 selectors, each reading 43,200 points for its statistics: seconds of work, a 3 MB answer.
    const repeat = 10_000;
    const typeIds = Array.from({ length: repeat }, () => ids(HWTHREADS)).flat();
    const big = JSON.stringify({ cluster: 'fritz', from: NOW - SPAN, to: NOW, 'with-data': false, queries: [{ metric: 'fast', host: 'f0101', type: 'hwthread', 'type-ids': typeIds }] });
    const started = performance.now();
    let bigDone = Infinity;
    const bigRun = send(server.port, { method: 'GET', path: '/api/query', body: big }).then((res) => {
      bigDone = performance.now();
      return res;
    });
    // Give the big body time to arrive, then query from other connections until it is answered.
    await new Promise((r) => setTimeout(r, 100));
    const latencies: number[] = [];
    for (let i = 0; i < 5000 && bigDone === Infinity; i++) {
      const t0 = performance.now();
      const res = await send(server.port, { method: 'GET', path: '/api/query', body: small });
      const t1 = performance.now();
      expect(JSON.parse(res.body)).toEqual(smallAnswer);
      if (t1 < bigDone) latencies.push(t1 - t0);
    }
    const res = await bigRun;
    const bigMs = bigDone - started;
    expect(res.status).toBe(200);
    const row = JSON.parse(res.body).results[0];
    expect(row).toHaveLength(repeat * HWTHREADS);
    row.forEach((e: any, i: number) => {
      const t = i % HWTHREADS;
      expect(e).toEqual({ from: NOW - SPAN, to: NOW, resolution: 1, avg: 49.5 + t, min: t, max: 99 + t });
    });
    latencies.sort((a, b) => a - b);
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    console.log(
      `long query: ${bigMs.toFixed(0)} ms, ${(res.body.length / 1e6).toFixed(1)} MB; ${latencies.length} small queries answered meanwhile, ` +
        `latency p50 ${p50?.toFixed(1)} ms, p99 ${p99?.toFixed(1)} ms, max ${latencies.at(-1)?.toFixed(1)} ms`,
    );
    // Before, the long query held the server for all of its time: none got through.
    expect(latencies.length).toBeGreaterThanOrEqual(10);
    expect(p99).toBeLessThan(bigMs / 4);
  });
});
