// Credentials for the connection: user/password, token and a creds file
// (user JWT + NKey seed), each used when configured, as nats.go does.

import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import {
  credsAuthenticator,
  tokenAuthenticator,
  usernamePasswordAuthenticator,
  type Authenticator,
} from '@nats-io/nats-core';
import { NatsConfigError, type ConnectionSettings } from './settings.ts';
import type { NatsLogger } from './types.ts';

/**
 * Builds the authenticators once at start. A creds file that cannot be read or
 * parsed is a config error; later it is read again at every connection
 * attempt (like nats.go), so rotated credentials apply without a restart.
 */
export async function buildAuthenticators(settings: ConnectionSettings, log: NatsLogger): Promise<Authenticator[]> {
  const authenticators: Authenticator[] = [];
  if (settings.username) authenticators.push(usernamePasswordAuthenticator(settings.username, settings.password));
  if (settings.token) authenticators.push(tokenAuthenticator(settings.token));
  if (settings.credsFilePath) authenticators.push(await credsFileAuthenticator(settings.credsFilePath, log));
  return authenticators;
}

async function credsFileAuthenticator(path: string, log: NatsLogger): Promise<Authenticator> {
  let current: Uint8Array;
  try {
    current = await readFile(path);
  } catch (err) {
    throw new NatsConfigError(`nats.creds-file-path: cannot read "${path}": ${(err as Error).message}`);
  }
  try {
    // Signing a nonce proves the file holds a JWT and a usable seed.
    credsAuthenticator(current)('nonce');
  } catch (err) {
    throw new NatsConfigError(`nats.creds-file-path: "${path}" is not a NATS credentials file: ${(err as Error).message}`);
  }
  return (nonce) => {
    try {
      const fresh = readFileSync(path);
      credsAuthenticator(fresh)('nonce');
      current = fresh;
    } catch (err) {
      log.warn(`NATS: cannot use creds file "${path}" now (${(err as Error).message}); using the one read before`);
    }
    return credsAuthenticator(current)(nonce);
  };
}
