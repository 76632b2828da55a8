import { describe, expect, it } from 'vitest';
import { MISSING_TOKEN, createJwtAuthenticator } from '../../src/auth/jwt.ts';
import { REFERENCE_PUBLIC_KEY, REFERENCE_TOKEN } from '../support/reference.ts';
import { createTestKeys, hs256WithPublicKey, unsignedToken } from '../support/tokens.ts';

const bearer = (token: string) => `Bearer ${token}`;

describe('JWT authentication', () => {
  it('accepts the reference test token with the key of the reference config.json', async () => {
    const auth = await createJwtAuthenticator(REFERENCE_PUBLIC_KEY);
    expect(await auth.check(bearer(REFERENCE_TOKEN))).toBeNull();
  });

  it('accepts a fresh EdDSA token that has not expired', async () => {
    const keys = await createTestKeys();
    const auth = await createJwtAuthenticator(keys.publicKeyBase64);
    const token = await keys.sign({ user: 'x' }, Math.floor(Date.now() / 1000) + 60);
    expect(await auth.check(bearer(token))).toBeNull();
  });

  it('refuses a request without a Bearer token', async () => {
    const auth = await createJwtAuthenticator(REFERENCE_PUBLIC_KEY);
    expect(await auth.check(undefined)).toBe(MISSING_TOKEN);
    expect(await auth.check(`Basic ${REFERENCE_TOKEN}`)).toBe(MISSING_TOKEN);
    expect(await auth.check(REFERENCE_TOKEN)).toBe(MISSING_TOKEN);
  });

  it('refuses alg "none"', async () => {
    const auth = await createJwtAuthenticator(REFERENCE_PUBLIC_KEY);
    expect(await auth.check(bearer(unsignedToken()))).toMatch(/^invalid token: /);
  });

  it('refuses HS256 signed with the public key bytes', async () => {
    const auth = await createJwtAuthenticator(REFERENCE_PUBLIC_KEY);
    const token = await hs256WithPublicKey(REFERENCE_PUBLIC_KEY);
    expect(await auth.check(bearer(token))).toBe('invalid token: "alg" (Algorithm) Header Parameter value not allowed');
  });

  it('refuses an expired EdDSA token', async () => {
    const keys = await createTestKeys();
    const auth = await createJwtAuthenticator(keys.publicKeyBase64);
    const token = await keys.sign({ user: 'x' }, Math.floor(Date.now() / 1000) - 10);
    expect(await auth.check(bearer(token))).toMatch(/^invalid token: "exp" claim timestamp check failed/);
  });

  it('refuses a token signed with another key', async () => {
    const keys = await createTestKeys();
    const auth = await createJwtAuthenticator(REFERENCE_PUBLIC_KEY);
    expect(await auth.check(bearer(await keys.sign()))).toBe('invalid token: signature verification failed');
  });

  it.each([
    ['not a token', 'garbage'],
    ['a bad header', `${Buffer.from('{"alg":').toString('base64url')}.e30.c2ln`],
    ['a tampered payload', REFERENCE_TOKEN.replace(/\.[^.]+\./, `.${Buffer.from('{"user":"root"}').toString('base64url')}.`)],
  ])('refuses %s', async (_what, token) => {
    const auth = await createJwtAuthenticator(REFERENCE_PUBLIC_KEY);
    expect(await auth.check(bearer(token))).toMatch(/^invalid token: /);
  });

  it('stops accepting a cached token once it expires', async () => {
    const keys = await createTestKeys();
    let now = 1_000_000;
    const auth = await createJwtAuthenticator(keys.publicKeyBase64, { nowSeconds: () => now });
    const token = await keys.sign({ user: 'x', iat: now }, now + 30);
    expect(await auth.check(bearer(token))).toBeNull();
    expect(await auth.check(bearer(token))).toBeNull(); // from the cache
    now += 31;
    expect(await auth.check(bearer(token))).toMatch(/"exp" claim timestamp check failed/);
  });

  it('answers at once, without a promise, for a missing, malformed or cached token', async () => {
    const keys = await createTestKeys();
    const auth = await createJwtAuthenticator(keys.publicKeyBase64);
    expect(auth.check(undefined)).toBe(MISSING_TOKEN);
    expect(auth.check('Bearer a.b=.c')).toMatch(/^invalid token: .*not canonical base64url/);
    const token = await keys.sign({ user: 'x' }, Math.floor(Date.now() / 1000) + 60);
    const first = auth.check(bearer(token));
    expect(first).toBeInstanceOf(Promise); // the signature is checked
    expect(await first).toBeNull();
    expect(auth.check(bearer(token))).toBeNull(); // cached: no promise
  });

  it('refuses a key that is not 32 bytes', async () => {
    await expect(createJwtAuthenticator(Buffer.alloc(16).toString('base64'))).rejects.toThrow(/32 bytes/);
  });

  it('refuses every non-canonical spelling of a valid token, cached or not', async () => {
    const keys = await createTestKeys();
    const auth = await createJwtAuthenticator(keys.publicKeyBase64);
    const token = await keys.sign({ user: 'x' }, Math.floor(Date.now() / 1000) + 60);
    const [h, p, s] = token.split('.') as [string, string, string];
    const last = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.indexOf(s.at(-1)!);
    const flipped = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[last ^ 1];
    const spellings = [`${h}.${p}.${s}==`, `${h}.${p}.${s.slice(0, -1)}${flipped}`, `${h}=.${p}.${s}`, `${h}.${p}=.${s}`];
    for (const other of spellings) expect(await auth.check(bearer(other))).toMatch(/^invalid token: .* is not canonical base64url/);
    expect(await auth.check(bearer(token))).toBeNull(); // now cached
    for (const other of spellings) expect(await auth.check(bearer(other))).toMatch(/is not canonical base64url/);
  });

  it('refuses an "iat" more than 60 s in the future, and accepts one within the skew', async () => {
    const keys = await createTestKeys();
    const now = 1_000_000;
    const auth = await createJwtAuthenticator(keys.publicKeyBase64, { nowSeconds: () => now });
    const ahead = await keys.sign({ user: 'x', iat: now + 3600 }, now + 7200);
    expect(await auth.check(bearer(ahead))).toBe('invalid token: "iat" claim is 3600 s in the future (allowed clock skew 60 s)');
    expect(await auth.check(bearer(ahead))).toMatch(/"iat" claim is 3600 s in the future/); // never cached
    expect(await auth.check(bearer(await keys.sign({ user: 'x', iat: now + 60 }, now + 120)))).toBeNull();
  });
});
