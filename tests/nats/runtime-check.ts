// Runs NATS ingestion on whatever runtime executes this file (Node via a
// compiled copy, Bun and Deno directly) against the nats-server named in the
// environment, over ws:// and then nats://, and prints one JSON line with what
// was stored. tests/nats/runtimes.test.ts starts it and checks that line.

import { startNatsIngest } from '../../src/nats/index.ts';
import { webSocketClass } from '../../src/runtime/websocket.ts';
import { fakeIngest, recordingLogger, waitFor } from './helpers/fake-ingest.ts';
import { natsConfig } from './helpers/nats-config.ts';
import { publisher } from './helpers/publisher.ts';

declare const Bun: { version: string } | undefined;
declare const Deno: { version: { deno: string }; env: { get(name: string): string | undefined } } | undefined;

const runtime =
  typeof Bun !== 'undefined' ? `bun ${Bun.version}` : typeof Deno !== 'undefined' ? `deno ${Deno.version.deno}` : `node ${process.versions.node}`;
const env = (name: string): string => {
  const value = typeof Deno !== 'undefined' ? Deno.env.get(name) : process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

async function roundTrip(url: string, user: string, password: string) {
  const fake = fakeIngest();
  const log = recordingLogger();
  const nats = await startNatsIngest({
    ...natsConfig({
      nats: { address: url, username: user, password },
      'nats-subscriptions': [
        { 'subscribe-to': 'hpc-nats', 'cluster-tag': 'fritz' },
        { 'subscribe-to': 'hpc-nats', 'cluster-tag': 'alex' },
      ],
    }),
    openBatch: fake.openBatch,
    log,
  });
  if (!nats) throw new Error('NATS is off');
  await waitFor('connection', () => nats.counters().connected);
  const pub = await publisher(url, user, password);
  pub.publish('hpc-nats', 'cpu_load,hostname=n1 value=1.5 1700000000\nmem_used,hostname=n1 value=2 1700000000');
  pub.publish('hpc-nats', 'cpu_load,cluster=other,hostname=n2 value=3 1700000060');
  await pub.flush();
  await waitFor('6 stored lines', () => fake.stored.length === 6);
  await pub.close();
  await nats.stop();
  const { connected, messages, linesAccepted, linesRejected } = nats.counters();
  return { stored: fake.stored, counters: { connected, messages, linesAccepted, linesRejected } };
}

const user = env('NATS_USER');
const password = env('NATS_PASSWORD');
const result = {
  runtime,
  webSocket: (await webSocketClass()) === (globalThis as { WebSocket?: unknown }).WebSocket ? 'built-in' : 'ws package',
  // One transport after the other: the client library cannot hold both at once.
  ws: await roundTrip(env('NATS_WS_URL'), user, password),
  tcp: await roundTrip(env('NATS_TCP_URL'), user, password),
};
console.log(JSON.stringify(result));
