// NATS ingestion against a real nats-server, over ws:// and nats://.

import { createServer, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openConnection } from '../../src/nats/connect.ts';
import { startNatsIngest, type NatsIngest, type NatsIngestOptions, type NatsTuning } from '../../src/nats/index.ts';
import { Cleanup, fakeIngest, recordingLogger, waitFor, type FakeIngest, type RecordedLog } from './helpers/fake-ingest.ts';
import { natsConfig } from './helpers/nats-config.ts';
import { startNatsServer, type NatsServer } from './helpers/nats-server.ts';
import { publisher } from './helpers/publisher.ts';
import { freePort } from './helpers/free-port.ts';

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

function configFor(address: string, subscriptions: Array<[string, string]>, password = server.password): Pick<NatsIngestOptions, 'nats' | 'subscriptions'> {
  return natsConfig({
    nats: { address, username: server.user, password },
    'nats-subscriptions': subscriptions.map(([subject, tag]) => ({ 'subscribe-to': subject, 'cluster-tag': tag })),
  });
}

async function start(
  address: string,
  subscriptions: Array<[string, string]>,
  tuning: NatsTuning = FAST,
): Promise<{ nats: NatsIngest; fake: FakeIngest; log: RecordedLog }> {
  const fake = fakeIngest();
  const log = recordingLogger();
  const started = await startNatsIngest({ ...configFor(address, subscriptions), openBatch: fake.openBatch, log, tuning });
  if (!started) throw new Error('NATS should be on');
  const nats = cleanup.add(started);
  await waitFor('connection', () => nats.counters().connected);
  return { nats, fake, log };
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

describe('when the store falls behind or fails', () => {
  it('bounds what waits for the store, and counts and logs every message it has to drop', async () => {
    const { nats, fake, log } = await start(server.tcpUrl, [['burst', 'fritz']], { ...FAST, maxQueuedBytes: 1000 });
    fake.delayMs = 20;
    const pub = cleanup.add(await publisher(server.tcpUrl, server.user, server.password));
    const line = (i: number) => {
      const text = `cpu_load,hostname=h value=${i} ${1700000000 + i}`;
      return text.replace('hostname=h', 'hostname=' + 'h'.repeat(99 - text.length + 1)); // 99 bytes each
    };
    for (let i = 0; i < 100; i++) pub.publish('burst', line(i));
    await pub.flush();
    await waitFor('100 messages received', () => nats.counters().messages === 100);
    await nats.stop();

    const c = nats.counters();
    expect(c.messagesDropped).toBeGreaterThan(50);
    // Nothing vanishes unaccounted: every message is either stored or counted as dropped.
    expect(fake.stored.length + c.messagesDropped).toBe(100);
    expect(c.linesAccepted).toBe(fake.stored.length);
    // What is kept stays in order.
    const values = fake.stored.map((s) => Number(/value=(\d+)/.exec(s.line)![1]));
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(log.text()).toMatch(/warn: NATS: dropped a message of 99 bytes from "burst" \(cluster-tag "fritz"\): \d+ messages \(\d+ bytes\) are still waiting for the store/);
  });

  it('stops within its bound even when the store hangs, and says what was left unstored', async () => {
    const { nats, fake, log } = await start(server.tcpUrl, [['hang', 'fritz']], { ...FAST, stopTimeoutMs: 200 });
    fake.delayMs = 60_000; // a disk that does not answer
    const pub = cleanup.add(await publisher(server.tcpUrl, server.user, server.password));
    for (let i = 0; i < 3; i++) pub.publish('hang', `cpu_load,hostname=h value=${i}`);
    await pub.flush();
    await waitFor('3 messages received', () => nats.counters().messages === 3);
    const started = Date.now();
    await nats.stop();
    expect(Date.now() - started).toBeLessThan(5_000);
    // Those in the hung WAL append and those waiting behind it.
    expect(log.text()).toContain('error: NATS: stopped with 3 received messages not yet stored');
  });

  it('logs a failed ingest (WAL I/O) and goes on with the next message', async () => {
    const { nats, fake, log } = await start(server.tcpUrl, [['io', 'fritz']]);
    const pub = cleanup.add(await publisher(server.tcpUrl, server.user, server.password));
    fake.failWith = new Error('EIO: i/o error, write');
    pub.publish('io', 'cpu_load,hostname=a value=1');
    await pub.flush();
    await waitFor('failure counted', () => nats.counters().ingestFailures === 1);
    fake.failWith = null;
    pub.publish('io', 'cpu_load,hostname=b value=2');
    await pub.flush();
    await waitFor('next message stored', () => fake.stored.length === 1);
    expect(fake.stored[0]!.line).toBe('cpu_load,hostname=b value=2');
    expect(log.text()).toContain('error: NATS: storing a message from subject "io" failed: EIO: i/o error, write');
    expect(nats.counters()).toMatchObject({ messages: 2, ingestFailures: 1, linesAccepted: 1 });
  });
});

describe('authentication and availability', () => {
  it('reports a wrong password as an authorization error, and does not throw', async () => {
    const fake = fakeIngest();
    const log = recordingLogger();
    const nats = cleanup.add(await startNatsIngest({
      ...configFor(server.tcpUrl, [['hpc-nats', 'fritz']], 'wrong-password'),
      openBatch: fake.openBatch,
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

  it('insists on TLS for a tls:// address', async () => {
    const log = recordingLogger();
    const nats = cleanup.add(await startNatsIngest({
      ...configFor(server.tcpUrl.replace('nats://', 'tls://'), [['tls', 'fritz']]),
      openBatch: fakeIngest().openBatch,
      log,
      tuning: FAST,
    }))!;
    await waitFor('a failed attempt', () => nats.counters().lastError !== null);
    expect(nats.counters()).toMatchObject({ connected: false, lastError: "server does not support 'tls'" });
  });

  it('keeps retrying when no server is up at start, and connects once one is', async () => {
    const port = await freePort();
    const { nats, fake, log } = await startLate(port);
    await new Promise((r) => setTimeout(r, 300));
    expect(nats.counters()).toMatchObject({ connected: false, lastError: expect.stringContaining('ECONNREFUSED') });
    expect(log.text()).toContain(`warn: NATS: cannot connect to nats://127.0.0.1:${port}`);
    await serverComesUp(port, nats, fake);
    expect(nats.counters().lastError).toBeNull();
  });
});

/** NATS ingest for user "late" on a port where no nats-server runs yet. */
async function startLate(port: number, tuning: NatsTuning = FAST): Promise<{ nats: NatsIngest; fake: FakeIngest; log: RecordedLog }> {
  const fake = fakeIngest();
  const log = recordingLogger();
  const nats = cleanup.add((await startNatsIngest({
    ...natsConfig({
      nats: { address: `nats://127.0.0.1:${port}`, username: 'late', password: 'late-pw' },
      'nats-subscriptions': [{ 'subscribe-to': 'late.subject', 'cluster-tag': 'fritz' }],
    }),
    openBatch: fake.openBatch,
    log,
    tuning,
  }))!);
  return { nats, fake, log };
}

/** Starts the nats-server on `port` and checks that the ingest connects and stores what is published. */
async function serverComesUp(port: number, nats: NatsIngest, fake: FakeIngest): Promise<void> {
  const late = cleanup.add(await startNatsServer({ user: 'late', password: 'late-pw', tcpPort: port }));
  await waitFor('connection', () => nats.counters().connected);
  const pub = cleanup.add(await publisher(late.tcpUrl, 'late', 'late-pw'));
  pub.publish('late.subject', 'cpu_load,hostname=a value=1');
  await pub.flush();
  await waitFor('stored line', () => fake.stored.length === 1);
}

describe('a server that takes the connection and never answers', () => {
  it('gives each attempt up after the connect timeout and connects once a real server is there', async () => {
    // A nats-server killed in the middle of a handshake leaves the attempt waiting like this.
    const port = await freePort();
    const held: Socket[] = [];
    const silent = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
    const { nats, fake } = await startLate(port, { ...FAST, connectTimeoutMs: 300 });
    // The client library alone would hold the first attempt for 20 s.
    await waitFor('three attempts', () => held.length >= 3, 5_000);
    expect(nats.counters()).toMatchObject({ connected: false, lastError: expect.stringMatching(/timeout/i) });
    for (const s of held) s.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
    await serverComesUp(port, nats, fake);
  });
});

describe('one process, one transport', () => {
  it('refuses a TCP connection while a WebSocket one is open (the client library would mix them up)', async () => {
    const { nats } = await start(server.wsUrl, [['guard', 'fritz']]);
    const tcp = configFor(server.tcpUrl, [['guard', 'fritz']]).nats!;
    await expect(
      openConnection({ settings: tcp, authenticators: [], reconnectDelay: () => 100, pingIntervalMs: 20_000, connectTimeoutMs: 2_000, name: 'x' }),
    ).rejects.toThrow('a websocket NATS connection is open in this process; a tcp one cannot be opened beside it');
    await nats.stop();
    // Once it is closed, TCP is fine.
    const { nats: overTcp } = await start(server.tcpUrl, [['guard', 'fritz']]);
    await overTcp.stop();
  });
});
