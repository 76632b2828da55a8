// The whole way: line protocol published on NATS (ws:// and nats://) is
// stored by the real CLI, written to the WAL like an HTTP write, and read back
// through GET /api/query with a body, on Node, Bun and Deno.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNatsServer, type NatsServer } from '../nats/helpers/nats-server.ts';
import { publisher } from '../nats/helpers/publisher.ts';
import { freePort } from '../nats/helpers/free-port.ts';
import { send } from './support/raw-http.ts';
import { RUNTIMES, cliCommand } from './support/runtimes.ts';
import { startServer } from './support/server-process.ts';

describe('NATS into the running service', () => {
  let nats: NatsServer;
  beforeAll(async () => {
    nats = await startNatsServer();
  });
  afterAll(() => nats?.stop());

  describe.each(RUNTIMES)('on %s', (runtime) => {
    it.each([['ws://'], ['nats://']])('stores what is published over %s, logs it in the WAL and answers it over HTTP', async (scheme) => {
      const address = scheme === 'ws://' ? nats.wsUrl : nats.tcpUrl;
      const server = await startServer(cliCommand(runtime), {
        main: { addr: '127.0.0.1:0' },
        nats: { address, username: nats.user, password: nats.password },
        'metric-store': {
          checkpoints: { 'file-format': 'wal', directory: './var/checkpoints' },
          'retention-in-memory': '48h',
          'memory-cap': 100,
          cleanup: { mode: 'delete' },
          'nats-subscriptions': [
            { 'subscribe-to': 'hpc-nats', 'cluster-tag': 'fritz' },
            { 'subscribe-to': 'hpc-nats', 'cluster-tag': 'alex' },
          ],
        },
        metrics: { cpu_load: { frequency: 10, aggregation: 'avg' } },
      });
      const pub = await publisher(address, nats.user, nats.password);
      try {
        const ts = Math.floor(Date.now() / 1000) - 30;
        // The service subscribes in the background, each subscription on its own (core NATS
        // gives a message only to the subscriptions live when it is published): publish until
        // the sample can be queried under both cluster tags, each subscription's default cluster.
        const deadline = Date.now() + 30_000;
        for (;;) {
          pub.publish('hpc-nats', `cpu_load,hostname=node1,type=node value=42.5 ${ts}\n`);
          await pub.flush();
          if (hasValue(await query(server.port, ts, 'fritz'), 42.5) && hasValue(await query(server.port, ts, 'alex'), 42.5)) break;
          if (Date.now() > deadline) throw new Error(`the sample never came back under both tags\n${server.stderr()}`);
          await new Promise((r) => setTimeout(r, 200));
        }
        // And it went the way of an HTTP write, into the host's log. (A message has no
        // answer to hold back: a query may see it a moment before its log record is written.)
        await waitFor(() => ['fritz', 'alex'].every((c) => existsSync(join(server.dir, 'var/checkpoints', c, 'node1/current.wal'))));
        // The counters of the subscriptions are in the debug output.
        await waitFor(async () => {
          const debug = JSON.parse((await send(server.port, { method: 'GET', path: '/api/debug' })).body);
          return debug.service.nats.linesAccepted >= 2;
        });
      } finally {
        await pub.close();
        expect(await server.stop('SIGTERM')).toBe(0);
      }
    });
  });
});

describe('the service while NATS is down', () => {
  describe.each(RUNTIMES)('on %s', (runtime) => {
    it('serves HTTP writes and queries, says NATS is down in /api/debug, and subscribes once NATS is up', async () => {
      const port = await freePort();
      const server = await startServer(cliCommand(runtime), {
        main: { addr: '127.0.0.1:0' },
        nats: { address: `nats://127.0.0.1:${port}`, username: 'late', password: 'late-pw' },
        'metric-store': {
          checkpoints: { 'file-format': 'wal', directory: './var/checkpoints' },
          'retention-in-memory': '48h',
          'memory-cap': 100,
          'nats-subscriptions': [{ 'subscribe-to': 'hpc-nats', 'cluster-tag': 'fritz' }],
        },
        metrics: { cpu_load: { frequency: 10, aggregation: 'avg' } },
      });
      let late: NatsServer | undefined;
      try {
        const ts = Math.floor(Date.now() / 1000) - 30;
        const write = await send(server.port, { method: 'POST', path: '/api/write?cluster=fritz', body: `cpu_load,hostname=node1 value=7.5 ${ts}` });
        expect(write.status).toBe(200);
        expect(hasValue(await query(server.port, ts, 'fritz'), 7.5)).toBe(true);
        await waitFor(async () => {
          const debug = JSON.parse((await send(server.port, { method: 'GET', path: '/api/debug' })).body);
          return debug.service.nats.connected === false && /ECONNREFUSED/.test(debug.service.nats.lastError ?? '');
        });
        expect(server.stderr()).toContain(`cannot connect to nats://127.0.0.1:${port}`);

        late = await startNatsServer({ user: 'late', password: 'late-pw', tcpPort: port });
        const pub = await publisher(late.tcpUrl, 'late', 'late-pw');
        try {
          const deadline = Date.now() + 30_000;
          for (;;) {
            pub.publish('hpc-nats', `cpu_load,hostname=node2 value=8.5 ${ts}\n`);
            await pub.flush();
            const answer = await query(server.port, ts, 'fritz', 'node2');
            if (hasValue(answer, 8.5)) break;
            if (Date.now() > deadline) throw new Error(`the sample never came back\n${server.stderr()}`);
            await new Promise((r) => setTimeout(r, 200));
          }
        } finally {
          await pub.close();
        }
        expect(server.stderr()).toMatch(/NATS: connected to .*127\.0\.0\.1:\d+; subscribed to "hpc-nats"/);
      } finally {
        expect(await server.stop('SIGTERM')).toBe(0);
        await late?.stop();
      }
    });
  });
});

async function query(port: number, ts: number, cluster: string, host = 'node1'): Promise<unknown> {
  const body = JSON.stringify({ cluster, from: ts - 20, to: ts + 20, queries: [{ metric: 'cpu_load', host }] });
  const res = await send(port, { method: 'GET', path: '/api/query?version=v2', body });
  return res.status === 200 ? JSON.parse(res.body) : null;
}

function hasValue(answer: unknown, value: number): boolean {
  const results = (answer as { results?: Array<Array<{ data?: Array<number | null> }>> } | null)?.results;
  return results?.[0]?.[0]?.data?.includes(value) ?? false;
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
