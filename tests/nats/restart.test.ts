// nats-server killed and restarted in the middle of a stream: the ingest
// reconnects on its own and loses only what was published while the server
// was down (or before both ends were back); nothing is duplicated or reordered,
// and what it had received before the crash is still stored.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startNatsIngest } from '../../src/nats/index.ts';
import { Cleanup, fakeIngest, recordingLogger, waitFor } from './helpers/fake-ingest.ts';
import { natsConfig } from './helpers/nats-config.ts';
import { startNatsServer, type NatsServer } from './helpers/nats-server.ts';
import { publisher } from './helpers/publisher.ts';

let server: NatsServer;

beforeAll(async () => {
  server = await startNatsServer();
});

afterAll(async () => {
  await server?.stop();
});

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each([
  ['ws://', () => server.wsUrl],
  ['nats://', () => server.tcpUrl],
])('over %s', (_scheme, url) => {
  it('reconnects after nats-server is killed and restarted mid-stream', async () => {
    const fake = fakeIngest();
    fake.delayMs = 1; // a backlog is queued when the connection drops; it must still be stored
    const log = recordingLogger();
    const nats = cleanup.add((await startNatsIngest({
      ...natsConfig({
        nats: { address: url(), username: server.user, password: server.password },
        'nats-subscriptions': [{ 'subscribe-to': 'stream', 'cluster-tag': 'fritz' }],
      }),
      openBatch: fake.openBatch,
      log,
      tuning: { reconnectInitialMs: 50, reconnectMaxMs: 200 },
    }))!);
    await waitFor('connection', () => nats.counters().connected);
    const reconnectsBefore = nats.counters().reconnects;

    const pub = cleanup.add(await publisher(url(), server.user, server.password, { reconnectTimeWait: 50 }));
    const confirmedAt: number[] = []; // seq -> when a flush after it came back
    let seq = 0;
    let publishing = true;
    const stream = (async () => {
      while (publishing && !pub.isClosed()) {
        pub.publish('stream', `cpu_load,hostname=h value=${seq} ${1700000000 + seq}`);
        seq++;
        if (seq % 10 === 0) {
          const upTo = seq;
          pub.flush().then(
            () => {
              for (let i = confirmedAt.length; i < upTo; i++) confirmedAt[i] = Date.now();
            },
            () => {},
          );
        }
        await sleep(3);
      }
    })();

    // Some of the stream confirmed by the server, and given time to reach the subscriber (on a
    // loaded machine flushes come back late: counting published messages alone left none
    // confirmed 50 ms before the kill).
    await waitFor('30 messages confirmed', () => confirmedAt.length >= 30);
    await sleep(100);
    const killedAt = Date.now();
    const receivedBeforeKill = nats.counters().messages;
    await server.kill();
    await waitFor('disconnect noticed', () => !nats.counters().connected);
    await sleep(300);
    await server.restart();
    await waitFor('ingest reconnected', () => nats.counters().connected, 15_000);
    // The publisher is back once a flush comes through (over WebSocket the first ones may be cut off).
    await waitForFlush(pub);
    const upSeq = seq;
    await waitFor('40 more published', () => seq >= upSeq + 40);
    publishing = false;
    await stream;
    await pub.flush();
    const last = seq - 1;
    await waitFor('last message stored', () => fake.stored.at(-1)?.line.includes(`value=${last} `) ?? false);
    await pub.close();
    await nats.stop();

    const stored = fake.stored.map((s) => Number(/value=(\d+)/.exec(s.line)![1]));
    // In order, each at most once.
    for (let i = 1; i < stored.length; i++) expect(stored[i]).toBeGreaterThan(stored[i - 1]!);
    // What was confirmed well before the crash, and what was received before it, is stored.
    const confirmedBeforeKill = confirmedAt.filter((t) => t <= killedAt - 50).length;
    expect(confirmedBeforeKill).toBeGreaterThan(20);
    expect(stored.length).toBeGreaterThanOrEqual(receivedBeforeKill);
    for (let i = 0; i < confirmedBeforeKill; i++) expect(stored).toContain(i);
    // Everything published once both ends were back is stored.
    for (let i = upSeq; i <= last; i++) expect(stored).toContain(i);
    // Whatever is missing was published between the crash and the reconnection.
    const storedSet = new Set(stored);
    const lost = Array.from({ length: last + 1 }, (_, i) => i).filter((i) => !storedSet.has(i));
    for (const i of lost) {
      expect(i).toBeGreaterThanOrEqual(confirmedBeforeKill);
      expect(i).toBeLessThan(upSeq);
    }

    const c = nats.counters();
    expect(c.reconnects).toBe(reconnectsBefore + 1);
    expect(c.messagesDropped).toBe(0);
    expect(log.text()).toMatch(/warn: NATS: disconnected from 127\.0\.0\.1:\d+; reconnecting/);
    expect(log.text()).toMatch(/info: NATS: reconnected to 127\.0\.0\.1:\d+/);
  });
});

async function waitForFlush(connection: { flush(): Promise<void> }): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      return await connection.flush();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(20);
    }
  }
}

describe('credentials rejected after a restart', () => {
  it('reports the authorization failure, keeps trying, and recovers once the server takes the password again', async () => {
    const fake = fakeIngest();
    const log = recordingLogger();
    const nats = cleanup.add((await startNatsIngest({
      ...natsConfig({
        nats: { address: server.tcpUrl, username: server.user, password: server.password },
        'nats-subscriptions': [{ 'subscribe-to': 'auth.change', 'cluster-tag': 'fritz' }],
      }),
      openBatch: fake.openBatch,
      log,
      tuning: { reconnectInitialMs: 50, reconnectMaxMs: 200 },
    }))!);
    await waitFor('connection', () => nats.counters().connected);
    const reconnectsBefore = nats.counters().reconnects;

    await server.kill();
    await server.restart({ password: 'changed-on-the-server' });
    await waitFor('authorization failure', () => nats.counters().authorizationFailed, 15_000);
    await sleep(600); // several attempts: the client gives up on the connection, the ingest starts a new one
    expect(nats.counters()).toMatchObject({ connected: false, lastError: 'authorization failed: Authorization Violation' });
    expect(log.text()).toContain(
      'error: NATS: authorization failed: Authorization Violation (check nats.username / nats.password',
    );
    // The client gave that connection up; the ingest keeps trying with new ones, quietly.
    expect(log.text()).toMatch(/debug: NATS: connecting to nats:\/\/\S+ failed again: authorization failed/);

    await server.kill();
    await server.restart();
    await waitFor('connection again', () => nats.counters().connected, 15_000);
    const pub = cleanup.add(await publisher(server.tcpUrl, server.user, server.password));
    pub.publish('auth.change', 'cpu_load,hostname=a value=1');
    await pub.flush();
    await waitFor('stored line', () => fake.stored.length === 1);
    expect(nats.counters()).toMatchObject({ authorizationFailed: false, lastError: null, reconnects: reconnectsBefore + 1 });
  });
});
