import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.ts';
import { call, json } from '../support/app-client.ts';
import { createTestStore } from '../support/test-store.ts';

describe('/api/free', () => {
  it.each(['/api/free', '/api/free/'])('frees under every selector and answers with the total (%s)', async (path) => {
    const store = createTestStore({ freed: 3 });
    const body = JSON.stringify([['fritz', 'f0101'], ['fritz', 'f0102', 'socket0']]);
    const res = await call(createApp({ store }), `${path}?to=1725620000`, { method: 'POST', body });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe('buffers freed: 6\n');
    expect(store.calls.free).toEqual([
      { selector: ['fritz', 'f0101'], to: 1725620000 },
      { selector: ['fritz', 'f0102', 'socket0'], to: 1725620000 },
    ]);
  });

  it('answers 400 when ?to= is missing', async () => {
    const res = await call(createApp({ store: createTestStore() }), '/api/free', { method: 'POST', body: '[]' });
    expect(res.status).toBe(400);
    expect(await json(res)).toEqual({ status: 'Bad Request', error: "'to' is a required query parameter" });
  });

  it.each(['abc', '1.5', '12x', ''])('answers 400 when ?to=%s is not an integer', async (to) => {
    const store = createTestStore();
    const res = await call(createApp({ store }), `/api/free?to=${to}`, { method: 'POST', body: '[]' });
    expect(res.status).toBe(400);
    expect(store.calls.free).toHaveLength(0);
  });

  it.each([
    ['{"cluster": "fritz"}', 'request body: expected a list of selectors like [["cluster", "host"], ...]'],
    ['["fritz", "f0101"]', '[0]: expected a selector like ["cluster", "host"]'],
    ['[["fritz", 7]]', '[0][1]: expected a string, got 7'],
  ])('answers 400 for the body %s', async (body, message) => {
    const store = createTestStore();
    const res = await call(createApp({ store }), '/api/free?to=5', { method: 'POST', body });
    expect(res.status).toBe(400);
    expect(await json(res)).toEqual({ status: 'Bad Request', error: message });
    expect(store.calls.free).toHaveLength(0);
  });

  it('frees nothing for an empty list', async () => {
    const store = createTestStore({ freed: 3 });
    const res = await call(createApp({ store }), '/api/free?to=5', { method: 'POST', body: '[]' });
    expect(await res.text()).toBe('buffers freed: 0\n');
  });
});
