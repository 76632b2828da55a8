import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.ts';
import { call, json } from '../support/app-client.ts';
import { createTestStore } from '../support/test-store.ts';

const dump = '{"data":{"cpu_load":[{"start":1000,"len":2,"end":1120}]}}';

describe('/api/debug', () => {
  it.each(['/api/debug', '/api/debug/'])('dumps the level named by ?selector=a:b (%s)', async (path) => {
    const store = createTestStore({ debug: { 'fritz:f0101': dump } });
    const res = await call(createApp({ store }), `${path}?selector=fritz:f0101`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.text()).toBe(dump);
    expect(store.calls.debugDump).toEqual([['fritz', 'f0101']]);
  });

  it('dumps the whole store without a selector', async () => {
    const store = createTestStore({ debug: { '': '{"data":{}}' } });
    const res = await call(createApp({ store }), '/api/debug');
    expect(res.status).toBe(200);
    expect(store.calls.debugDump).toEqual([[]]);
  });

  it('answers 400 for a selector that names no level', async () => {
    const res = await call(createApp({ store: createTestStore() }), '/api/debug?selector=nowhere:n1');
    expect(res.status).toBe(400);
    expect(await json(res)).toEqual({ status: 'Bad Request', error: 'not found: no level at selector "nowhere:n1"' });
  });

  it('adds the service counters next to "data" when dumping the whole store', async () => {
    const store = createTestStore({ debug: { '': '{"data":{"fritz":{}}}\n' } });
    const status = () => ({ nats: { messages: 3, linesAccepted: 7 } });
    const res = await call(createApp({ store, status }), '/api/debug');
    expect(await json(res)).toEqual({ data: { fritz: {} }, service: { nats: { messages: 3, linesAccepted: 7 } } });
  });

  it('leaves a subtree dump as the reference has it', async () => {
    const store = createTestStore({ debug: { 'fritz:f0101': dump } });
    const res = await call(createApp({ store, status: () => ({ nats: {} }) }), '/api/debug?selector=fritz:f0101');
    expect(await res.text()).toBe(dump);
  });
});
