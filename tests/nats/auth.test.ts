import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nkeys } from '@nats-io/nats-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAuthenticators } from '../../src/nats/auth.ts';
import { startNatsIngest } from '../../src/nats/index.ts';
import { NatsConfigError, type ConnectionSettings } from '../../src/nats/settings.ts';
import { natsConfig } from './helpers/nats-config.ts';
import { fakeIngest, recordingLogger, waitFor } from './helpers/fake-ingest.ts';
import { startNatsServer } from './helpers/nats-server.ts';
import { publisher } from './helpers/publisher.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nats-auth-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const settings = (over: Partial<ConnectionSettings>): ConnectionSettings => ({
  servers: ['nats://127.0.0.1:4222'],
  transport: 'tcp',
  requireTls: false,
  username: '',
  password: '',
  token: '',
  credsFilePath: '',
  ...over,
});

function credsFile(jwt: string, seed: Uint8Array): string {
  return [
    '-----BEGIN NATS USER JWT-----',
    jwt,
    '------END NATS USER JWT------',
    '',
    '************************* IMPORTANT *************************',
    'NKEY Seed printed below can be used to sign and prove identity.',
    '',
    '-----BEGIN USER NKEY SEED-----',
    new TextDecoder().decode(seed),
    '------END USER NKEY SEED------',
    '',
  ].join('\n');
}

describe('creds-file-path', () => {
  it('answers the server nonce with the JWT and a signature of the file seed, re-reading the file each time', async () => {
    const path = join(dir, 'user.creds');
    const first = nkeys.createUser();
    await writeFile(path, credsFile('eyJ.first.jwt', first.getSeed()));
    const log = recordingLogger();
    const [auth] = await buildAuthenticators(settings({ credsFilePath: path }), log);

    const answer = auth!('nonce-1') as { jwt: string; nkey: string; sig: string };
    expect(answer.jwt).toBe('eyJ.first.jwt');
    expect(answer.nkey).toBe(first.getPublicKey());
    const sig = Uint8Array.from(atob(answer.sig.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
    expect(first.verify(new TextEncoder().encode('nonce-1'), sig)).toBe(true);

    // Rotated on disk: the next connection uses the new credentials.
    const second = nkeys.createUser();
    await writeFile(path, credsFile('eyJ.second.jwt', second.getSeed()));
    expect(auth!('nonce-2')).toMatchObject({ jwt: 'eyJ.second.jwt', nkey: second.getPublicKey() });

    // Broken on disk: the last good one is kept, and that is logged.
    await writeFile(path, 'garbage');
    expect(auth!('nonce-3')).toMatchObject({ jwt: 'eyJ.second.jwt' });
    expect(log.text()).toContain(`warn: NATS: cannot use creds file "${path}" now`);
  });

  it('is a config error when the file is missing or not a creds file', async () => {
    const missing = join(dir, 'missing.creds');
    await expect(buildAuthenticators(settings({ credsFilePath: missing }), recordingLogger())).rejects.toThrow(
      new NatsConfigError(`nats.creds-file-path: cannot read "${missing}": ENOENT: no such file or directory, open '${missing}'`),
    );
    const bad = join(dir, 'bad.creds');
    await writeFile(bad, 'not creds');
    await expect(buildAuthenticators(settings({ credsFilePath: bad }), recordingLogger())).rejects.toThrow(
      `nats.creds-file-path: "${bad}" is not a NATS credentials file: unable to parse credentials`,
    );
  });
});

describe('token', () => {
  it('connects to a server that wants a token', async () => {
    const server = await startNatsServer({ token: 's3cr3t-token' });
    const fake = fakeIngest();
    const nats = (await startNatsIngest({
      ...natsConfig({
        nats: { address: server.wsUrl, token: 's3cr3t-token' },
        'nats-subscriptions': [{ 'subscribe-to': 'tok', 'cluster-tag': 'alex' }],
      }),
      openBatch: fake.openBatch,
      log: recordingLogger(),
    }))!;
    try {
      await waitFor('connection', () => nats.counters().connected);
      const pub = await publisher(server.wsUrl, '', '', { token: 's3cr3t-token' });
      pub.publish('tok', 'cpu_load,hostname=a value=1');
      await pub.flush();
      await waitFor('stored line', () => fake.stored.length === 1);
      await pub.close();
      expect(fake.stored).toEqual([{ cluster: 'alex', line: 'cpu_load,hostname=a value=1' }]);
    } finally {
      await nats.stop();
      await server.stop();
    }
  });
});
