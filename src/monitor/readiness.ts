// What /readyz answers: ready once the restore is done and HTTP serves, not
// while shutting down (a load balancer then sends the next requests to
// another store). NATS is reported, not required: a store that cannot reach
// NATS still serves queries and HTTP writes.

import type { NatsCounters } from '../nats/index.ts';
import type { PersistenceStatus } from '../persist/index.ts';

export type Phase = 'starting' | 'ready' | 'stopping';

export interface Readiness {
  ready: boolean;
  body: {
    status: Phase;
    restore: { hosts: number; files: number; seconds: number; at: string } | null;
    /** Null when NATS is off. */
    nats: { connected: boolean; server: string | null; lastError: string | null } | null;
  };
}

export function readiness(phase: Phase, persistence: PersistenceStatus | undefined, nats: NatsCounters | undefined): Readiness {
  const r = persistence?.restore;
  return {
    ready: phase === 'ready',
    body: {
      status: phase,
      restore: r ? { hosts: r.hosts, files: r.files, seconds: r.seconds, at: r.at } : null,
      nats: nats ? { connected: nats.connected, server: nats.server, lastError: nats.lastError } : null,
    },
  };
}
