// Finds (or creates, when the entry says how) the stream and the durable pull
// consumer of a JetStream subscription before the store consumes from it. A
// missing stream without `create-stream` is an error that names the stream
// and what to run; a consumer that cannot serve the entry (push, another
// filter) is an error that says how to replace it. Found at start-up, either
// fails the start (checkAtStart); found later, while the store runs, it is
// logged and tried again. The consumer lives on the server: its position
// survives our restarts and reconnects.

import { nanos, type NatsConnection } from '@nats-io/nats-core';
import {
  AckPolicy,
  DeliverPolicy,
  StorageType,
  jetstreamManager,
  type ConsumerConfig,
  type ConsumerInfo,
  type JetStreamManager,
} from '@nats-io/jetstream';
import type { JetStreamSubscription, NatsSubscription } from '../config/types.ts';
import type { NatsLogger } from './types.ts';

export type JetStreamEntry = NatsSubscription & { jetstream: JetStreamSubscription };

/** What the operator must fix: fails the start-up; later, retried after a while, so fixing it is enough. */
export class JetStreamSetupError extends Error {
  override name = 'JetStreamSetupError';

  constructor(
    message: string,
    /** False when it may pass by itself (the JetStream API did not answer in time): then not a start-up error. */
    readonly definite = true,
  ) {
    super(message);
  }
}

/**
 * At start-up, on the first connection: sets up every JetStream entry once and
 * returns the operator's errors among them (all of them, in one error), or
 * null. An error that may pass by itself (a timeout) ends the check: the
 * feeds, which retry, take it from there.
 */
export async function checkAtStart(
  connection: NatsConnection,
  entries: ReadonlyArray<{ entry: JetStreamEntry; key: string }>,
  log: NatsLogger,
): Promise<JetStreamSetupError | null> {
  const failures: string[] = [];
  for (const { entry, key } of entries) {
    try {
      await ensureConsumer(connection, entry, key, log);
    } catch (err) {
      if (err instanceof JetStreamSetupError && err.definite) {
        failures.push(`${key}: ${err.message}`);
        continue;
      }
      // Most likely a JetStream API that does not answer: the next entries would each wait as long for it.
      log.debug(`NATS JetStream: ${key}: set-up at start failed (${describe(err)}); the subscriptions try again`);
      break;
    }
  }
  return failures.length === 0 ? null : new JetStreamSetupError(`NATS JetStream on ${connection.getServer()}: ${failures.join('; ')}`);
}

const STREAM_NOT_FOUND = 10059;
const CONSUMER_NOT_FOUND = 10014;

/** The consumer's info once stream and consumer are there and fit the entry. `key` names the entry in messages. */
export async function ensureConsumer(connection: NatsConnection, entry: JetStreamEntry, key: string, log: NatsLogger): Promise<ConsumerInfo> {
  let jsm: JetStreamManager;
  try {
    jsm = await jetstreamManager(connection);
  } catch (err) {
    throw new JetStreamSetupError(
      `JetStream is not available on ${connection.getServer()} (${describe(err)}): ${key}.stream needs a nats-server with JetStream on (-js, or a jetstream {} block)`,
      !isTimeout(err),
    );
  }
  await ensureStream(jsm, entry, key, log);
  const { stream, durable } = entry.jetstream;
  let existing: ConsumerInfo | null = null;
  try {
    existing = await jsm.consumers.info(stream, durable);
  } catch (err) {
    if (apiCode(err) !== CONSUMER_NOT_FOUND) throw err;
  }
  if (existing) return fitConsumer(jsm, existing, entry, log);
  const created = await jsm.consumers.add(stream, consumerConfig(entry));
  log.info(
    `NATS JetStream: created durable consumer "${durable}" on stream "${stream}" (filter "${entry.subscribeTo}", ` +
      `${startText(entry.jetstream.start)}, max-ack-pending ${entry.jetstream.maxAckPending})`,
  );
  return created;
}

async function ensureStream(jsm: JetStreamManager, entry: JetStreamEntry, key: string, log: NatsLogger): Promise<void> {
  const { stream, createStream } = entry.jetstream;
  try {
    await jsm.streams.info(stream);
    return;
  } catch (err) {
    if (apiCode(err) !== STREAM_NOT_FOUND) throw err;
  }
  if (!createStream) {
    const subjects = entry.subscribeTo;
    throw new JetStreamSetupError(
      `stream "${stream}" (${key}.stream) does not exist on the NATS server: create it, e.g. ` +
        `\`nats stream add ${stream} --subjects "${subjects}" --storage file --max-age 48h --defaults\`, ` +
        `or give the entry "create-stream": {"subjects": ["${subjects}"], "max-age": "48h"} to have the store create it`,
    );
  }
  await jsm.streams.add({
    name: stream,
    subjects: createStream.subjects,
    max_age: nanos(createStream.maxAgeSeconds * 1000),
    storage: createStream.storage === 'memory' ? StorageType.Memory : StorageType.File,
    num_replicas: createStream.replicas,
  });
  log.info(
    `NATS JetStream: created stream "${stream}" (subjects ${createStream.subjects.map((s) => `"${s}"`).join(', ')}, ` +
      `${createStream.storage} storage, ${createStream.replicas} replica${createStream.replicas === 1 ? '' : 's'}, ` +
      `max-age ${createStream.maxAgeSeconds > 0 ? `${createStream.maxAgeSeconds} s` : 'none'})`,
  );
}

/** An existing consumer is kept (it holds the position); only its flow-control settings follow the entry. */
async function fitConsumer(jsm: JetStreamManager, info: ConsumerInfo, entry: JetStreamEntry, log: NatsLogger): Promise<ConsumerInfo> {
  const { stream, durable, maxAckPending, ackWaitSeconds } = entry.jetstream;
  const c = info.config;
  const replace = `delete it (\`nats consumer rm ${stream} ${durable}\`) to have the store create it anew, or give the entry another durable`;
  if (c.deliver_subject) {
    throw new JetStreamSetupError(`consumer "${durable}" of stream "${stream}" is a push consumer; the store consumes through a pull consumer: ${replace}`);
  }
  if (c.ack_policy !== AckPolicy.Explicit) {
    throw new JetStreamSetupError(`consumer "${durable}" of stream "${stream}" has ack policy "${c.ack_policy}"; the store acknowledges each message (explicit): ${replace}`);
  }
  const filter = c.filter_subject ?? '';
  if (filter !== entry.subscribeTo) {
    throw new JetStreamSetupError(
      `consumer "${durable}" of stream "${stream}" filters ${filter ? `"${filter}"` : 'no subject'}, but the entry subscribes to "${entry.subscribeTo}": ${replace}`,
    );
  }
  const ackWait = nanos(ackWaitSeconds * 1000);
  if (c.max_ack_pending === maxAckPending && c.ack_wait === ackWait) return info;
  try {
    const updated = await jsm.consumers.update(stream, durable, { max_ack_pending: maxAckPending, ack_wait: ackWait });
    log.info(`NATS JetStream: consumer "${durable}" of stream "${stream}" now has max-ack-pending ${maxAckPending} and ack-wait ${ackWaitSeconds} s`);
    return updated;
  } catch (err) {
    log.warn(`NATS JetStream: consumer "${durable}" of stream "${stream}" keeps max-ack-pending ${c.max_ack_pending} and its ack-wait: updating it failed (${describe(err)})`);
    return info;
  }
}

function consumerConfig(entry: JetStreamEntry): Partial<ConsumerConfig> {
  const { durable, start, maxAckPending, ackWaitSeconds } = entry.jetstream;
  const config: Partial<ConsumerConfig> = {
    durable_name: durable,
    description: 'cc-metric-store: acknowledged once stored and in the WAL',
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(ackWaitSeconds * 1000),
    max_ack_pending: maxAckPending,
    filter_subject: entry.subscribeTo,
  };
  if (start.policy === 'new') config.deliver_policy = DeliverPolicy.New;
  else if (start.policy === 'time') {
    config.deliver_policy = DeliverPolicy.StartTime;
    config.opt_start_time = start.time;
  } else config.deliver_policy = DeliverPolicy.All;
  return config;
}

function startText(start: JetStreamSubscription['start']): string {
  if (start.policy === 'new') return 'starting with the next message';
  if (start.policy === 'time') return `starting at ${start.time}`;
  return 'starting at the first message in the stream';
}

function apiCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A request that got no answer in time (a server busy or electing a leader), as opposed to an answer. */
function isTimeout(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (e.name === 'TimeoutError') return true;
  }
  return false;
}
