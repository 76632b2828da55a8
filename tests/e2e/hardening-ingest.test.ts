// Issue 10, ingest: through the real CLI, a write answers 200 only when every
// sample of it is stored and in the WAL. A full shard answers 507 with counts
// and Retry-After, and everything it acknowledged survives; unsafe names are
// rejected and never reach memory, the WAL or a checkpoint; samples outside
// the ingest window are rejected with counts; a late sample older than
// everything held (inside the window) is kept, also across restarts.

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type RawResponse, send } from './support/raw-http.ts';
import { cliCommand } from './support/runtimes.ts';
import { type ServerProcess, startServer } from './support/server-process.ts';

function config(metricStore: Record<string, unknown> = {}) {
  return {
    main: { addr: '127.0.0.1:0' },
    metrics: { cpu_load: { frequency: 60, aggregation: null } },
    'metric-store': {
      'retention-in-memory': '48h',
      'memory-cap': 0,
      'checkpoint-interval': '12h',
      checkpoints: { 'file-format': 'wal', directory: './var/checkpoints' },
      ...metricStore,
    },
  };
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

function write(server: ServerProcess, body: string, query = '?cluster=c'): Promise<RawResponse> {
  return send(server.port, { method: 'POST', path: `/api/write${query}`, body });
}

async function queryJson(server: ServerProcess, body: unknown): Promise<any> {
  const res = await send(server.port, { method: 'POST', path: '/api/query', body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return JSON.parse(res.body);
}

/** The values of one host's cpu_load over [from, to), nulls left out. */
async function values(server: ServerProcess, cluster: string, host: string, from: number, to: number): Promise<number[]> {
  const answer = await queryJson(server, { cluster, from, to, 'with-padding': false, queries: [{ metric: 'cpu_load', host }] });
  const entry = answer.results[0][0];
  return entry?.data ? entry.data.filter((v: number | null) => v !== null) : [];
}

/** Hosts of `cluster` that hold at least one value over [from, to). */
async function hostsWithData(server: ServerProcess, cluster: string, from: number, to: number): Promise<number> {
  const answer = await queryJson(server, { cluster, from, to, 'for-all-nodes': ['cpu_load'], 'with-stats': false, 'with-padding': false });
  return answer.results.filter((row: any[]) => row.some((e) => e.data && e.data.some((v: number | null) => v !== null))).length;
}

/** Values of cpu_load over [from, to) in the hwthreads 0..threads-1 of `hosts`. */
async function threadValues(server: ServerProcess, hosts: string[], threads: number, from: number, to: number): Promise<number> {
  const ids = Array.from({ length: threads }, (_, i) => String(i));
  const queries = hosts.map((host) => ({ metric: 'cpu_load', host, type: 'hwthread', 'type-ids': ids }));
  const answer = await queryJson(server, { cluster: 'c', from, to, queries, 'with-stats': false, 'with-padding': false });
  let n = 0;
  for (const row of answer.results) for (const e of row) n += (e.data ?? []).filter((v: number | null) => v !== null).length;
  return n;
}

function filesBelow(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesBelow(path));
    else out.push(path);
  }
  return out;
}

describe('hardening: what a write answers', () => {
  it('answers 507 with counts and Retry-After when an 8 MiB shard is full, and loses nothing it acknowledged', async () => {
    let server = await startServer(cliCommand('node'), config({ 'shard-memory-limit': '8MiB' }));
    try {
      const t = nowSeconds() - 600;
      // One sample in each of 100 hwthreads of 10 hosts a write: levels and chunks fill 8 MiB after some 20,000.
      const HOSTS = 10;
      const THREADS = 100;
      const LINES = HOSTS * THREADS;
      const hosts: string[] = [];
      let acknowledged = 0;
      let full: RawResponse | undefined;
      for (let w = 0; w < 200 && !full; w++) {
        const names = Array.from({ length: HOSTS }, (_, k) => `h${w}-${k}`);
        hosts.push(...names);
        const body = names.flatMap((host) =>
          Array.from({ length: THREADS }, (_, i) => `cpu_load,cluster=c,hostname=${host},type=hwthread,type-id=${i} value=${i} ${t}`));
        const res = await write(server, body.join('\n'));
        if (res.status === 200) {
          expect(res.body).toBe('');
          acknowledged += LINES;
          continue;
        }
        expect(res.status).toBe(507);
        full = res;
      }
      expect(full, 'the shard never filled up').toBeDefined();
      expect(full!.headers['retry-after']).toMatch(/^\d+$/);
      const answer = JSON.parse(full!.body);
      expect(answer).toMatchObject({ status: 'Insufficient Storage', skipped: 0 });
      expect(answer.stored + answer.rejected).toBe(LINES);
      expect(answer.reasons).toEqual({ 'store-full': answer.rejected });
      expect(answer.error).toMatch(/^line \d+: .*shard-memory-limit 8MiB/);
      expect(answer.rejectedLines.length).toBeGreaterThan(0);
      acknowledged += answer.stored;

      // Every acknowledged sample is there, and nothing else.
      const range = [t - 3600, t + 3600] as const;
      expect(await threadValues(server, hosts, THREADS, ...range)).toBe(acknowledged);
      // A sample that still finds room (a slot of a chunk that exists) is acknowledged as before.
      const again = await write(server, `cpu_load,cluster=c,hostname=h0-0,type=hwthread,type-id=0 value=7 ${t + 60}`);
      expect([again.status, again.body]).toEqual([200, '']);

      // And after a crash (WAL replay), everything acknowledged is back.
      expect(await server.stop('SIGKILL')).toBe(null);
      server = await startServer(cliCommand('node'), config({ 'shard-memory-limit': '8MiB' }), [], server.dir);
      expect(await threadValues(server, hosts, THREADS, ...range)).toBe(acknowledged + 1);
    } finally {
      await server.stop('SIGTERM');
    }
  });

  it('rejects unsafe cluster and host names with a 400: never stored, never on disk, nothing logged at the checkpoint', async () => {
    const server = await startServer(cliCommand('node'), config());
    let stopped = false;
    try {
      const t = nowSeconds() - 120;
      const bad = [
        `cpu_load,cluster=c,hostname=. value=1 ${t}`,
        `cpu_load,cluster=c value=2 ${t}`,
        `cpu_load,cluster=.,hostname=h1 value=3 ${t}`,
        `cpu_load,cluster=c,hostname=.. value=4 ${t}`,
        `cpu_load,cluster=c,hostname=a/b value=5 ${t}`,
        `cpu_load,cluster=c,hostname=${'x'.repeat(256)} value=6 ${t}`,
      ];
      const res = await write(server, [`cpu_load,cluster=c,hostname=good value=9 ${t}`, ...bad].join('\n'));
      expect(res.status).toBe(400);
      const answer = JSON.parse(res.body);
      expect(answer).toMatchObject({ status: 'Bad Request', stored: 1, skipped: 0, rejected: 6, reasons: { 'unsafe-name': 6 } });
      expect(answer.rejectedLines).toEqual([2, 3, 4, 5, 6, 7].map((line) => ({ line, reason: 'unsafe-name' })));
      expect(answer.error).toMatch(/^line 2: /);

      // Without ?cluster= and without a cluster tag the cluster is empty: rejected too.
      const noCluster = await write(server, `cpu_load,hostname=h2 value=1 ${t}`, '');
      expect(noCluster.status).toBe(400);
      expect(JSON.parse(noCluster.body)).toMatchObject({ stored: 0, rejected: 1, reasons: { 'unsafe-name': 1 } });

      const range = [t - 600, t + 600] as const;
      expect(await values(server, 'c', 'good', ...range)).toEqual([9]);
      expect(await values(server, 'c', '.', ...range)).toEqual([]);
      expect(await values(server, 'c', '', ...range)).toEqual([]);
      expect(await values(server, '.', 'h1', ...range)).toEqual([]);
      expect(await values(server, '', 'h2', ...range)).toEqual([]);
      expect(await hostsWithData(server, 'c', ...range)).toBe(1);

      stopped = true;
      expect(await server.stop('SIGTERM')).toBe(0);
      // The final checkpoint wrote the good host only and complained about nothing.
      const files = filesBelow(join(server.dir, 'var/checkpoints')).map((f) => f.slice(server.dir.length + 1));
      expect(files.length).toBeGreaterThan(0);
      for (const f of files) expect(f).toMatch(/^var\/checkpoints\/c\/good\//);
      expect(server.stderr()).not.toMatch(/\[ERROR\]|\[CRITICAL\]/);
    } finally {
      if (!stopped) await server.stop('SIGTERM');
    }
  });

  it('rejects samples outside the ingest window with a 400 and counts, keeping the lines inside it', async () => {
    const server = await startServer(cliCommand('node'), config());
    try {
      const now = nowSeconds();
      const body = [
        `cpu_load,cluster=c,hostname=w value=1 ${now - 60}`,
        `cpu_load,cluster=c,hostname=w value=2 ${now - 49 * 3600}`,
        `cpu_load,cluster=c,hostname=w value=3 ${now + 3600}`,
        `cpu_load,cluster=c,hostname=w value=4 ${now - 47 * 3600}`,
        `unknown_metric,cluster=c,hostname=w value=5 ${now}`,
        `cpu_load,cluster=c,hostname=w value=6 ${now + 11 * 60}`,
      ].join('\n');
      const res = await write(server, body);
      expect(res.status).toBe(400);
      const answer = JSON.parse(res.body);
      expect(answer).toMatchObject({
        status: 'Bad Request',
        stored: 2,
        skipped: 1,
        rejected: 3,
        reasons: { 'too-old': 1, 'too-new': 2 },
        rejectedLines: [
          { line: 2, reason: 'too-old' },
          { line: 3, reason: 'too-new' },
          { line: 6, reason: 'too-new' },
        ],
      });
      expect(answer.error).toMatch(/^line 2: .*retention-in-memory/);
      expect(await values(server, 'c', 'w', now - 50 * 3600, now + 3600)).toEqual([4, 1]);
      // A body of known lines inside the window and an unknown metric: 200, as in the reference.
      const ok = await write(server, `cpu_load,cluster=c,hostname=w value=7 ${now}\nunknown_metric,cluster=c,hostname=w value=8 ${now}`);
      expect([ok.status, ok.body]).toEqual([200, '']);
    } finally {
      await server.stop('SIGTERM');
    }
  });

  it('keeps a late sample older than everything its series holds, and reads it back after a crash and a clean restart', async () => {
    let server = await startServer(cliCommand('node'), config());
    try {
      const base = Math.floor(nowSeconds() / 60) * 60 - 3 * 3600;
      for (const [ts, v] of [[base + 7200, 1], [base + 7260, 2], [base, 3], [base + 60, 4]] as const) {
        const res = await write(server, `cpu_load,cluster=c,hostname=late value=${v} ${ts}`);
        expect([res.status, res.body]).toEqual([200, '']);
      }
      const range = [base - 600, base + 7800] as const;
      expect(await values(server, 'c', 'late', ...range)).toEqual([3, 4, 1, 2]);

      expect(await server.stop('SIGKILL')).toBe(null);
      server = await startServer(cliCommand('node'), config(), [], server.dir);
      expect(await values(server, 'c', 'late', ...range)).toEqual([3, 4, 1, 2]);

      expect(await server.stop('SIGTERM')).toBe(0);
      server = await startServer(cliCommand('node'), config(), [], server.dir);
      expect(await values(server, 'c', 'late', ...range)).toEqual([3, 4, 1, 2]);
    } finally {
      await server.stop('SIGTERM');
    }
  });
});
