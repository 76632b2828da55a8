// NATS over tls:// and wss:// with a site's own CA (nats.tls-ca-file),
// against a real nats-server whose certificate a throwaway CA signed: core
// NATS and JetStream publish and store; nats:// upgrades with the CA given; a
// wrong CA (or none) is a logged error naming the key, and the store keeps
// trying without hanging; a server that verifies clients takes the client
// certificate of nats.tls-cert-file / nats.tls-key-file; unusable files are
// start-up errors naming their key.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NatsConfigError, startNatsIngest, type NatsTuning } from '../../src/nats/index.ts';
import { Cleanup, fakeIngest, recordingLogger, waitFor } from './helpers/fake-ingest.ts';
import { natsConfig } from './helpers/nats-config.ts';
import { startNatsServer, type NatsServer } from './helpers/nats-server.ts';
import { publisher } from './helpers/publisher.ts';
import { makeTestCertificates, type TestCertificates } from './helpers/tls-certs.ts';

const FAST: NatsTuning = { reconnectInitialMs: 50, reconnectMaxMs: 200, jetstreamRetryMs: 200 };

let certs: TestCertificates;
let server: NatsServer;
let ca: string;
beforeAll(async () => {
  certs = makeTestCertificates();
  ca = readFileSync(certs.caFile, 'utf8');
  server = await startNatsServer({ jetstream: true, tls: { certFile: certs.serverCertFile, keyFile: certs.serverKeyFile } });
});
afterAll(async () => {
  await server?.stop();
  certs?.remove();
});

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

async function start(address: string, tls: Record<string, string>, entries: Array<Record<string, unknown>>, target = server) {
  const fake = fakeIngest();
  const log = recordingLogger();
  const config = natsConfig({ nats: { address, username: target.user, password: target.password, ...tls }, 'nats-subscriptions': entries });
  const nats = await startNatsIngest({ ...config, openBatch: fake.openBatch, log, tuning: FAST });
  if (!nats) throw new Error('NATS should be on');
  return { nats: cleanup.add(nats), fake, log };
}

const line = (i: number) => `cpu_load,hostname=h${i} value=${i} 1700000000`;

describe.each([
  ['tls://', () => server.tlsUrl],
  ['wss://', () => server.wssUrl],
])('over %s with nats.tls-ca-file', (scheme, url) => {
  it('stores core NATS and JetStream messages', async () => {
    const { nats, fake } = await start(url(), { 'tls-ca-file': certs.caFile }, [
      { 'subscribe-to': `core-${scheme.slice(0, -3)}`, 'cluster-tag': 'core' },
      { 'subscribe-to': `js-${scheme.slice(0, -3)}`, 'cluster-tag': 'js', stream: `TLS_${scheme.slice(0, -3).toUpperCase()}`, durable: 'store', 'create-stream': {} },
    ]);
    await waitFor('connection', () => nats.counters().connected);
    await waitFor('consuming', () => nats.counters().subscriptions[1]!.jetstream!.consuming);
    expect(nats.counters().server).toContain('127.0.0.1');
    const pub = cleanup.add(await publisher(url(), server.user, server.password, { ca }));
    pub.publish(`core-${scheme.slice(0, -3)}`, line(1));
    await jetstream(pub).publish(`js-${scheme.slice(0, -3)}`, line(2));
    await waitFor('both stored', () => fake.stored.length === 2);
    expect([...fake.stored].sort((a, b) => a.cluster.localeCompare(b.cluster))).toEqual([
      { cluster: 'core', line: line(1) },
      { cluster: 'js', line: line(2) },
    ]);
    await waitFor('acknowledged', () => nats.counters().subscriptions[1]!.jetstream!.acks === 1);
  });

  it('logs an error naming nats.tls-ca-file when the CA did not sign the server certificate, and keeps trying without hanging', async () => {
    const { nats, log } = await start(url(), { 'tls-ca-file': certs.otherCaFile }, [{ 'subscribe-to': 'never' }]);
    await waitFor('the error', () => log.lines.some((l) => l.level === 'error' && l.message.includes('nats.tls-ca-file')));
    const error = log.lines.find((l) => l.level === 'error' && l.message.includes('nats.tls-ca-file'))!.message;
    expect(error).toContain(`NATS: cannot connect to ${url()}`);
    expect(error).toContain(`the server's certificate is not signed by the CA in nats.tls-ca-file "${certs.otherCaFile}"`);
    expect(nats.counters()).toMatchObject({ connected: false });
    expect(nats.counters().lastError).not.toBeNull();
    const before = Date.now();
    await nats.stop();
    expect(Date.now() - before).toBeLessThan(3000);
  });

  it('without a CA the error points at nats.tls-ca-file and NODE_EXTRA_CA_CERTS', async () => {
    const { nats, log } = await start(url(), {}, [{ 'subscribe-to': 'never' }]);
    await waitFor('the error', () => log.lines.some((l) => l.level === 'error' && l.message.includes('NODE_EXTRA_CA_CERTS')));
    expect(log.text()).toContain("the server's certificate is not signed by a CA this machine trusts: give the site's CA as nats.tls-ca-file, or in NODE_EXTRA_CA_CERTS");
    expect(nats.counters().connected).toBe(false);
  });
});

it('nats:// takes TLS with nats.tls-ca-file when the server requires it', async () => {
  const { nats, fake } = await start(server.tcpUrl, { 'tls-ca-file': certs.caFile }, [{ 'subscribe-to': 'upgrade', 'cluster-tag': 'c' }]);
  await waitFor('connection', () => nats.counters().connected);
  const pub = cleanup.add(await publisher(server.tlsUrl, server.user, server.password, { ca }));
  pub.publish('upgrade', line(3));
  await waitFor('stored', () => fake.stored.length === 1);
});

describe('a server that verifies client certificates', () => {
  let verifying: NatsServer;
  beforeAll(async () => {
    verifying = await startNatsServer({ tls: { certFile: certs.serverCertFile, keyFile: certs.serverKeyFile, verifyClientsWith: certs.caFile } });
  });
  afterAll(() => verifying?.stop());

  it.each([['tls://', () => verifying.tlsUrl], ['wss://', () => verifying.wssUrl]])('takes nats.tls-cert-file and nats.tls-key-file over %s', async (_scheme, url) => {
    const files = { 'tls-ca-file': certs.caFile, 'tls-cert-file': certs.clientCertFile, 'tls-key-file': certs.clientKeyFile };
    const { nats } = await start(url(), files, [{ 'subscribe-to': 'verified' }], verifying);
    await waitFor('connection', () => nats.counters().connected);
  });

  it('refuses a client without a certificate: logged with a hint naming the keys, not connected', async () => {
    const { nats, log } = await start(verifying.tlsUrl, { 'tls-ca-file': certs.caFile }, [{ 'subscribe-to': 'verified' }], verifying);
    await waitFor('a failed attempt', () => nats.counters().lastError !== null);
    expect(nats.counters().connected).toBe(false);
    expect(log.text()).toContain(`NATS: cannot connect to ${verifying.tlsUrl}`);
    // TLS 1.3 refuses it after the handshake: the client sees a timeout, and is told what may cause it.
    expect(log.text()).toContain('if it does, give nats.tls-cert-file and nats.tls-key-file');
  });

  it('names nats.tls-cert-file when the server refuses the client certificate over wss://', async () => {
    // Signed by a CA the server does not trust for clients: the server's own certificate stands in.
    const files = { 'tls-ca-file': certs.caFile, 'tls-cert-file': certs.otherCaFile, 'tls-key-file': join(certs.dir, 'other-ca.key') };
    const { nats, log } = await start(verifying.wssUrl, files, [{ 'subscribe-to': 'verified' }], verifying);
    await waitFor('the error', () => log.lines.some((l) => l.level === 'error' && l.message.includes('nats.tls-cert-file')));
    expect(log.text()).toContain(`the server refused the client certificate of nats.tls-cert-file "${certs.otherCaFile}"`);
    expect(nats.counters().connected).toBe(false);
  });
});

describe('unusable files are start-up errors naming the key', () => {
  it.each([
    ['tls-ca-file', () => ({ 'tls-ca-file': join(certs.dir, 'missing.pem') }), /^nats\.tls-ca-file: cannot read ".*missing\.pem": ENOENT/],
    ['tls-ca-file', () => ({ 'tls-ca-file': notPem() }), /^nats\.tls-ca-file: ".*not-pem\.txt" does not hold a PEM certificate$/],
    ['tls-key-file', () => ({ 'tls-cert-file': certs.clientCertFile, 'tls-key-file': certs.clientCertFile }), /^nats\.tls-key-file: ".*client\.pem" does not hold a PEM private key$/],
  ])('%s', async (_key, tls, message) => {
    const config = natsConfig({ nats: { address: server.tlsUrl, ...tls() }, 'nats-subscriptions': [{ 'subscribe-to': 'x' }] });
    const started = startNatsIngest({ ...config, openBatch: fakeIngest().openBatch, log: recordingLogger() });
    await expect(started).rejects.toBeInstanceOf(NatsConfigError);
    await expect(started).rejects.toThrow(message);
  });
});

function notPem(): string {
  const path = join(certs.dir, 'not-pem.txt');
  writeFileSync(path, 'hello');
  return path;
}
