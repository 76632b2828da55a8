// Restarts of the real CLI on the same checkpoint directory: every query
// answers byte for byte what it answered before the restart, whether the
// store was stopped with SIGTERM (final checkpoint) or killed (WAL replay),
// with back-filled samples older than the previous checkpoint, and with each
// run on another runtime. And the checkpoint directories of the shared
// fixtures (written by an independent encoder) answer every value over HTTP.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyTree } from '../support/persist-env.ts';
import { fixturesDir } from '../support/shared.ts';
import { send } from './support/raw-http.ts';
import { type Runtime, cliCommand } from './support/runtimes.ts';
import { type ServerProcess, startServer, tempDir } from './support/server-process.ts';

const METRICS = {
  cpu_load: { frequency: 60, aggregation: null },
  mem_used: { frequency: 60, aggregation: null },
  cpu_user: { frequency: 60, aggregation: 'avg' },
  mem_bw: { frequency: 60, aggregation: 'sum' },
};

function config(retention: string, fileFormat: 'wal' | 'json' = 'wal') {
  return {
    main: { addr: '127.0.0.1:0' },
    metrics: METRICS,
    'metric-store': {
      'retention-in-memory': retention,
      'memory-cap': 0,
      'checkpoint-interval': '12h',
      checkpoints: { 'file-format': fileFormat, directory: './var/checkpoints' },
      cleanup: { mode: 'delete' },
    },
  };
}

async function write(server: ServerProcess, lines: string[]): Promise<void> {
  const res = await send(server.port, { method: 'POST', path: '/api/write?cluster=fritz', body: lines.join('\n') });
  expect([res.status, res.body]).toEqual([200, '']);
}

async function query(server: ServerProcess, body: unknown): Promise<string> {
  const res = await send(server.port, { method: 'GET', path: '/api/query?version=v2', body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return res.body;
}

describe('restarts of the CLI', () => {
  const HOSTS = ['f0101', 'f0102', 'f0103'];
  const base = Math.floor(Date.now() / 60_000) * 60 - 180 * 60;
  const at = (i: number) => base + 60 * i;

  /** Every sample of minute i: cpu_load and mem_used per host, cpu_user per hwthread, mem_bw per socket. */
  function minute(i: number, hosts = HOSTS, shift = 0): string[] {
    const lines: string[] = [];
    for (const [h, host] of hosts.entries()) {
      lines.push(`cpu_load,hostname=${host},type=node value=${(i + h + shift) / 4} ${at(i)}`);
      lines.push(`mem_used,hostname=${host},type=node value=${1000.25 + i + shift} ${at(i)}`);
      for (let t = 0; t < 4; t++) lines.push(`cpu_user,hostname=${host},type=hwthread,type-id=${t} value=${(i * 7 + t + shift) % 100} ${at(i)}`);
      for (let s = 0; s < 2; s++) lines.push(`mem_bw,hostname=${host},type=socket,type-id=${s} value=${s * 100 + i * 1.5 + shift} ${at(i)}`);
    }
    return lines;
  }

  const range = { from: base - 600, to: at(180) };
  const QUERIES = [
    { cluster: 'fritz', ...range, queries: HOSTS.map((host) => ({ metric: 'cpu_load', host })) },
    { cluster: 'fritz', ...range, queries: HOSTS.map((host) => ({ metric: 'mem_used', host })), 'with-padding': false },
    { cluster: 'fritz', ...range, queries: HOSTS.map((host) => ({ metric: 'cpu_user', host, type: 'hwthread', 'type-ids': ['0', '1', '2', '3'] })) },
    { cluster: 'fritz', ...range, queries: HOSTS.map((host) => ({ metric: 'cpu_user', host, type: 'hwthread', 'type-ids': ['0', '1', '2', '3'], aggreg: true })) },
    { cluster: 'fritz', ...range, queries: HOSTS.map((host) => ({ metric: 'mem_bw', host })) },
    { cluster: 'fritz', ...range, 'for-all-nodes': ['cpu_load', 'mem_bw'], 'with-data': false },
    { cluster: 'fritz', from: at(40), to: at(90), queries: [{ metric: 'mem_bw', host: 'f0102', type: 'socket', 'type-ids': ['1'], 'scale-by': 2 }] },
  ];

  async function answers(server: ServerProcess): Promise<string[]> {
    return Promise.all(QUERIES.map((q) => query(server, q)));
  }

  async function restart(server: ServerProcess, how: 'SIGTERM' | 'SIGKILL', runtime: Runtime): Promise<ServerProcess> {
    expect(await server.stop(how)).toBe(how === 'SIGTERM' ? 0 : null);
    return startServer(cliCommand(runtime), config('48h'), [], server.dir);
  }

  it('answers the same after SIGTERM and after kill -9, back-filled samples and WAL tail included, across runtimes', async () => {
    let server = await startServer(cliCommand('node'), config('48h'));
    try {
      // Even minutes only: the odd ones are back-filled later.
      for (let i = 0; i < 120; i += 2) await write(server, minute(i));
      const first = await answers(server);
      server = await restart(server, 'SIGTERM', 'bun');
      expect(await answers(server)).toEqual(first);

      for (let i = 120; i < 150; i++) await write(server, minute(i));
      server = await restart(server, 'SIGTERM', 'deno');

      // Older than both checkpoints written so far: the gaps, and new values for some old minutes.
      for (let i = 1; i < 120; i += 2) await write(server, minute(i, HOSTS.slice(0, 2)));
      for (let i = 10; i < 20; i++) await write(server, minute(i, ['f0103'], 1000));
      const backFilled = await answers(server);
      // Ten steps of padding, then minute 0, the back-filled minute 1, minute 2, ...
      expect(JSON.parse(backFilled[0]).results[0][0].data.slice(9, 14)).toEqual([null, 0, 0.25, 0.5, 0.75]);
      const stopped = server;
      server = await restart(server, 'SIGTERM', 'node');
      // Written as full snapshots of the three hosts (the Go loader's order rule), older files trimmed.
      expect(stopped.stderr().match(/wrote a full snapshot/g)).toHaveLength(3);
      expect(await answers(server)).toEqual(backFilled);

      // A tail that is only in the WAL when the process dies.
      for (let i = 150; i < 170; i++) await write(server, minute(i));
      for (let i = 30; i < 35; i++) await write(server, minute(i, ['f0102'], 2000));
      const beforeCrash = await answers(server);
      expect(beforeCrash).not.toEqual(backFilled);
      server = await restart(server, 'SIGKILL', 'bun');
      expect(server.stderr()).toMatch(new RegExp(`restore done: 3 hosts, \\d+ files, ${(20 * 3 + 5) * 8} WAL samples`));
      expect(await answers(server)).toEqual(beforeCrash);

      // And once more cleanly: the replayed tail goes into the final checkpoint.
      server = await restart(server, 'SIGTERM', 'deno');
      expect(server.stderr()).toMatch(/restore done: 3 hosts, \d+ files, 0 WAL samples/);
      expect(await answers(server)).toEqual(beforeCrash);
    } finally {
      await server.stop('SIGTERM');
    }
  });
});

describe('the shared fixtures over HTTP', () => {
  // The series of the fixtures start at 1725620030 (2024-09-06): a retention that reaches back there.
  const RETENTION = '30000h';

  function serve(fixture: string, fileFormat: 'wal' | 'json'): Promise<ServerProcess> {
    const dir = tempDir();
    copyTree(join(fixturesDir(), fixture), join(dir, 'var/checkpoints'));
    return startServer(cliCommand('node'), config(RETENTION, fileFormat), [], dir);
  }

  async function data(server: ServerProcess, from: number, to: number, q: Record<string, unknown>): Promise<Array<number | null>> {
    const answer = JSON.parse(await query(server, { cluster: 'fritz', from, to, 'with-padding': false, 'with-stats': false, queries: [q] }));
    return answer.results[0][0].data;
  }

  it('answers every value of checkpoints-wal: the .bin snapshot and the WAL up to its torn record', async () => {
    const server = await serve('checkpoints-wal', 'wal');
    try {
      const i60 = Array.from({ length: 60 }, (_, i) => i);
      // The snapshot holds [1725620030, 1725623630). The WAL records are stamped at slot
      // starts, on the snapshot's grid: they continue its newest chunk (docs/engine.md
      // "loadHost"), so one range returns the snapshot and the WAL tail together.
      const [from, to] = [1725620030, 1725624300];
      const host = { host: 'f0201' };
      const tail = Array.from({ length: 10 }, (_, i) => 100 + i);
      expect(await data(server, from, to, { metric: 'cpu_load', ...host })).toEqual([...i60.map((i) => (i === 10 || i === 11 ? null : i * 0.5)), ...tail]);
      expect(await data(server, from, to, { metric: 'mem_used', ...host })).toEqual(i60.map((i) => Math.fround(1000.25 + i)));
      for (let k = 0; k < 4; k++) {
        const hwthread = { ...host, type: 'hwthread', 'type-ids': [String(k)] };
        // Five whole WAL records on hwthread 0; the torn sixth (99 at 1725623930) is not there.
        const walTail = k === 0 ? [50, 51, 52, 53, 54] : [];
        expect(await data(server, from, to, { metric: 'cpu_user', ...hwthread })).toEqual([...i60.map((i) => k * 10 + (i % 7)), ...walTail]);
      }
      for (let s = 0; s < 2; s++) {
        const socket = { ...host, type: 'socket', 'type-ids': [String(s)] };
        expect(await data(server, from, to, { metric: 'mem_bw', ...socket })).toEqual(i60.map((i) => s * 100 + i * 1.5));
      }
    } finally {
      expect(await server.stop('SIGTERM')).toBe(0);
    }
  });

  it('answers every value of checkpoints-json', async () => {
    const server = await serve('checkpoints-json', 'json');
    try {
      const i30 = Array.from({ length: 30 }, (_, i) => i);
      const [from, to] = [1725620030, 1725620030 + 30 * 60];
      expect(await data(server, from, to, { metric: 'cpu_load', host: 'f0202' })).toEqual(i30.map((i) => (i % 5 === 4 ? null : 2 + i * 0.25)));
      const user0 = { host: 'f0202', type: 'hwthread', 'type-ids': ['0'] };
      expect(await data(server, from, to, { metric: 'cpu_user', ...user0 })).toEqual(i30.map((i) => 7 + i));
    } finally {
      expect(await server.stop('SIGTERM')).toBe(0);
    }
  });
});
