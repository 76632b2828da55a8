// How the store pulls from JetStream, against a real nats-server: pulls are
// bounded in bytes, so a store that is busy for seconds while large messages
// wait for it is not disconnected by the server as a slow consumer (which
// lost what the server held for it until ack-wait delivered it again).

import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startNatsIngest } from '../../src/nats/index.ts';
import { Cleanup, fakeIngest, recordingLogger, waitFor } from './helpers/fake-ingest.ts';
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

describe('pulls from JetStream', () => {
  it('are bounded in bytes: a store busy for seconds with 80 MB waiting is not cut off as a slow consumer', async () => {
    const stream = 'PULLBYTES';
    const subject = 'pull.bytes';
    const pub = cleanup.add(await publisher(server.tcpUrl, server.user, server.password));
    const jsm = await jetstreamManager(pub);
    await jsm.streams.add({ name: stream, subjects: [subject] });
    // 800 messages of 100 kB: more than nats-server's 64 MiB max_pending for one client.
    const total = 800;
    const filler = `\n#${'x'.repeat(100_000)}\n`;
    for (let i = 0; i < total; i++) {
      pub.publish(subject, `cpu_load,hostname=h${i} value=${i} 1700000000${filler}`);
      if (i % 50 === 49) await pub.flush();
    }
    await pub.flush();
    expect((await jsm.streams.info(stream)).state.messages).toBe(total);

    const fake = fakeIngest();
    fake.stallOnceMs = 4000;
    const config = natsConfig({
      nats: { address: server.tcpUrl, username: server.user, password: server.password },
      'nats-subscriptions': [{ 'subscribe-to': subject, stream, durable: 'store-a' }],
    });
    const log = recordingLogger();
    const nats = cleanup.add(await startNatsIngest({ ...config, openBatch: fake.openBatch, log, tuning: FAST }));
    if (!nats) throw new Error('NATS should be on');
    await waitFor('all stored', () => fake.stored.length >= total, 60_000);
    const counters = nats.counters();
    expect(counters.reconnects).toBe(0);
    expect(log.text()).not.toContain('disconnected');
    // A pull that ends because its next message would not fit is how byte-bounded pulls work, not a warning.
    expect(log.lines.filter((l) => l.level !== 'info' && l.level !== 'debug')).toEqual([]);
    expect(counters.subscriptions[0]!.jetstream!.redeliveries).toBe(0);
    expect(fake.stored.map((l) => l.line)).toEqual(Array.from({ length: total }, (_, i) => `cpu_load,hostname=h${i} value=${i} 1700000000`));
  }, 90_000);
});
