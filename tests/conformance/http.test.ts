// behaviour.md sections 4-7 on the wire, with a real store behind the HTTP
// app, against cc-metric-store internal/api (server.go routes, metricstore.go
// handlers, authentication.go).
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.ts';
import { createJwtAuthenticator } from '../../src/auth/jwt.ts';
import { call } from '../support/app-client.ts';
import { createTestKeys } from '../support/tokens.ts';
import { ingest, makeStore, run, series, T } from './support.ts';

function filled() {
  const store = makeStore();
  ingest(store, series('load', 'a', run([1, 2])) + series('load', 'b', run([3])));
  return store;
}

const queryBody = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ cluster: 'c', from: T, to: T + 120, queries: [{ metric: 'load', host: 'a' }], ...extra });

describe('conformance over HTTP: query', () => {
  it('answers GET /api/query?version=v2 with a JSON body and no trailing slash, as cc-backend sends it', async () => {
    const store = filled();
    const res = await call(createApp({ store }), '/api/query?version=v2', { body: queryBody() });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.text()).toBe(`{"results":[[{"data":[1,2],"from":${T},"to":${T + 120},"resolution":60,"avg":1.5,"min":1,"max":2}]]}\n`);
  });

  it('defaults with-stats, with-data and with-padding to true and keeps them for null', async () => {
    // `req := APIQueryRequest{WithStats: true, WithData: true, WithPadding: true}`; null leaves a field as it is
    const body = queryBody({ from: T - 120, 'with-stats': null, 'with-data': null, 'with-padding': null });
    const res = await call(createApp({ store: filled() }), '/api/query/', { body });
    expect(JSON.parse(await res.text()).results[0][0]).toEqual({ data: [null, null, 1, 2], from: T, to: T + 120, resolution: 60, avg: 1.5, min: 1, max: 2 });
  });

  it('ignores unknown fields of the query body', async () => {
    const res = await call(createApp({ store: filled() }), '/api/query', { body: queryBody({ 'no-such-field': 1 }) });
    expect(res.status).toBe(200);
  });

  it.each([
    ['a fractional from', { from: T + 0.5 }],
    ['a string to', { to: String(T) }],
    ['a number in type-ids', { queries: [{ metric: 'load', host: 'a', type: 'socket', 'type-ids': [0] }] }],
  ])('answers 400 for %s', async (_, extra) => {
    // json.Decoder into int64 / []string fails: handleError(err, http.StatusBadRequest, rw)
    const res = await call(createApp({ store: filled() }), '/api/query', { body: queryBody(extra) });
    expect(res.status).toBe(400);
    expect(Object.keys(JSON.parse(await res.text()))).toEqual(['status', 'error']);
  });

  // DELIBERATE: json.Decoder takes any int64 for from/to/resolution; ours refuses a number beyond
  // 2^53, which a JavaScript number cannot hold exactly (as seconds, 285 million years away; the
  // reference would try to allocate (to - from) / frequency values for it).
  it('answers 400 for a from or to beyond 2^53', async () => {
    for (const to of ['9007199254740993', '9223372036854775807']) {
      const body = `{"cluster":"c","from":${T},"to":${to},"queries":[{"metric":"load","host":"a"}]}`;
      const res = await call(createApp({ store: filled() }), '/api/query', { body });
      expect(res.status).toBe(400);
      expect(JSON.parse(await res.text()).error).toMatch(/^to: expected an integer/);
    }
  });

  // DELIBERATE: the reference's schema.Float.UnmarshalJSON turns null into NaN (`if s == "null" { *f = NaN }`),
  // which passes `if query.ScaleFactor != 0`, and ScaleBy(NaN) makes every value and statistic null.
  // We read null as absent, as for every other field: no scaling.
  it('reads "scale-by": null as no scaling', async () => {
    const body = queryBody({ queries: [{ metric: 'load', host: 'a', 'scale-by': null }] });
    const res = await call(createApp({ store: filled() }), '/api/query', { body });
    expect(JSON.parse(await res.text()).results[0][0]).toMatchObject({ data: [1, 2], avg: 1.5, min: 1, max: 2 });
  });

  // DELIBERATE: json.Decoder refuses 1725620400.0 for an int64 field (strconv.ParseInt fails: 400).
  // JSON.parse reads it as 1725620400, the same second, and telling the two spellings apart would take
  // a scanner of our own over the body; no client that works with the reference sends it.
  it('accepts a whole number written with a fraction', async () => {
    const body = `{"cluster":"c","from":${T}.0,"to":${T + 120}.000,"queries":[{"metric":"load","host":"a","resolution":6e1}]}`;
    const res = await call(createApp({ store: filled() }), '/api/query', { body });
    expect(res.status).toBe(200);
    expect(JSON.parse(await res.text()).results[0][0]).toMatchObject({ data: [1, 2], from: T, to: T + 120, resolution: 60 });
  });

  it('matches field names case-insensitively like encoding/json', async () => {
    // json.Decoder matches a key to a struct tag exactly or, failing that, by bytes.EqualFold
    const body = JSON.stringify({ Cluster: 'c', FROM: T, To: T + 120, Queries: [{ Metric: 'load', Host: 'a' }] });
    const res = await call(createApp({ store: filled() }), '/api/query', { body });
    expect(JSON.parse(await res.text()).results[0][0].data).toEqual([1, 2]);
    const health = JSON.stringify({ CLUSTER: 'c', Nodes: ['a'], 'Metric-Names': ['load'] });
    expect((await call(createApp({ store: filled() }), '/api/healthcheck', { body: health })).status).toBe(200);
  });
});

describe('conformance over HTTP: write', () => {
  it('answers 200 with an empty body and stores under the cluster parameter', async () => {
    const store = makeStore();
    const res = await call(createApp({ store }), '/api/write?cluster=c', { method: 'POST', body: `load,hostname=x value=4 ${T}\n` });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    expect(store.listChildren(['c'])).toEqual(['x']);
  });

  // The reference's body is {"status", "error"}; ours adds the counts of the partial write (behaviour.md
  // section 5, ours) after them.
  it('answers 400 with the JSON error body for a malformed line and keeps the lines before it', async () => {
    const store = makeStore();
    const body = `load,cluster=c,hostname=x value=1 ${T}\nload,cluster=c,hostname=x value=oops ${T + 60}\nload,cluster=c,hostname=x value=3 ${T + 120}\n`;
    const res = await call(createApp({ store }), '/api/write/', { method: 'POST', body });
    expect(res.status).toBe(400);
    const err = JSON.parse(await res.text());
    expect(Object.keys(err)).toEqual(['status', 'error', 'stored', 'skipped', 'rejected', 'reasons', 'rejectedLines']);
    expect(err).toMatchObject({ status: 'Bad Request', stored: 1, rejected: 1, reasons: { malformed: 1 }, rejectedLines: [{ line: 2, reason: 'malformed' }] });
    expect(err.error).toMatch(/^line 2: .*; lines after it were not read; 1 of 2 lines rejected$/);
    expect(store.exportHost('c', 'x', { unsavedOnly: false })!.files[0].metrics.get('load')!.values.length).toBe(1);
  });
});

describe('conformance over HTTP: free, debug, health', () => {
  it('answers free with "buffers freed: N"', async () => {
    const res = await call(createApp({ store: filled() }), `/api/free?to=${T + 9999}`, { method: 'POST', body: '[["c","a"],["c","b"]]' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('buffers freed: 2\n');
  });

  it('answers 400 for a missing to', async () => {
    const res = await call(createApp({ store: filled() }), '/api/free', { method: 'POST', body: '[]' });
    expect(res.status).toBe(400);
  });

  // DELIBERATE: when strconv.ParseInt fails the reference answers
  // `handleError(err, http.StatusInternalServerError, rw)`, a 500 for a client's mistake;
  // behaviour.md section 6: "Missing or non-integer `to`: 400".
  it('answers 400 for a to that is no integer', async () => {
    const res = await call(createApp({ store: filled() }), '/api/free?to=abc', { method: 'POST', body: '[]' });
    expect(res.status).toBe(400);
    expect(JSON.parse(await res.text())).toEqual({ status: 'Bad Request', error: `'to' must be an integer (Unix seconds), got "abc"` });
  });

  // DELIBERATE: a body that is no list of selectors goes through `http.Error(rw, err.Error(),
  // http.StatusBadRequest)` in the reference, a text/plain answer; behaviour.md section 7 gives
  // every error the JSON body {"status", "error"}.
  it('answers a malformed free body with the JSON error body', async () => {
    const res = await call(createApp({ store: filled() }), `/api/free?to=${T}`, { method: 'POST', body: '{' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(JSON.parse(await res.text()))).toEqual(['status', 'error']);
  });

  it('answers debug for a selector and 400 for an unknown one', async () => {
    const app = createApp({ store: filled() });
    const ok = await call(app, '/api/debug?selector=c:a');
    expect(ok.status).toBe(200);
    expect(JSON.parse(await ok.text())).toEqual({ data: { load: [{ start: T - 30, len: 2, end: T + 90 }] } });
    const bad = await call(app, '/api/debug?selector=c:nohost');
    expect(bad.status).toBe(400);
  });

  // `json.NewEncoder(bw).Encode(results)` on a map[string]HealthCheckResult writes the nodes in
  // sorted order, whatever the request's order.
  it('encodes the health answer as a Go map: keys in sorted order', async () => {
    const body = JSON.stringify({ cluster: 'c', nodes: ['b', 'zz', 'a'], 'metric-names': ['load'] });
    const res = await call(createApp({ store: filled() }), '/api/healthcheck', { body });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(Object.keys(JSON.parse(text))).toEqual(['a', 'b', 'zz']);
  });

  it('refuses unknown fields of the health body', async () => {
    // `dec.DisallowUnknownFields()`
    const body = JSON.stringify({ cluster: 'c', nodes: ['a'], 'metric-names': ['load'], extra: 1 });
    const res = await call(createApp({ store: filled() }), '/api/healthcheck', { body });
    expect(res.status).toBe(400);
  });
});

describe('conformance over HTTP: authentication', () => {
  it('answers 401 without a bearer token and 200 with an EdDSA token', async () => {
    const keys = await createTestKeys();
    const app = createApp({ store: filled(), auth: await createJwtAuthenticator(keys.publicKeyBase64) });
    expect((await call(app, '/api/query', { body: queryBody() })).status).toBe(401);
    expect((await call(app, '/api/query', { body: queryBody(), headers: { authorization: 'Token x' } })).status).toBe(401);
    const token = await keys.sign();
    expect((await call(app, '/api/query', { body: queryBody(), headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  });

  // DELIBERATE: the reference's authHandler answers `http.Error(rw, "Use JWT Authentication",
  // http.StatusUnauthorized)`, a text/plain body; behaviour.md section 7 gives every error the
  // JSON body, and ours names what is wrong with the token.
  it('answers a missing token with the JSON error body', async () => {
    const keys = await createTestKeys();
    const app = createApp({ store: filled(), auth: await createJwtAuthenticator(keys.publicKeyBase64) });
    const res = await call(app, '/api/query', { body: queryBody() });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const err = JSON.parse(await res.text());
    expect(Object.keys(err)).toEqual(['status', 'error']);
    expect(err.status).toBe('Unauthorized');
  });
});
