import { describe, expect, it } from 'vitest';
import { API_ROUTES, createApp } from '../../src/api/app.ts';
import { call, json } from '../support/app-client.ts';
import { createTestStore } from '../support/test-store.ts';

describe('routing', () => {
  it('serves the five endpoints of the reference, each with and without the trailing slash', () => {
    expect(API_ROUTES.map((r) => r.path)).toEqual(['/api/query', '/api/write', '/api/free', '/api/debug', '/api/healthcheck']);
  });

  it('answers an unknown path with a 404 JSON error', async () => {
    const res = await call(createApp({ store: createTestStore() }), '/api/nothing');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await json(res)).toEqual({ status: 'Not Found', error: 'no such endpoint: GET /api/nothing' });
  });

  it.each([
    ['GET', '/api/write', 'POST'],
    ['PUT', '/api/query/', 'GET, POST, HEAD'],
    ['DELETE', '/api/free', 'POST'],
    ['POST', '/api/debug/', 'GET, HEAD'],
    ['POST', '/api/healthcheck', 'GET, HEAD'],
  ])('answers %s %s with a 405 JSON error and Allow: %s', async (method, path, allow) => {
    const store = createTestStore();
    const res = await call(createApp({ store }), path, { method });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe(allow);
    expect(((await json(res)) as { status: string }).status).toBe('Method Not Allowed');
  });

  it('answers HEAD on the GET endpoints without a body', async () => {
    const store = createTestStore({ debug: { '': '{"data":{}}' } });
    const res = await call(createApp({ store }), '/api/debug', { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    expect(store.calls.debugDump).toHaveLength(1);
  });

  it('ends every error body with a newline, as Go encodes it', async () => {
    const res = await call(createApp({ store: createTestStore() }), '/nowhere');
    expect((await res.text()).endsWith('}\n')).toBe(true);
  });

  it('answers a store failure with a 500 JSON error', async () => {
    const store = createTestStore();
    store.free = () => {
      throw new Error('shard 0 is gone');
    };
    const res = await call(createApp({ store }), '/api/free?to=1', { method: 'POST', body: '[["a"]]' });
    expect(res.status).toBe(500);
    expect(await json(res)).toEqual({ status: 'Internal Server Error', error: 'shard 0 is gone' });
  });
});
