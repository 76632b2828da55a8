// (ours) The JetStream keys of a `nats-subscriptions[]` entry: `stream` and
// `durable` turn the entry from a core NATS subscription into a durable pull
// consumer of a JetStream stream; the other keys say where a new consumer
// starts, how much it may hold unacknowledged, and how to create a missing
// stream. Without `stream` the entry is core NATS, exactly as the reference.

import { ObjectReader, describe } from './fields.ts';
import { isNatsSubject } from './nats-address.ts';
import type { CreateStream, JetStreamSubscription } from './types.ts';

export const JETSTREAM_KEYS = ['stream', 'durable', 'start', 'max-ack-pending', 'ack-wait', 'create-stream'] as const;

/** JetStream's own default for pull consumers; some 50 MB of collector messages at most in the store's hands. */
export const DEFAULT_MAX_ACK_PENDING = 1000;
/** JetStream's default: a message not acknowledged within it is delivered again. */
export const DEFAULT_ACK_WAIT_SECONDS = 30;
/** nats-server refuses more replicas than this (a cluster of 5 at most takes part in one stream). */
const MAX_REPLICAS = 5;

/** Stream and consumer names: no whitespace, no subject separators or wildcards, no path separators. */
const NAME = /^[^\s.*>/\\]{1,255}$/;

/** The JetStream part of the entry read by `sub`, or undefined when it names no stream. */
export function readJetStream(sub: ObjectReader, subscribeTo: string): JetStreamSubscription | undefined {
  if (!sub.has('stream')) {
    for (const key of JETSTREAM_KEYS) if (sub.has(key)) sub.fail(key, 'needs "stream" beside it (without it the entry is core NATS)');
    return undefined;
  }
  const stream = name(sub, 'stream');
  if (!sub.has('durable')) sub.fail('durable', `is required with "stream": the name of the consumer that keeps this store's position in stream "${stream}"`);
  const durable = name(sub, 'durable');
  const ackWaitSeconds = sub.duration('ack-wait', DEFAULT_ACK_WAIT_SECONDS);
  if (ackWaitSeconds < 1) sub.fail('ack-wait', `must be at least 1s, got ${describe(sub.raw('ack-wait'))}`);
  return {
    stream,
    durable,
    start: readStart(sub),
    maxAckPending: sub.integer('max-ack-pending', DEFAULT_MAX_ACK_PENDING, 1),
    ackWaitSeconds,
    createStream: readCreateStream(sub, subscribeTo),
  };
}

/** Two entries on one consumer would take turns at its messages, each with its own cluster tag. */
export function checkDistinctConsumers(ms: ObjectReader, subscriptions: ReadonlyArray<{ jetstream?: JetStreamSubscription }>): void {
  const seen = new Map<string, number>();
  subscriptions.forEach((s, i) => {
    if (!s.jetstream) return;
    const key = `${s.jetstream.stream}\u0000${s.jetstream.durable}`;
    const first = seen.get(key);
    if (first !== undefined) {
      ms.fail(
        `nats-subscriptions[${i}].durable`,
        `consumer "${s.jetstream.durable}" of stream "${s.jetstream.stream}" is already used by nats-subscriptions[${first}]; give each entry its own durable`,
      );
    }
    seen.set(key, i);
  });
}

function name(sub: ObjectReader, key: 'stream' | 'durable'): string {
  const value = sub.string(key, '');
  if (!NAME.test(value)) {
    sub.fail(key, `${describe(value)} is not a JetStream name (1 to 255 characters, none of them whitespace, ".", "*", ">", "/" or "\\")`);
  }
  return value;
}

function readStart(sub: ObjectReader): JetStreamSubscription['start'] {
  const v = sub.raw('start');
  if (v === undefined || v === 'all') return { policy: 'all' };
  if (v === 'new') return { policy: 'new' };
  const ms = typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v) ? Date.parse(v) : NaN;
  if (Number.isNaN(ms)) sub.fail('start', `expected "all", "new" or an RFC 3339 time like "2026-12-01T00:00:00Z", got ${describe(v)}`);
  return { policy: 'time', time: new Date(ms).toISOString() };
}

function readCreateStream(sub: ObjectReader, subscribeTo: string): CreateStream | null {
  const create = sub.object('create-stream', ['subjects', 'max-age', 'storage', 'replicas']);
  if (!create) return null;
  const subjects = create.array('subjects') ?? [subscribeTo];
  if (subjects.length === 0) create.fail('subjects', 'must name at least one subject');
  subjects.forEach((s, i) => {
    if (typeof s !== 'string' || !isNatsSubject(s)) create.fail(`subjects[${i}]`, `${describe(s)} is not a valid NATS subject`);
  });
  const replicas = create.integer('replicas', 1, 1);
  if (replicas > MAX_REPLICAS) create.fail('replicas', `must be at most ${MAX_REPLICAS}, got ${replicas}`);
  return {
    subjects: subjects as string[],
    maxAgeSeconds: create.has('max-age') ? create.duration('max-age', 0) : 0,
    storage: create.oneOf('storage', ['file', 'memory'] as const, 'file'),
    replicas,
  };
}
