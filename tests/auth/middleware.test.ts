import { describe, expect, it } from 'vitest';
import { API_ROUTES, createApp } from '../../src/api/app.ts';
import { createJwtAuthenticator } from '../../src/auth/jwt.ts';
import { call, json } from '../support/app-client.ts';
import { REFERENCE_PUBLIC_KEY, REFERENCE_TOKEN } from '../support/reference.ts';
import { createTestStore } from '../support/test-store.ts';
import { hs256WithPublicKey } from '../support/tokens.ts';

const authorized = { authorization: `Bearer ${REFERENCE_TOKEN}` };

async function securedApp() {
  const store = createTestStore({ debug: { '': '{"data":{}}' } });
  return { store, app: createApp({ store, auth: await createJwtAuthenticator(REFERENCE_PUBLIC_KEY) }) };
}

describe('auth on the API', () => {
  const endpoints = API_ROUTES.flatMap(({ path, methods }) => [path, `${path}/`].map((p) => [methods[0]!, p] as const));

  it.each(endpoints)('answers %s %s without a token with a 401 JSON error', async (method, path) => {
    const { app, store } = await securedApp();
    const res = await call(app, path, { method, body: '[]' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(await json(res)).toEqual({ status: 'Unauthorized', error: 'Use JWT Authentication' });
    expect(Object.values(store.calls).every((calls) => calls.length === 0)).toBe(true);
  });

  it('lets the reference token through', async () => {
    const { app, store } = await securedApp();
    const res = await call(app, '/api/debug', { headers: authorized });
    expect(res.status).toBe(200);
    expect(store.calls.debugDump).toHaveLength(1);
  });

  it('refuses an HS256 token made with the public key', async () => {
    const { app } = await securedApp();
    const token = await hs256WithPublicKey(REFERENCE_PUBLIC_KEY);
    const res = await call(app, '/api/write', { method: 'POST', body: 'x value=1', headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(401);
    expect(((await json(res)) as { error: string }).error).toMatch(/"alg"/);
  });

  it('needs no token when no key is configured', async () => {
    const store = createTestStore({ debug: { '': '{}' } });
    const res = await call(createApp({ store, auth: null }), '/api/debug');
    expect(res.status).toBe(200);
  });
});
