// JetStream through the real CLI and a real nats-server with JetStream on:
// publish and query back; kill -9 the store while publishing goes on and start
// it again: every sample is there, once (on Node, Bun and Deno, over nats://
// and ws://); stop nats-server and start it on the same store directory:
// nothing lost; two durables: both stores answer the same; two stores with
// filter subjects (deploy/scaling-out: subclusters, and partition()): each
// holds its hosts and together all; a stream missing at start-up: exit 1,
// naming it and what to run.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNatsServer, type NatsServer } from '../nats/helpers/nats-server.ts';
import { publisher } from '../nats/helpers/publisher.ts';
import { send } from './support/raw-http.ts';
import { ROOT, RUNTIMES, cliCommand, type Runtime } from './support/runtimes.ts';
import { run, startServer, writeTempConfig, type ServerProcess } from './support/server-process.ts';

const HOSTS = ['h0', 'h1', 'h2', 'h3'];
/** Ten seconds apart, an hour ago: well inside the ingest window. */
const TS0 = Math.floor(Date.now() / 1000 / 10) * 10 - 3600;
const ts = (k: number) => TS0 + 10 * k;

let nats: NatsServer;
beforeAll(async () => {
  nats = await startNatsServer({ jetstream: true, extraConfig: mappingsOf(readFileSync(join(ROOT, 'deploy/scaling-out/nats-server.conf'), 'utf8')) });
});
afterAll(() => nats?.stop());

let streams = 0;
function stream(): { name: string; subject: string } {
  streams++;
  return { name: `E${streams}`, subject: `e${streams}` };
}

type Entry = Record<string, unknown>;

function storeConfig(address: string, entries: Entry[], fsync = false) {
  return {
    main: { addr: '127.0.0.1:0' },
    nats: { address, username: nats.user, password: nats.password },
    metrics: { cpu_load: { frequency: 10, aggregation: 'avg' } },
    'metric-store': {
      checkpoints: { 'file-format': 'wal', directory: './var/checkpoints', fsync },
      'retention-in-memory': '48h',
      'memory-cap': 0,
      'nats-subscriptions': entries,
    },
  };
}

/** What the test publishes with: PubAck awaited, so a message counts as published once the stream has it. */
async function jsPublisher(address: string): Promise<{ nc: NatsConnection; js: JetStreamClient }> {
  const nc = await publisher(address, nats.user, nats.password);
  return { nc, js: jetstream(nc) };
}

/** Message k: one sample of each host at ts(k) with value k. */
function message(k: number, hosts = HOSTS): string {
  return hosts.map((h) => `cpu_load,hostname=${h} value=${k} ${ts(k)}`).join('\n');
}

/** The values each host holds between ts(0) and ts(count - 1), nulls left out, in time order. */
async function valuesOf(server: ServerProcess, count: number, hosts = HOSTS, cluster = 'fritz'): Promise<number[][]> {
  const body = JSON.stringify({ cluster, from: ts(0), to: ts(count), queries: hosts.map((host) => ({ metric: 'cpu_load', host })) });
  const res = await send(server.port, { method: 'GET', path: '/api/query?version=v2', body });
  if (res.status !== 200) throw new Error(`query answered ${res.status}: ${res.body}`);
  const answer = JSON.parse(res.body) as { results: Array<Array<{ data?: Array<number | null> }>> };
  return answer.results.map((r) => (r[0]?.data ?? []).filter((v): v is number => v !== null));
}

const upTo = (count: number) => Array.from({ length: count }, (_, k) => k);

/** Waits until every host answers exactly 0 .. count-1; returns what the last query saw. */
async function waitForAll(server: ServerProcess, count: number, hosts = HOSTS, timeoutMs = 60_000): Promise<number[][]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const values = await valuesOf(server, count, hosts);
    if (values.every((v) => v.length >= count) || Date.now() > deadline) return values;
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function jetstreamCounters(server: ServerProcess, i = 0) {
  const debug = JSON.parse((await send(server.port, { method: 'GET', path: '/api/debug' })).body);
  return debug.service.nats.subscriptions[i].jetstream as { acks: number; pending: number; redeliveries: number; consuming: boolean; unacknowledged: number };
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.each([
  ['node', 'nats://', true],
  ['bun', 'ws://', false],
  ['deno', 'nats://', false],
] as Array<[Runtime, string, boolean]>)('on %s over %s', (runtime, scheme, fsync) => {
  it(`stores what is published, and after kill -9 while publishing goes on has every sample once (fsync ${fsync ? 'on' : 'off'})`, async () => {
    const address = scheme === 'ws://' ? nats.wsUrl : nats.tcpUrl;
    const { name, subject } = stream();
    // A short ack-wait: what the killed store held unacknowledged comes again soon.
    const entry = { 'subscribe-to': subject, 'cluster-tag': 'fritz', stream: name, durable: 'store', 'ack-wait': '2s', 'create-stream': { subjects: [subject] } };
    const config = storeConfig(address, [entry], fsync);
    let server = await startServer(cliCommand(runtime), config);
    const pub = await jsPublisher(address);
    const total = 90;
    try {
      // The service creates the stream in the background.
      await until('consuming', async () => (await jetstreamCounters(server)).consuming);
      let published = 0;
      const publishing = (async () => {
        for (; published < total; published++) {
          await pub.js.publish(subject, message(published));
          await new Promise((r) => setTimeout(r, 10));
        }
      })();
      await until('some acknowledged', async () => (await jetstreamCounters(server)).acks >= 15);
      expect(await server.stop('SIGKILL')).toBe(null);
      const atKill = published;
      // Publishing goes on while the store is down.
      await until('published while down', () => published >= Math.min(total, atKill + 30));
      server = await startServer(cliCommand(runtime), config, [], server.dir);
      await publishing;
      const values = await waitForAll(server, total);
      // Every sample, none doubled, each at its own time.
      for (const v of values) expect(v).toEqual(upTo(total));
      await until('nothing pending', async () => {
        const c = await jetstreamCounters(server);
        return c.pending === 0 && c.unacknowledged === 0;
      });
      expect(server.stderr()).toMatch(/NATS JetStream: stream "E\d+" consumer "store": \d+ messages waiting in the stream; catching up/);
      const metrics = (await send(server.port, { method: 'GET', path: '/metrics' })).body;
      expect(metrics).toMatch(new RegExp(`cc_metric_store_nats_jetstream_acks_total\\{stream="${name}",consumer="store"\\} [1-9]`));
    } finally {
      await pub.nc.close();
      expect(await server.stop('SIGTERM')).toBe(0);
    }
  });
});

it.each(RUNTIMES)('on %s exits 1 at start-up when the stream is missing, naming it, the entry and the command to run', async (runtime) => {
  const { name, subject } = stream();
  const { dir, path } = writeTempConfig(storeConfig(nats.tcpUrl, [{ 'subscribe-to': subject, 'cluster-tag': 'fritz', stream: name, durable: 'store' }]));
  const { code, stderr } = await run(cliCommand(runtime), ['-config', path], dir);
  expect(code).toBe(1);
  expect(stderr).toMatch(
    new RegExp(
      `\\[CRITICAL\\].*starting NATS subscriptions: NATS JetStream on 127\\.0\\.0\\.1:\\d+: metric-store\\.nats-subscriptions\\[0\\]: ` +
        `stream "${name}" \\(metric-store\\.nats-subscriptions\\[0\\]\\.stream\\) does not exist on the NATS server: ` +
        `create it, e\\.g\\. \`nats stream add ${name} --subjects "${subject}" --storage file --max-age 48h --defaults\`, or give the entry "create-stream"`,
    ),
  );
  // It did not get as far as serving.
  expect(stderr).not.toContain('listening at');
});

describe.each(['node', 'bun', 'deno'] as Runtime[])('on %s', (runtime) => {
  const cli = cliCommand(runtime);

  it('loses nothing when nats-server stops and starts again on the same store directory', async () => {
    const { name, subject } = stream();
    const server = await startServer(cli, storeConfig(nats.tcpUrl, [{ 'subscribe-to': subject, 'cluster-tag': 'fritz', stream: name, durable: 'store', 'create-stream': { subjects: [subject] } }]));
    try {
      await until('consuming', async () => (await jetstreamCounters(server)).consuming);
      let pub = await jsPublisher(nats.tcpUrl);
      for (let k = 0; k < 40; k++) await pub.js.publish(subject, message(k));
      await pub.nc.close();
      // Stopped at once: the store may not have had all 40 yet; the stream on disk has.
      await nats.shutdown();
      await nats.restart();
      pub = await jsPublisher(nats.tcpUrl);
      for (let k = 40; k < 80; k++) await pub.js.publish(subject, message(k));
      await pub.nc.close();
      const values = await waitForAll(server, 80);
      for (const v of values) expect(v).toEqual(upTo(80));
      expect(server.stderr()).toMatch(/NATS: reconnected to/);
    } finally {
      expect(await server.stop('SIGTERM')).toBe(0);
    }
  });

  it('gives two stores with their own durables the same data (an active/active pair), over ws://', async () => {
    const { name, subject } = stream();
    const entry = (durable: string) => ({ 'subscribe-to': subject, 'cluster-tag': 'fritz', stream: name, durable, 'create-stream': { subjects: [subject] } });
    const a = await startServer(cli, storeConfig(nats.wsUrl, [entry('store-a')]));
    const b = await startServer(cliCommand('bun'), storeConfig(nats.wsUrl, [entry('store-b')]));
    const pub = await jsPublisher(nats.wsUrl);
    try {
      await until('both consuming', async () => (await jetstreamCounters(a)).consuming && (await jetstreamCounters(b)).consuming);
      for (let k = 0; k < 30; k++) await pub.js.publish(subject, message(k));
      const [fromA, fromB] = await Promise.all([waitForAll(a, 30), waitForAll(b, 30)]);
      for (const v of fromA) expect(v).toEqual(upTo(30));
      expect(fromB).toEqual(fromA);
    } finally {
      await pub.nc.close();
      expect(await a.stop('SIGTERM')).toBe(0);
      expect(await b.stop('SIGTERM')).toBe(0);
    }
  });
});

describe('stores with filter subjects on the stream of deploy/scaling-out', () => {
  const deployed = (file: string) => JSON.parse(readFileSync(join(ROOT, 'deploy/scaling-out', file), 'utf8'));
  const main = ['f0101', 'f0102', 'f0103', 'f0104', 'f0105', 'f0106'];
  const spr1tb = ['s0001', 's0002', 's0003', 's0004', 's0005', 's0006'];

  /** A deploy/ store config, pointed at the test's nats-server and listening on a free port. */
  function fromDeploy(file: string, change: (entry: Entry) => void = () => {}) {
    const config = deployed(file);
    config.main = { addr: '127.0.0.1:0' };
    config.nats = { address: nats.tcpUrl, username: nats.user, password: nats.password };
    config['metric-store'].checkpoints.directory = './var/checkpoints';
    config['metric-store'].checkpoints.fsync = false;
    config['metric-store'].cleanup = { mode: 'delete' };
    config['metric-store']['memory-cap'] = 0;
    config.metrics = { cpu_load: { frequency: 10, aggregation: 'avg' } };
    change(config['metric-store']['nats-subscriptions'][0]);
    return config;
  }

  async function publishHosts(count: number): Promise<void> {
    const pub = await jsPublisher(nats.tcpUrl);
    try {
      // As the collectors do: hpc.<cluster>.<subcluster>.<hostname>, mapped by nats-server (partition).
      for (let k = 0; k < count; k++) {
        for (const h of main) await pub.js.publish(`hpc.fritz.main.${h}`, message(k, [h]));
        for (const h of spr1tb) await pub.js.publish(`hpc.fritz.spr1tb.${h}`, message(k, [h]));
      }
    } finally {
      await pub.nc.close();
    }
  }

  it('split by subcluster, each store holds its own hosts and together all, on deno and node', async () => {
    const a = await startServer(cliCommand('deno'), fromDeploy('store-fritz-main.json'));
    const b = await startServer(cli(), fromDeploy('store-fritz-spr1tb.json'));
    try {
      await until('both consuming', async () => (await jetstreamCounters(a)).consuming && (await jetstreamCounters(b)).consuming);
      await publishHosts(5);
      for (const v of await waitForAll(a, 5, main)) expect(v).toEqual(upTo(5));
      for (const v of await waitForAll(b, 5, spr1tb)) expect(v).toEqual(upTo(5));
      // And nothing of the other's.
      expect(await valuesOf(a, 5, spr1tb)).toEqual(spr1tb.map(() => []));
      expect(await valuesOf(b, 5, main)).toEqual(main.map(() => []));
    } finally {
      expect(await a.stop('SIGTERM')).toBe(0);
      expect(await b.stop('SIGTERM')).toBe(0);
    }
  });

  it("split by nats-server's partition() of the host name, the two stores share every host between them", async () => {
    const all = [...main, ...spr1tb];
    const partition = (p: number) => (entry: Entry) => {
      entry['subscribe-to'] = `hpc.fritz.*.*.${p}`;
      entry.durable = `partition-${p}`;
    };
    const a = await startServer(cli(), fromDeploy('store-fritz-main.json', partition(0)));
    const b = await startServer(cli(), fromDeploy('store-fritz-main.json', partition(1)));
    try {
      await until('both consuming', async () => (await jetstreamCounters(a)).consuming && (await jetstreamCounters(b)).consuming);
      // The stream of the test before holds these subjects too: the new consumers start at its first message.
      await publishHosts(5);
      await until('all delivered', async () => {
        const [ca, cb] = [await jetstreamCounters(a), await jetstreamCounters(b)];
        return ca.pending + ca.unacknowledged + cb.pending + cb.unacknowledged === 0 && ca.acks + cb.acks >= all.length * 5;
      });
      const [inA, inB] = [await valuesOf(a, 5, all), await valuesOf(b, 5, all)];
      const held = (values: number[][]) => all.filter((_, i) => values[i]!.length > 0);
      // Each host in exactly one store, with all its samples; both stores hold some.
      expect(held(inA).length).toBeGreaterThan(0);
      expect(held(inB).length).toBeGreaterThan(0);
      expect([...held(inA), ...held(inB)].sort()).toEqual([...all].sort());
      all.forEach((_, i) => expect([...inA[i]!, ...inB[i]!]).toEqual(upTo(5)));
    } finally {
      expect(await a.stop('SIGTERM')).toBe(0);
      expect(await b.stop('SIGTERM')).toBe(0);
    }
  });

  function cli(): string[] {
    return cliCommand('node');
  }
});

/** The mappings block of a nats-server config file. */
function mappingsOf(conf: string): string {
  const block = /^mappings \{[\s\S]*?^\}/m.exec(conf);
  if (!block) throw new Error('deploy/scaling-out/nats-server.conf has no mappings block');
  return block[0];
}
