// JetStream subscriptions against a real nats-server with JetStream on, into
// the stand-in write path: acknowledged only after the commit (the WAL),
// handed back and delivered again when the commit fails, poison messages
// acknowledged, flow control bounded by max-ack-pending with nothing dropped,
// a missing stream at start-up a start-up error naming it with what to run
// (and, found after start-up, logged and tried again), a restart that
// continues after the last acknowledgement (and logs its catch-up), over
// nats:// and ws://.

import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JetStreamSetupError, startNatsIngest, type NatsIngest } from '../../src/nats/index.ts';
import type { JetStreamCounters } from '../../src/nats/types.ts';
import { Cleanup, fakeIngest, recordingLogger, waitFor, type FakeIngest, type RecordedLog } from './helpers/fake-ingest.ts';
import { freePort } from './helpers/free-port.ts';
import { FAST_JETSTREAM, natsConfig } from './helpers/nats-config.ts';
import { startNatsServer, type NatsServer } from './helpers/nats-server.ts';
import { publisher } from './helpers/publisher.ts';

const FAST = FAST_JETSTREAM;

let server: NatsServer;
beforeAll(async () => {
  server = await startNatsServer({ jetstream: true });
});
afterAll(() => server?.stop());

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

let streamCount = 0;
/** A stream of its own for each test, so that tests do not see each other's messages. */
function names() {
  streamCount++;
  return { stream: `T${streamCount}`, subject: `t${streamCount}.metrics` };
}

type Entry = Record<string, unknown>;

async function start(url: string, entries: Entry[], fake: FakeIngest = fakeIngest(), log: RecordedLog = recordingLogger()) {
  const config = natsConfig({ nats: { address: url, username: server.user, password: server.password }, 'nats-subscriptions': entries });
  const started = await startNatsIngest({ ...config, openBatch: fake.openBatch, log, tuning: FAST });
  if (!started) throw new Error('NATS should be on');
  const nats = cleanup.add(started);
  await waitFor('connection', () => nats.counters().connected);
  return { nats, fake, log };
}

function js(nats: NatsIngest, i = 0): JetStreamCounters {
  const counters = nats.counters().subscriptions[i]!.jetstream;
  if (!counters) throw new Error('not a JetStream subscription');
  return counters;
}

async function jsPublisher(url: string): Promise<{ nc: NatsConnection; js: JetStreamClient }> {
  const nc = cleanup.add(await publisher(url, server.user, server.password));
  return { nc, js: jetstream(nc) };
}

async function createStream(nc: NatsConnection, stream: string, subject: string): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: stream, subjects: [subject] });
}

async function consumerInfo(nc: NatsConnection, stream: string, durable: string) {
  const jsm = await jetstreamManager(nc);
  return jsm.consumers.info(stream, durable);
}

const line = (i: number) => `cpu_load,hostname=h${i} value=${i} 1700000000`;

describe.each([
  ['nats://', () => server.tcpUrl],
  ['ws://', () => server.wsUrl],
])('over %s', (_scheme, url) => {
  it('creates stream and consumer as the entry says, and acknowledges a message only once its batch is committed', async () => {
    const { stream, subject } = names();
    const fake = fakeIngest();
    fake.delayMs = 400; // a slow WAL
    const { nats, log } = await start(url(), [
      { 'subscribe-to': subject, 'cluster-tag': 'fritz', stream, durable: 'store-a', 'create-stream': { subjects: [subject], 'max-age': '1h' } },
    ], fake);
    await waitFor('consuming', () => js(nats).consuming);
    expect(log.text()).toContain(`created stream "${stream}" (subjects "${subject}", file storage, 1 replica, max-age 3600 s)`);
    expect(log.text()).toContain(`created durable consumer "store-a" on stream "${stream}" (filter "${subject}", starting at the first message in the stream, max-ack-pending 1000)`);

    const pub = await jsPublisher(url());
    await pub.js.publish(subject, line(0));
    await waitFor('the store has it', () => fake.calls === 1);
    // Handed to the store, not yet in the WAL: not acknowledged.
    expect(fake.stored).toHaveLength(0);
    expect((await consumerInfo(pub.nc, stream, 'store-a')).num_ack_pending).toBe(1);
    expect(js(nats).acks).toBe(0);
    await waitFor('committed', () => fake.stored.length === 1);
    await waitFor('acknowledged', () => js(nats).acks === 1);
    fake.delayMs = 0;
    for (let i = 1; i < 3; i++) await pub.js.publish(subject, line(i));
    await waitFor('committed', () => fake.stored.length === 3);
    await waitFor('acknowledged', () => js(nats).acks === 3);
    const info = await consumerInfo(pub.nc, stream, 'store-a');
    expect([info.num_ack_pending, info.num_pending, info.num_redelivered]).toEqual([0, 0, 0]);
    expect(fake.stored.map((l) => l.cluster)).toEqual(['fritz', 'fritz', 'fritz']);
    expect(js(nats)).toMatchObject({ stream, consumer: 'store-a', consuming: true, pending: 0, unacknowledged: 0, naks: 0, redeliveries: 0, lastError: null });
    expect(Date.parse(js(nats).lastAckAt!)).toBeGreaterThan(Date.now() - 60_000);
  });
});

describe('over nats://', () => {
  const url = () => server.tcpUrl;

  it('fails the start-up when connected and the stream is missing, naming the stream, the entry and what to run', async () => {
    const { stream, subject } = names();
    const log = recordingLogger();
    const config = natsConfig({ nats: { address: url(), username: server.user, password: server.password }, 'nats-subscriptions': [
      { 'subscribe-to': 'core.ok' },
      { 'subscribe-to': subject, stream, durable: 'store-a' },
    ] });
    const started = startNatsIngest({ ...config, openBatch: fakeIngest().openBatch, log, tuning: FAST });
    const error = await started.then(() => null, (e: unknown) => e as Error);
    expect(error).toBeInstanceOf(JetStreamSetupError);
    expect(error!.message).toBe(
      `NATS JetStream on ${new URL(url()).host}: metric-store.nats-subscriptions[1]: stream "${stream}" (metric-store.nats-subscriptions[1].stream) does not exist on the NATS server: ` +
        `create it, e.g. \`nats stream add ${stream} --subjects "${subject}" --storage file --max-age 48h --defaults\`, ` +
        `or give the entry "create-stream": {"subjects": ["${subject}"], "max-age": "48h"} to have the store create it`,
    );
    // Not left half-running: no retry announced, the connection closed, no stream or consumer made.
    expect(log.text()).not.toContain('trying again');
    expect(log.text()).toContain('NATS: stopped after 0 messages');
    const pub = await jsPublisher(url());
    await expect((await jetstreamManager(pub.nc)).streams.info(stream)).rejects.toThrow(/stream not found/);
  });

  it('fails the start-up on a nats-server without JetStream, naming every entry in one message', async () => {
    const plain = await startNatsServer();
    cleanup.add({ stop: () => plain.stop() });
    const config = natsConfig({ nats: { address: plain.tcpUrl, username: plain.user, password: plain.password }, 'nats-subscriptions': [
      { 'subscribe-to': 'a', stream: 'A', durable: 'store' },
      { 'subscribe-to': 'b', stream: 'B', durable: 'store' },
    ] });
    const error = await startNatsIngest({ ...config, openBatch: fakeIngest().openBatch, log: recordingLogger(), tuning: FAST }).then(() => null, (e: unknown) => e as Error);
    expect(error).toBeInstanceOf(JetStreamSetupError);
    for (const i of [0, 1]) {
      expect(error!.message).toContain(`metric-store.nats-subscriptions[${i}]: JetStream is not available on ${new URL(plain.tcpUrl).host}`);
      expect(error!.message).toContain(`metric-store.nats-subscriptions[${i}].stream needs a nats-server with JetStream on (-js, or a jetstream {} block)`);
    }
  });

  it('starts when the JetStream API does not answer in time (it may pass by itself), and keeps trying', async () => {
    const plain = await startNatsServer();
    cleanup.add({ stop: () => plain.stop() });
    // Something takes the JetStream API requests and never answers: a server too busy to.
    const silent = cleanup.add(await publisher(plain.tcpUrl, plain.user, plain.password));
    silent.subscribe('$JS.API.>');
    await silent.flush();
    const log = recordingLogger();
    const config = natsConfig({ nats: { address: plain.tcpUrl, username: plain.user, password: plain.password }, 'nats-subscriptions': [{ 'subscribe-to': 'a', stream: 'A', durable: 'store' }] });
    const nats = cleanup.add((await startNatsIngest({ ...config, openBatch: fakeIngest().openBatch, log, tuning: FAST }))!);
    await waitFor('the error', () => js(nats).lastError !== null, 20_000);
    expect(js(nats).lastError).toMatch(/JetStream is not available on .*timeout/i);
    expect(nats.counters().connected).toBe(true);
  }, 40_000);

  it('starts when NATS is unreachable at start-up; a stream missing once connected is logged, tried again, and consumed once it exists', async () => {
    const { stream, subject } = names();
    const later = await startNatsServer({ jetstream: true, user: server.user, password: server.password, tcpPort: await freePort() });
    const address = later.tcpUrl;
    await later.shutdown();
    cleanup.add({ stop: () => later.stop() });
    const fake = fakeIngest();
    const log = recordingLogger();
    const config = natsConfig({ nats: { address, username: server.user, password: later.password }, 'nats-subscriptions': [{ 'subscribe-to': subject, stream, durable: 'store-a' }] });
    const nats = cleanup.add((await startNatsIngest({ ...config, openBatch: fake.openBatch, log, tuning: FAST }))!);
    expect(log.text()).toContain('NATS: not reachable at start-up; the JetStream streams are looked for once connected');
    await later.restart();
    await waitFor('the error', () => js(nats).lastError !== null);
    const message = `stream "${stream}" (metric-store.nats-subscriptions[0].stream) does not exist on the NATS server: create it, e.g. \`nats stream add ${stream} --subjects "${subject}"`;
    expect(js(nats).lastError).toContain(message);
    expect(log.lines.find((l) => l.message.includes(message))?.level).toBe('error');
    expect(log.text()).toContain('trying again every 1 s');
    expect(js(nats).consuming).toBe(false);

    const nc = cleanup.add(await publisher(address, later.user, later.password));
    await createStream(nc, stream, subject);
    await jetstream(nc).publish(subject, line(1));
    await waitFor('stored after the stream was created', () => fake.stored.length === 1);
    expect(js(nats).lastError).toBeNull();
  });

  it('logs a stream deleted while running and tries again, without stopping the store; consumes once it exists again', async () => {
    const { stream, subject } = names();
    const pub = await jsPublisher(url());
    await createStream(pub.nc, stream, subject);
    const { nats, fake, log } = await start(url(), [{ 'subscribe-to': subject, stream, durable: 'store-a' }]);
    await waitFor('consuming', () => js(nats).consuming);
    await pub.js.publish(subject, line(1));
    await waitFor('first stored', () => fake.stored.length === 1);
    await (await jetstreamManager(pub.nc)).streams.delete(stream);
    await waitFor('the error', () => log.lines.some((l) => l.level === 'error' && l.message.includes(`stream "${stream}" (metric-store.nats-subscriptions[0].stream) does not exist`)), 30_000);
    expect(nats.counters().connected).toBe(true);
    await createStream(pub.nc, stream, subject);
    await pub.js.publish(subject, line(2));
    await waitFor('second stored', () => fake.stored.some((l) => l.line === line(2)), 30_000);
    expect(js(nats).lastError).toBeNull();
  });

  it('hands back a message whose commit failed and stores it when it comes again', async () => {
    const { stream, subject } = names();
    const fake = fakeIngest();
    fake.failWith = new Error('disk full');
    const pub = await jsPublisher(url());
    await createStream(pub.nc, stream, subject);
    const { nats } = await start(url(), [{ 'subscribe-to': subject, stream, durable: 'store-a' }], fake);
    await pub.js.publish(subject, line(7));
    await waitFor('handed back', () => js(nats).naks >= 2);
    expect(fake.stored).toHaveLength(0);
    fake.failWith = null;
    await waitFor('stored at a later delivery', () => fake.stored.length === 1);
    await waitFor('acknowledged', () => js(nats).acks === 1);
    expect(js(nats).redeliveries).toBeGreaterThanOrEqual(2);
    expect(nats.counters().ingestFailures).toBeGreaterThanOrEqual(2);
  });

  it('acknowledges a message with malformed lines after storing the rest: a poison message does not come back', async () => {
    const { stream, subject } = names();
    const pub = await jsPublisher(url());
    await createStream(pub.nc, stream, subject);
    const { nats, fake, log } = await start(url(), [{ 'subscribe-to': subject, stream, durable: 'store-a', 'ack-wait': '1s' }]);
    await pub.js.publish(subject, `garbage here\n${line(1)}\n`);
    await waitFor('acknowledged', () => js(nats).acks === 1);
    expect(fake.stored.map((l) => l.line)).toEqual([line(1)]);
    expect(log.text()).toContain('malformed line protocol');
    // Past ack-wait it has not come again.
    await new Promise((r) => setTimeout(r, 1500));
    expect(js(nats).redeliveries).toBe(0);
    expect(nats.counters().badMessages).toBe(1);
    expect((await consumerInfo(pub.nc, stream, 'store-a')).num_ack_pending).toBe(0);
  });

  it('holds at most max-ack-pending messages when the store is slow, drops nothing and keeps the order', async () => {
    const { stream, subject } = names();
    const pub = await jsPublisher(url());
    await createStream(pub.nc, stream, subject);
    const fake = fakeIngest();
    fake.delayMs = 30;
    const { nats } = await start(url(), [{ 'subscribe-to': subject, stream, durable: 'store-a', 'max-ack-pending': 8 }], fake);
    await waitFor('consuming', () => js(nats).consuming);
    const total = 200;
    const acks = [];
    for (let i = 0; i < total; i++) acks.push(pub.js.publish(subject, line(i)));
    await Promise.all(acks);
    let most = 0;
    await waitFor(
      'all stored',
      () => {
        most = Math.max(most, js(nats).unacknowledged);
        return fake.stored.length >= total;
      },
      60_000,
    );
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(8);
    expect(fake.stored.map((l) => l.line)).toEqual(Array.from({ length: total }, (_, i) => line(i)));
    expect(nats.counters().messagesDropped).toBe(0);
  });

  it('continues after the last acknowledgement when started again, and logs the catch-up', async () => {
    const { stream, subject } = names();
    const pub = await jsPublisher(url());
    await createStream(pub.nc, stream, subject);
    const entry = { 'subscribe-to': subject, stream, durable: 'store-a', 'max-ack-pending': 4 };
    const first = await start(url(), [entry]);
    for (let i = 0; i < 5; i++) await pub.js.publish(subject, line(i));
    await waitFor('first five stored', () => first.fake.stored.length === 5);
    await first.nats.stop();

    // Published while the store is down: kept by the stream.
    for (let i = 5; i < 105; i++) await pub.js.publish(subject, line(i));
    const fake = fakeIngest();
    fake.delayMs = 5;
    const second = await start(url(), [entry], fake);
    await waitFor('the rest stored', () => fake.stored.length === 100, 30_000);
    expect(fake.stored.map((l) => l.line)).toEqual(Array.from({ length: 100 }, (_, i) => line(i + 5)));
    await waitFor('caught up', () => second.log.text().includes('caught up'));
    const text = second.log.text();
    expect(text).toContain(`stream "${stream}" consumer "store-a": 100 messages waiting in the stream; catching up`);
    expect(text).toMatch(/caught up, 100 messages \(100 lines\) in [\d.]+ s/);
    expect(js(second.nats).catchingUp).toBe(false);
  });

  it('creates a consumer deleted on the server again and goes on', async () => {
    const { stream, subject } = names();
    const pub = await jsPublisher(url());
    await createStream(pub.nc, stream, subject);
    const { nats, fake, log } = await start(url(), [{ 'subscribe-to': subject, stream, durable: 'store-a' }]);
    await waitFor('consuming', () => js(nats).consuming);
    await pub.js.publish(subject, line(1));
    await waitFor('first stored', () => fake.stored.length === 1);
    await (await jetstreamManager(pub.nc)).consumers.delete(stream, 'store-a');
    await waitFor('created again', () => log.lines.filter((l) => l.message.includes('created durable consumer "store-a"')).length === 2, 30_000);
    await waitFor('consuming again', () => js(nats).consuming);
    await pub.js.publish(subject, line(2));
    // The new consumer starts at the stream's first message: the first comes again, the same values.
    await waitFor('second stored', () => fake.stored.some((l) => l.line === line(2)), 30_000);
    expect(new Set(fake.stored.map((l) => l.line))).toEqual(new Set([line(1), line(2)]));
  });

  it('creates a consumer that starts with the next message, or at a time', async () => {
    const { stream, subject } = names();
    const pub = await jsPublisher(url());
    await createStream(pub.nc, stream, subject);
    await pub.js.publish(subject, line(0));
    const { nats, fake } = await start(url(), [
      { 'subscribe-to': subject, stream, durable: 'from-now', start: 'new' },
      { 'subscribe-to': subject, stream, durable: 'from-2020', start: '2020-01-01T00:00:00Z' },
    ]);
    await waitFor('consuming', () => js(nats, 0).consuming && js(nats, 1).consuming);
    await pub.js.publish(subject, line(1));
    await waitFor('stored', () => js(nats, 0).acks === 1 && js(nats, 1).acks === 2);
    expect(fake.stored.map((l) => l.line).sort()).toEqual([line(0), line(1), line(1)]);
    const [now, then] = [await consumerInfo(pub.nc, stream, 'from-now'), await consumerInfo(pub.nc, stream, 'from-2020')];
    expect(now.config.deliver_policy).toBe('new');
    expect(then.config.deliver_policy).toBe('by_start_time');
    expect(Date.parse(then.config.opt_start_time!)).toBe(Date.parse('2020-01-01T00:00:00Z'));
  });

  it('refuses a consumer with another filter at start-up, saying how to replace it', async () => {
    const { stream, subject } = names();
    const pub = await jsPublisher(url());
    const jsm = await jetstreamManager(pub.nc);
    await jsm.streams.add({ name: stream, subjects: [`${subject}.>`] });
    await jsm.consumers.add(stream, { durable_name: 'store-a', ack_policy: 'explicit' as never, filter_subject: `${subject}.a` });
    const config = natsConfig({ nats: { address: url(), username: server.user, password: server.password }, 'nats-subscriptions': [{ 'subscribe-to': `${subject}.b`, stream, durable: 'store-a' }] });
    await expect(startNatsIngest({ ...config, openBatch: fakeIngest().openBatch, log: recordingLogger(), tuning: FAST })).rejects.toThrow(
      `metric-store.nats-subscriptions[0]: consumer "store-a" of stream "${stream}" filters "${subject}.a", but the entry subscribes to "${subject}.b": ` +
        `delete it (\`nats consumer rm ${stream} store-a\`) to have the store create it anew, or give the entry another durable`,
    );
    // The consumer is the operator's: left as it was.
    expect((await consumerInfo(pub.nc, stream, 'store-a')).config.filter_subject).toBe(`${subject}.a`);
  });
});
