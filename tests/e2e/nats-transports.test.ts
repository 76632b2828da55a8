// NATS over nats://, tls://, ws:// and wss:// through the real CLI on Node,
// Bun and Deno: a core NATS and a JetStream subscription each store what is
// published, and the query answers it. TLS against a real nats-server whose
// certificate a throwaway CA signed: with nats.tls-ca-file, or with
// NODE_EXTRA_CA_CERTS instead of the key; a wrong CA is an error in the log
// naming the key, while the store serves HTTP and stops cleanly.

import { readFileSync } from 'node:fs';
import { jetstream } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNatsServer, type NatsServer } from '../nats/helpers/nats-server.ts';
import { publisher } from '../nats/helpers/publisher.ts';
import { makeTestCertificates, type TestCertificates } from '../nats/helpers/tls-certs.ts';
import { send } from './support/raw-http.ts';
import { RUNTIMES, cliCommand, type Runtime } from './support/runtimes.ts';
import { startServer, type ServerProcess } from './support/server-process.ts';

const TS = Math.floor(Date.now() / 1000 / 10) * 10 - 600;

let certs: TestCertificates;
let nats: NatsServer;
/** Without TLS, for nats:// and ws://. */
let plain: NatsServer;
beforeAll(async () => {
  certs = makeTestCertificates();
  nats = await startNatsServer({ jetstream: true, tls: { certFile: certs.serverCertFile, keyFile: certs.serverKeyFile } });
  plain = await startNatsServer({ jetstream: true });
});
afterAll(async () => {
  await nats?.stop();
  await plain?.stop();
  certs?.remove();
});

let count = 0;
function storeConfig(address: string, tls: Record<string, string>, target = nats) {
  count++;
  return {
    name: `TLS${count}`,
    core: `core${count}`,
    js: `js${count}`,
    config: {
      main: { addr: '127.0.0.1:0' },
      nats: { address, username: target.user, password: target.password, ...tls },
      metrics: { cpu_load: { frequency: 10, aggregation: 'avg' } },
      'metric-store': {
        checkpoints: { 'file-format': 'wal', directory: './var/checkpoints' },
        'retention-in-memory': '48h',
        'memory-cap': 0,
        'nats-subscriptions': [
          { 'subscribe-to': `core${count}`, 'cluster-tag': 'core' },
          { 'subscribe-to': `js${count}`, 'cluster-tag': 'js', stream: `TLS${count}`, durable: 'store', 'create-stream': {} },
        ],
      },
    },
  };
}

async function debugNats(server: ServerProcess) {
  return JSON.parse((await send(server.port, { method: 'GET', path: '/api/debug' })).body).service.nats as {
    connected: boolean;
    lastError: string | null;
    subscriptions: Array<{ jetstream: { consuming: boolean; acks: number } | null }>;
  };
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function valueOf(server: ServerProcess, cluster: string, host: string): Promise<Array<number | null>> {
  const body = JSON.stringify({ cluster, from: TS, to: TS + 10, queries: [{ metric: 'cpu_load', host }] });
  const res = await send(server.port, { method: 'GET', path: '/api/query?version=v2', body });
  expect(res.status).toBe(200);
  return (JSON.parse(res.body) as { results: Array<Array<{ data?: Array<number | null> }>> }).results[0]?.[0]?.data ?? [];
}

/** Starts the store, publishes one sample on each subscription (from here, over TCP) and queries both back. */
async function roundTrip(runtime: Runtime, address: string, tls: Record<string, string>, env?: Record<string, string>, target = nats): Promise<void> {
  const { core, js, config } = storeConfig(address, tls, target);
  const server = await startServer(cliCommand(runtime), config, [], undefined, env);
  const pub =
    target === nats
      ? await publisher(nats.tlsUrl, nats.user, nats.password, { ca: readFileSync(certs.caFile, 'utf8') })
      : await publisher(plain.tcpUrl, plain.user, plain.password);
  try {
    await until('connected and consuming', async () => {
      const n = await debugNats(server);
      return n.connected && n.subscriptions[1]!.jetstream!.consuming;
    });
    pub.publish(core, `cpu_load,hostname=c1 value=1.5 ${TS}`);
    await jetstream(pub).publish(js, `cpu_load,hostname=j1 value=2.5 ${TS}`);
    await until('both stored', async () => (await valueOf(server, 'core', 'c1')).includes(1.5) && (await valueOf(server, 'js', 'j1')).includes(2.5));
    await until('acknowledged', async () => (await debugNats(server)).subscriptions[1]!.jetstream!.acks === 1);
  } finally {
    await pub.close();
    expect(await server.stop()).toBe(0);
  }
}

describe.each(RUNTIMES)('on %s', (runtime) => {
  it.each([
    ['nats://', () => plain.tcpUrl],
    ['ws://', () => plain.wsUrl],
  ])('stores core NATS and JetStream messages over %s', async (_scheme, url) => {
    await roundTrip(runtime, url(), {}, undefined, plain);
  });

  it.each([
    ['tls://', () => nats.tlsUrl],
    ['wss://', () => nats.wssUrl],
  ])('stores core NATS and JetStream messages over %s with nats.tls-ca-file', async (_scheme, url) => {
    await roundTrip(runtime, url(), { 'tls-ca-file': certs.caFile });
  });

  it('trusts the CA of NODE_EXTRA_CA_CERTS over tls:// and wss://', async () => {
    await roundTrip(runtime, nats.tlsUrl, {}, { NODE_EXTRA_CA_CERTS: certs.caFile });
    await roundTrip(runtime, nats.wssUrl, {}, { NODE_EXTRA_CA_CERTS: certs.caFile });
  });

  it.each([
    ['tls://', () => nats.tlsUrl],
    ['wss://', () => nats.wssUrl],
  ])('logs a wrong nats.tls-ca-file over %s as an error and serves HTTP meanwhile', async (_scheme, url) => {
    const { config } = storeConfig(url(), { 'tls-ca-file': certs.otherCaFile });
    const server = await startServer(cliCommand(runtime), config);
    try {
      await until('the error', async () => server.stderr().includes('nats.tls-ca-file'));
      expect(server.stderr()).toMatch(/\[ERROR\].*NATS: cannot connect to (tls|wss):\/\/127\.0\.0\.1:\d+: .*\(the server's certificate is not signed by the CA in nats\.tls-ca-file/);
      const n = await debugNats(server);
      expect(n.connected).toBe(false);
      expect(n.lastError).not.toBeNull();
      expect((await send(server.port, { method: 'GET', path: '/healthz' })).status).toBe(200);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});
