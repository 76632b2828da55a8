// NATS ingestion against a real nats-server, over ws:// and nats://.

import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startNatsIngest, type NatsIngest, type NatsIngestConfig, type NatsTuning } from '../../src/nats/index.ts';
import { Cleanup, fakeIngest, recordingLogger, waitFor, type FakeIngest, type RecordedLog } from './helpers/fake-ingest.ts';
import { startNatsServer, type NatsServer } from './helpers/nats-server.ts';
import { publisher } from './helpers/publisher.ts';

const FAST: NatsTuning = { reconnectInitialMs: 50, reconnectMaxMs: 200 };

let server: NatsServer;

beforeAll(async () => {
  server = await startNatsServer();
});

afterAll(async () => {
  await server?.stop();
});

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

function configFor(address: string, subscriptions: Array<[string, string]>, password = server.password): NatsIngestConfig {
  return {
    nats: { address, username: server.user, password },
    'metric-store': {
      'nats-subscriptions': subscriptions.map(([subject, tag]) => ({ 'subscribe-to': subject, 'cluster-tag': tag })),
    },
  };
}

async function start(
  address: string,
  subscriptions: Array<[string, string]>,
  tuning: NatsTuning = FAST,
): Promise<{ nats: NatsIngest; fake: FakeIngest; log: RecordedLog }> {
  const fake = fakeIngest();
  const log = recordingLogger();
  const nats = await startNatsIngest({ config: configFor(address, subscriptions), ingest: fake.ingest, log, tuning });
  expect(nats).not.toBeNull();
  cleanup.add(nats!);
  await waitFor('connection', () => nats.counters().connected);
  return { nats: nats!, fake, log };
}

describe.each([
  ['ws://', () => server.wsUrl],
  ['nats://', () => server.tcpUrl],
])('over %s', (_scheme, url) => {
  it('ingests every message of both subscriptions with their cluster tags, in order', async () => {
    // As in the reference config: two subscriptions to one subject with different cluster tags.
    const { nats, fake } = await start(url(), [
      ['hpc-nats', 'fritz'],
      ['hpc-nats', 'alex'],
    ]);
    const pub = cleanup.add(await publisher(url(), server.user, server.password));
    for (let i = 0; i < 20; i++) pub.publish('hpc-nats', `cpu_load,hostname=h${i} value=${i} 1700000000\n`);
    pub.publish('hpc-nats', 'flops_any,cluster=other,hostname=x value=1 1700000000');
    await pub.flush();
    await waitFor('42 stored lines', () => fake.stored.length === 42);
    await pub.close();

    for (const tag of ['fritz', 'alex']) {
      const mine = fake.stored.filter((s) => s.cluster === tag).map((s) => s.line);
      expect(mine).toHaveLength(21);
      expect(mine.slice(0, 20)).toEqual(
        Array.from({ length: 20 }, (_, i) => `cpu_load,hostname=h${i} value=${i} 1700000000`),
      );
    }
    const c = nats.counters();
    expect(c).toMatchObject({ connected: true, messages: 42, linesAccepted: 42, linesRejected: 0, badMessages: 0 });
    expect(c.subscriptions.map((s) => [s.subject, s.clusterTag, s.messages])).toEqual([
      ['hpc-nats', 'fritz', 21],
      ['hpc-nats', 'alex', 21],
    ]);
    await nats.stop();
    expect(nats.counters().connected).toBe(false);
  });

  it('gives each subscription only its own subject', async () => {
    const { nats, fake } = await start(url(), [
      ['site.a', 'fritz'],
      ['site.b', 'alex'],
    ]);
    const pub = cleanup.add(await publisher(url(), server.user, server.password));
    pub.publish('site.a', 'cpu_load,hostname=a value=1');
    pub.publish('site.b', 'cpu_load,hostname=b value=2');
    pub.publish('site.c', 'cpu_load,hostname=c value=3');
    await pub.flush();
    await waitFor('2 stored lines', () => fake.stored.length === 2);
    await pub.close();
    await nats.stop();
    expect(fake.stored).toEqual([
      { cluster: 'fritz', line: 'cpu_load,hostname=a value=1' },
      { cluster: 'alex', line: 'cpu_load,hostname=b value=2' },
    ]);
  });

  it('logs a malformed line with subject and line number, skips only that line, and keeps the subscription', async () => {
    const { nats, fake, log } = await start(url(), [['bad.lines', 'fritz']]);
    const pub = cleanup.add(await publisher(url(), server.user, server.password));
    pub.publish('bad.lines', 'cpu_load,hostname=a value=1\ncpu_load,hostname=a value="text"\ncpu_load,hostname=b value=2\n');
    pub.publish('bad.lines', 'cpu_load,hostname=c value=3');
    await pub.flush();
    await waitFor('3 stored lines', () => fake.stored.length === 3);
    await pub.close();
    await nats.stop();

    expect(fake.stored.map((s) => s.line)).toEqual([
      'cpu_load,hostname=a value=1',
      'cpu_load,hostname=b value=2',
      'cpu_load,hostname=c value=3',
    ]);
    const warning = log.lines.find((l) => l.level === 'warn' && l.message.includes('malformed'));
    expect(warning?.message).toContain('subject "bad.lines"');
    expect(warning?.message).toContain('line 2: invalid field format [cpu_load,hostname=a value="text"]');
    expect(nats.counters()).toMatchObject({ messages: 2, linesAccepted: 3, linesRejected: 1, badMessages: 1 });
  });

  it('drains on stop: every message delivered before stop() is ingested when it resolves', async () => {
    const { nats, fake } = await start(url(), [['drain.me', 'fritz']]);
    fake.delayMs = 2; // the store is slower than the network, so messages are still queued at stop()
    const pub = cleanup.add(await publisher(url(), server.user, server.password));
    for (let i = 0; i < 200; i++) pub.publish('drain.me', `cpu_load,hostname=h value=${i} ${1700000000 + i}`);
    await pub.flush();
    await waitFor('first message', () => fake.calls > 0);
    await nats.stop();
    expect(fake.stored).toHaveLength(200);
    expect(fake.stored.at(-1)!.line).toBe('cpu_load,hostname=h value=199 1700000199');
    expect(nats.counters().subscriptions[0]!.queuedMessages).toBe(0);
    // Stopped means unsubscribed: later messages are not received.
    pub.publish('drain.me', 'cpu_load,hostname=h value=1000');
    await pub.flush();
    await pub.close();
    expect(nats.counters().messages).toBe(200);
  });
});

describe('authentication and availability', () => {
  it('reports a wrong password as an authorization error, and does not throw', async () => {
    const fake = fakeIngest();
    const log = recordingLogger();
    const nats = cleanup.add(await startNatsIngest({
      config: configFor(server.tcpUrl, [['hpc-nats', 'fritz']], 'wrong-password'),
      ingest: fake.ingest,
      log,
      tuning: FAST,
    }))!;
    await waitFor('authorization failure', () => nats.counters().authorizationFailed);
    const c = nats.counters();
    expect(c.connected).toBe(false);
    expect(c.lastError).toBe('authorization failed: Authorization Violation');
    const error = log.lines.find((l) => l.level === 'error');
    expect(error?.message).toContain(`NATS: cannot connect to ${server.tcpUrl}: authorization failed: Authorization Violation`);
    expect(error?.message).toContain('check nats.username / nats.password');
    await nats.stop();
  });

  it('keeps retrying when no server is up at start, and connects once one is', async () => {
    const port = await freePort();
    const fake = fakeIngest();
    const log = recordingLogger();
    const nats = cleanup.add(await startNatsIngest({
      config: {
        nats: { address: `nats://127.0.0.1:${port}`, username: 'late', password: 'late-pw' },
        'metric-store': { 'nats-subscriptions': [{ 'subscribe-to': 'late.subject', 'cluster-tag': 'fritz' }] },
      },
      ingest: fake.ingest,
      log,
      tuning: FAST,
    }))!;
    await new Promise((r) => setTimeout(r, 300));
    expect(nats.counters()).toMatchObject({ connected: false, lastError: expect.stringContaining('ECONNREFUSED') });
    expect(log.text()).toContain(`warn: NATS: cannot connect to nats://127.0.0.1:${port}`);

    const late = cleanup.add(await startNatsServer({ user: 'late', password: 'late-pw', tcpPort: port }));
    await waitFor('connection', () => nats.counters().connected);
    const pub = cleanup.add(await publisher(late.tcpUrl, 'late', 'late-pw'));
    pub.publish('late.subject', 'cpu_load,hostname=a value=1');
    await pub.flush();
    await waitFor('stored line', () => fake.stored.length === 1);
    expect(nats.counters().lastError).toBeNull();
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
