// (ours) The JetStream keys of a nats-subscriptions[] entry: read with their
// defaults, every mistake named by its field, and an entry without `stream`
// left core NATS exactly as before.

import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/validate.ts';

function withSubscriptions(subscriptions: unknown[]) {
  return {
    main: {},
    metrics: {},
    'metric-store': { 'retention-in-memory': '48h', 'memory-cap': 0, 'nats-subscriptions': subscriptions },
  };
}

const read = (subscriptions: unknown[]) => validateConfig(withSubscriptions(subscriptions), 'config.json').metricStore.natsSubscriptions;

describe('JetStream keys of nats-subscriptions[]', () => {
  it('leaves an entry without stream core NATS', () => {
    const [sub] = read([{ 'subscribe-to': 'hpc-nats', 'cluster-tag': 'fritz' }]);
    expect(sub).toStrictEqual({ subscribeTo: 'hpc-nats', clusterTag: 'fritz' });
  });

  it('reads stream and durable with the defaults of JetStream', () => {
    const [sub] = read([{ 'subscribe-to': 'hpc.fritz.>', 'cluster-tag': 'fritz', stream: 'HPC', durable: 'store-a' }]);
    expect(sub!.jetstream).toStrictEqual({
      stream: 'HPC',
      durable: 'store-a',
      start: { policy: 'all' },
      maxAckPending: 1000,
      ackWaitSeconds: 30,
      createStream: null,
    });
  });

  it('reads start, max-ack-pending, ack-wait and create-stream', () => {
    const [a, b, c] = read([
      {
        'subscribe-to': 'hpc.>',
        stream: 'HPC',
        durable: 'a',
        start: 'new',
        'max-ack-pending': 64,
        'ack-wait': '1m',
        'create-stream': { subjects: ['hpc.>', 'other.*'], 'max-age': '48h', storage: 'memory', replicas: 3 },
      },
      { 'subscribe-to': 'hpc.>', stream: 'HPC', durable: 'b', start: '2026-12-01T10:00:00+01:00', 'create-stream': {} },
      { 'subscribe-to': 'hpc.>', stream: 'HPC', durable: 'c', start: 'all' },
    ]);
    expect(a!.jetstream).toMatchObject({
      start: { policy: 'new' },
      maxAckPending: 64,
      ackWaitSeconds: 60,
      createStream: { subjects: ['hpc.>', 'other.*'], maxAgeSeconds: 172800, storage: 'memory', replicas: 3 },
    });
    // A new consumer starts at the time given, in UTC; create-stream defaults to the entry's subject, kept for ever, on disk.
    expect(b!.jetstream).toMatchObject({
      start: { policy: 'time', time: '2026-12-01T09:00:00.000Z' },
      createStream: { subjects: ['hpc.>'], maxAgeSeconds: 0, storage: 'file', replicas: 1 },
    });
    expect(c!.jetstream!.start).toStrictEqual({ policy: 'all' });
  });

  it.each([
    [{ 'subscribe-to': 'x', durable: 'a' }, 'metric-store.nats-subscriptions[0].durable: needs "stream" beside it (without it the entry is core NATS)'],
    [{ 'subscribe-to': 'x', stream: 'S' }, 'metric-store.nats-subscriptions[0].durable: is required with "stream"'],
    [{ 'subscribe-to': 'x', stream: 'a.b', durable: 'd' }, 'metric-store.nats-subscriptions[0].stream: "a.b" is not a JetStream name'],
    [{ 'subscribe-to': 'x', stream: 'S', durable: 'my store' }, 'metric-store.nats-subscriptions[0].durable: "my store" is not a JetStream name'],
    [{ 'subscribe-to': 'x', stream: 'S', durable: 'd', start: 'yesterday' }, 'metric-store.nats-subscriptions[0].start: expected "all", "new" or an RFC 3339 time'],
    [{ 'subscribe-to': 'x', stream: 'S', durable: 'd', 'max-ack-pending': 0 }, 'metric-store.nats-subscriptions[0].max-ack-pending: must be at least 1, got 0'],
    [{ 'subscribe-to': 'x', stream: 'S', durable: 'd', 'ack-wait': '500ms' }, 'metric-store.nats-subscriptions[0].ack-wait: must be at least 1s, got "500ms"'],
    [{ 'subscribe-to': 'x', stream: 'S', durable: 'd', 'create-stream': { subjects: [] } }, 'metric-store.nats-subscriptions[0].create-stream.subjects: must name at least one subject'],
    [{ 'subscribe-to': 'x', stream: 'S', durable: 'd', 'create-stream': { subjects: ['a b'] } }, 'create-stream.subjects[0]: "a b" is not a valid NATS subject'],
    [{ 'subscribe-to': 'x', stream: 'S', durable: 'd', 'create-stream': { storage: 'disk' } }, 'create-stream.storage: expected one of "file", "memory", got "disk"'],
    [{ 'subscribe-to': 'x', stream: 'S', durable: 'd', 'create-stream': { replicas: 7 } }, 'create-stream.replicas: must be at most 5, got 7'],
    [{ 'subscribe-to': 'x', stream: 'S', durable: 'd', 'create-stream': { retention: 'work' } }, 'create-stream.retention: unknown key'],
  ])('refuses %j', (entry, message) => {
    expect(() => read([entry])).toThrow(message);
  });

  it('refuses two entries on one consumer', () => {
    const entry = { 'subscribe-to': 'hpc.>', stream: 'HPC', durable: 'store-a' };
    expect(() => read([entry, { ...entry, 'cluster-tag': 'alex' }])).toThrow(
      'config.json: metric-store.nats-subscriptions[1].durable: consumer "store-a" of stream "HPC" is already used by nats-subscriptions[0]; give each entry its own durable',
    );
    // The same durable name on another stream is another consumer.
    expect(read([entry, { ...entry, stream: 'OTHER' }])).toHaveLength(2);
  });
});
