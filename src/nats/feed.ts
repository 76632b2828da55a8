// One configured subscription as the subscriber drives it: core NATS
// (src/nats/core-feed.ts) or a JetStream durable consumer
// (src/nats/jetstream-feed.ts). The subscriber keeps the connection; each feed
// attaches to every new connection and says how it is doing.

import type { NatsConnection } from '@nats-io/nats-core';
import type { NatsSubscription } from '../config/types.ts';
import type { JetStreamCounters, NatsSubscriptionCounters } from './types.ts';

export interface Feed {
  readonly subscription: NatsSubscription;
  /** Subscribes (core) or starts consuming (JetStream) on a new connection; returns at once. */
  attach(connection: NatsConnection): void;
  /** How the connect log line names it. */
  description(): string;
  /**
   * Before the connection is drained at shutdown: JetStream stops pulling and
   * stores and acknowledges what it holds (acks need the connection). Core
   * NATS has nothing to do: draining the connection ends its subscription.
   */
  beforeDrain(): Promise<void>;
  /** Resolves once every message received is worked off. */
  idle(): Promise<void>;
  /** Messages received and not yet worked off. */
  readonly queuedMessages: number;
  counters(): NatsSubscriptionCounters;
}

/** A feed's counters: its subscription, what it received and holds, and (JetStream only) its consumer's. */
export function feedCounters(
  subscription: NatsSubscription,
  messages: number,
  queue: { readonly length: number; readonly bytes: number },
  jetstream: JetStreamCounters | null,
): NatsSubscriptionCounters {
  return {
    subject: subscription.subscribeTo,
    clusterTag: subscription.clusterTag,
    messages,
    queuedMessages: queue.length,
    queuedBytes: queue.bytes,
    jetstream,
  };
}
