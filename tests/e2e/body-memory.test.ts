// Issue 11, "the process grows by what it stores", through the real CLI on
// Node: ~100 MB bodies (1.44 M lines of 200 hosts x 72 hwthreads) POSTed to
// /api/write go to the engine in pieces of at most 4 MiB, so linear memory
// grows by the data stored plus a fixed few MiB of request buffers, not by
// the body; further big POSTs grow it only by their data; everything is
// stored (the counts read back). The process RSS (from /proc) is logged with
// the figures /api/debug gives.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliCommand } from './support/runtimes.ts';
import { type ServerProcess, startServer, testConfig } from './support/server-process.ts';

const MiB = 2 ** 20;
const HOSTS = 200;
const THREADS = 72;
const STEPS = 100;
const NOW = Math.floor(Date.now() / 60_000) * 60;
const FIRST = NOW - 40 * 3600;

interface StoreFigures {
  memoryBytes: number;
  usedBytes: number;
  samples: number;
  bytesPerSample: { linear: number; used: number };
  processRssBytes: number | null;
  shards: Array<{ memoryBytes: number; usedBytes: number; samples: number }>;
}

/** One POST's lines: every hwthread of every host at STEPS minutes from `from`, values with 2 decimals. */
function body(from: number): Uint8Array {
  const lines: string[] = [];
  for (let s = 0; s < STEPS; s++) {
    const ts = from + s * 60;
    for (let h = 0; h < HOSTS; h++) {
      for (let t = 0; t < THREADS; t++) lines.push(`cpu_load,cluster=fritz,hostname=node${h},type=hwthread,type-id=${t} value=${((s * 7 + h + t) % 10000) / 100} ${ts}`);
    }
  }
  return new TextEncoder().encode(lines.join('\n'));
}

function vmRss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

describe('memory of big bodies through the real server', () => {
  let server: ServerProcess;
  const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;
  const figures = async (): Promise<StoreFigures> => (await (await fetch(url('/api/debug'))).json()).service.store;

  beforeAll(async () => {
    const config = testConfig({ 'max-body-size': '256MiB' }, { shards: 2, checkpoints: { 'file-format': 'wal', directory: './var/checkpoints' } });
    server = await startServer(cliCommand('node'), config);
  }, 60_000);
  afterAll(() => server?.stop('SIGKILL'));

  it('grows linear memory by what it stores, not by the body, POST after POST', async () => {
    const start = await figures();
    const rss = [vmRss(server.pid)];
    const after: StoreFigures[] = [];
    let bodyBytes = 0;
    for (let k = 0; k < 3; k++) {
      const b = body(FIRST + k * STEPS * 60);
      bodyBytes = b.length;
      const res = await fetch(url('/api/write?cluster=fritz'), { method: 'POST', body: b });
      expect(res.status, await res.text()).toBe(200);
      after.push(await figures());
      rss.push(vmRss(server.pid));
    }
    const perPost = HOSTS * THREADS * STEPS;
    expect(bodyBytes).toBeGreaterThan(90e6);
    console.log(
      `body ${(bodyBytes / 1e6).toFixed(0)} MB x 3: linear memory ${[start, ...after].map((f) => (f.memoryBytes / 1e6).toFixed(1)).join(' -> ')} MB, ` +
      `stored ${after.map((f) => (f.usedBytes / 1e6).toFixed(1)).join(', ')} MB (${after[2]!.bytesPerSample.used.toFixed(2)} B/sample, ` +
      `linear ${after[2]!.bytesPerSample.linear.toFixed(2)} B/sample), VmRSS ${rss.map((r) => (r / 1e6).toFixed(0)).join(' -> ')} MB ` +
      `(process RSS from the runtime ${((after[2]!.processRssBytes ?? 0) / 1e6).toFixed(0)} MB)`,
    );
    after.forEach((f, k) => expect(f.samples).toBe(perPost * (k + 1)));
    // The first body: its data plus a fixed bound for request buffers of both shards (a 4 MiB piece,
    // outboxes, WAL records per piece, the debug dump's answer), far below the body's 100 MB.
    const grown = after[0]!.memoryBytes - start.memoryBytes;
    expect(grown).toBeLessThan(after[0]!.usedBytes - start.usedBytes + 40 * MiB);
    // The next two: their data and the growth steps (1/64 of what a shard holds, at least 1 MiB).
    expect(after[2]!.memoryBytes - after[0]!.memoryBytes).toBeLessThan(after[2]!.usedBytes - after[0]!.usedBytes + 8 * MiB);
    // RSS: no body's worth kept from one POST to the next (the runtime's heap comes and goes with each body).
    expect(rss[3]! - rss[1]!).toBeLessThan(bodyBytes);
    expect(after[2]!.processRssBytes).toBeGreaterThan(0);

    // Everything stored: series of the first, middle and last host read back whole.
    for (const host of ['node0', `node${HOSTS / 2}`, `node${HOSTS - 1}`]) {
      const q = { cluster: 'fritz', from: FIRST, to: FIRST + 3 * STEPS * 60, 'with-padding': false, queries: [{ metric: 'cpu_load', host, type: 'hwthread', 'type-ids': ['0', '71'] }] };
      const res = await fetch(url('/api/query'), { method: 'POST', body: JSON.stringify(q) });
      const data = (await res.json()).results[0].map((e: { data: Array<number | null> }) => e.data.filter((v) => v !== null).length);
      expect(data).toEqual([3 * STEPS, 3 * STEPS]);
    }
  }, 120_000);
});
