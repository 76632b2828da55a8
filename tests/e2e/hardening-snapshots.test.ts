// Hardening (issue 10), snapshots, through the real CLI: a far-future sample
// no longer erases a series' history at the next restart, a gap between two
// samples costs neither disk nor memory, and a checkpoint writes files only
// for hosts with something new.
//
// The ingest window is opened wide (retention reaching back past 1970, a
// future skew past 2100) so that these samples are stored and the snapshots
// are what is tested.

import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { send } from './support/raw-http.ts';
import { cliCommand } from './support/runtimes.ts';
import { type ServerProcess, startServer } from './support/server-process.ts';

function config(over: Record<string, unknown> = {}) {
  return {
    main: { addr: '127.0.0.1:0' },
    metrics: { cpu_load: { frequency: 60, aggregation: null } },
    'metric-store': {
      'retention-in-memory': '600000h',
      'max-future-skew': '700000h',
      'memory-cap': 0,
      'checkpoint-interval': '12h',
      checkpoints: { 'file-format': 'wal', directory: './var/checkpoints' },
      ...over,
    },
  };
}

async function write(server: ServerProcess, lines: string[]): Promise<void> {
  const res = await send(server.port, { method: 'POST', path: '/api/write?cluster=fritz', body: lines.join('\n') });
  expect([res.status, res.body]).toEqual([200, '']);
}

async function query(server: ServerProcess, host: string, from: number, to: number): Promise<{ data: Array<number | null>; avg: number | null }> {
  const body = JSON.stringify({ cluster: 'fritz', from, to, 'with-padding': false, queries: [{ metric: 'cpu_load', host }] });
  const res = await send(server.port, { method: 'GET', path: '/api/query?version=v2', body });
  expect(res.status).toBe(200);
  return JSON.parse(res.body).results[0][0];
}

/** The store's memory as /api/debug reports it. */
async function storeMemory(server: ServerProcess): Promise<{ memoryBytes: number; usedBytes: number }> {
  const res = await send(server.port, { method: 'GET', path: '/api/debug' });
  expect(res.status).toBe(200);
  return JSON.parse(res.body).service.store;
}

/** Every checkpoint file below the server's directory: path -> size. */
function checkpointFiles(server: ServerProcess): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (dir: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(bin|json)$/.test(e.name)) out.set(p, statSync(p).size);
    }
  };
  walk(join(server.dir, 'var/checkpoints'));
  return out;
}

const total = (files: Map<string, number>) => [...files.values()].reduce((a, b) => a + b, 0);

async function restart(server: ServerProcess, cfg: unknown): Promise<ServerProcess> {
  expect(await server.stop('SIGTERM')).toBe(0);
  return startServer(cliCommand('node'), cfg, [], server.dir);
}

describe('snapshots of series with gaps (issue 10, findings 1 and 2)', () => {
  it('keeps two hours of history across a restart after one sample stamped 2100-01-01', async () => {
    const cfg = config();
    let server = await startServer(cliCommand('node'), cfg);
    try {
      const now = Math.floor(Date.now() / 60_000) * 60;
      await write(server, Array.from({ length: 120 }, (_, i) => `cpu_load,hostname=n1 value=${i} ${now - 7200 + 60 * i}`));
      await write(server, [`cpu_load,hostname=n1 value=200 ${Date.UTC(2100, 0, 1) / 1000}`]);
      const before = await query(server, 'n1', now - 7200, now);
      expect(before.avg).toBe(59.5);
      server = await restart(server, cfg);
      expect(await query(server, 'n1', now - 7200, now)).toEqual(before);
      expect((await query(server, 'n1', Date.UTC(2100, 0, 1) / 1000, Date.UTC(2100, 0, 1) / 1000 + 60)).data).toEqual([200]);
      // two pieces of a few hundred bytes, not 2^25 slots
      expect(total(checkpointFiles(server))).toBeLessThan(4096);
    } finally {
      await server.stop('SIGTERM');
    }
  });

  it('writes and restores small snapshots for 40 nodes that booted with their clocks at 1970', async () => {
    const cfg = config();
    let server = await startServer(cliCommand('node'), cfg);
    try {
      const now = Math.floor(Date.now() / 1000);
      const lines: string[] = [];
      for (let h = 0; h < 40; h++) lines.push(`cpu_load,hostname=node${h} value=1 1`, `cpu_load,hostname=node${h} value=2 ${now}`);
      await write(server, lines);
      server = await restart(server, cfg);
      const files = checkpointFiles(server);
      // two files per node (one per piece), tens of bytes each, not 120 MB
      expect(files.size).toBe(80);
      expect(total(files)).toBeLessThan(40 * 2 * 512);
      expect((await storeMemory(server)).usedBytes).toBeLessThan(16 << 20);
      for (const h of [0, 17, 39]) {
        expect((await query(server, `node${h}`, 0, 120)).data).toEqual([1]);
        expect((await query(server, `node${h}`, now - 60, now + 60)).data.filter((v) => v !== null)).toEqual([2]);
      }
      // the store has room: new samples are stored and answered
      await write(server, [`cpu_load,hostname=node3 value=5 ${now + 60}`]);
      expect((await query(server, 'node3', now + 60, now + 120)).data).toEqual([5]);
    } finally {
      await server.stop('SIGTERM');
    }
  });
});

describe('checkpoints write only hosts with something new (issue 10, finding 9)', () => {
  it('creates no file while nothing is written, with a checkpoint every second', async () => {
    const cfg = config({ 'checkpoint-interval': '1s' });
    const server = await startServer(cliCommand('node'), cfg);
    try {
      const now = Math.floor(Date.now() / 1000);
      await write(server, Array.from({ length: 20 }, (_, h) => `cpu_load,hostname=q${h} value=${h} ${now}`));
      // the first checkpoint after the writes: one file per host
      for (let i = 0; i < 100 && checkpointFiles(server).size < 20; i++) await new Promise((r) => setTimeout(r, 100));
      const first = checkpointFiles(server);
      expect(first.size).toBe(20);
      // three more checkpoints without writes: no new file
      const seen = (server.stderr().match(/checkpoint done/g) ?? []).length;
      for (let i = 0; i < 100 && (server.stderr().match(/checkpoint done/g) ?? []).length < seen + 3; i++) await new Promise((r) => setTimeout(r, 100));
      expect((server.stderr().match(/checkpoint done/g) ?? []).length).toBeGreaterThanOrEqual(seen + 3);
      expect(checkpointFiles(server)).toEqual(first);
    } finally {
      await server.stop('SIGTERM');
    }
  });
});
