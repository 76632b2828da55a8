import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { acceptsGzip } from '../../src/api/answer-encoding.ts';
import { createApp } from '../../src/api/app.ts';
import { call } from '../support/app-client.ts';
import { createTestStore } from '../support/test-store.ts';

const body = JSON.stringify({ cluster: 'fritz', from: 1000, to: 2000, queries: [{ metric: 'cpu_load', host: 'f0101' }] });
const data = Array.from({ length: 1440 }, (_, i) => i / 7);
const answer = { results: [[{ data, from: 1000, to: 2000, resolution: 60 }]] };

describe('gzip of query answers (main.gzip-min-size)', () => {
  const store = createTestStore({ query: () => answer });

  it('gzips an answer of at least gzip-min-size bytes when the client accepts gzip', async () => {
    const res = await call(createApp({ store, gzipMinSize: 1024 }), '/api/query', { body, headers: { 'accept-encoding': 'gzip' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(res.headers.get('vary')).toBe('Accept-Encoding');
    expect(res.headers.get('content-type')).toBe('application/json');
    const zipped = new Uint8Array(await res.arrayBuffer());
    expect(JSON.parse(gunzipSync(zipped).toString())).toEqual(answer);
  });

  it.each([
    ['the client does not ask', 1024, {}],
    ['the client refuses gzip with q=0', 1024, { 'accept-encoding': 'gzip;q=0, identity' }],
    ['the answer is below gzip-min-size', 10 * 1024 * 1024, { 'accept-encoding': 'gzip' }],
    ['gzip-min-size is 0 (the default)', 0, { 'accept-encoding': 'gzip' }],
  ])('sends the answer as it is when %s', async (_what, gzipMinSize, headers) => {
    const res = await call(createApp({ store, gzipMinSize }), '/api/query', { body, headers });
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(JSON.parse(await res.text())).toEqual(answer);
  });

  it('reads Accept-Encoding as Go and browsers send it', () => {
    expect(acceptsGzip('gzip')).toBe(true);
    expect(acceptsGzip('deflate, GZIP;q=0.5')).toBe(true);
    expect(acceptsGzip('gzip; q=0')).toBe(false);
    expect(acceptsGzip('br, identity')).toBe(false);
    expect(acceptsGzip(undefined)).toBe(false);
  });
});
