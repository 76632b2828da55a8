import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.ts';
import { call, fetchOnly, json } from '../support/app-client.ts';
import { createTestStore } from '../support/test-store.ts';

const body = JSON.stringify({
  cluster: 'fritz',
  from: 1000,
  to: 2000,
  queries: [{ metric: 'cpu_load', host: 'f0101' }],
});

describe('/api/query', () => {
  it('reads the JSON body of a GET, as cc-backend sends it (?version=v2, no trailing slash)', async () => {
    const store = createTestStore({ query: () => ({ results: [[{ from: 1000, to: 2000, resolution: 60 }]] }) });
    const app = createApp({ store });
    const res = await call(app, '/api/query?version=v2', { body });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await json(res)).toEqual({ results: [[{ from: 1000, to: 2000, resolution: 60 }]] });
    expect(store.calls.query).toHaveLength(1);
    expect(store.calls.query[0]!.cluster).toBe('fritz');
  });

  it.each([
    ['GET', '/api/query/'],
    ['POST', '/api/query'],
    ['POST', '/api/query/'],
  ])('answers %s %s', async (method, path) => {
    const store = createTestStore();
    const res = await call(createApp({ store }), path, { method, body });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ results: [[]] });
  });

  it('takes a POST body from the Request when there is no IncomingMessage', async () => {
    const store = createTestStore();
    const res = await fetchOnly(createApp({ store }), '/api/query', { method: 'POST', body });
    expect(res.status).toBe(200);
    expect(store.calls.query[0]!.from).toBe(1000);
  });

  it('fills in the reference defaults: with-stats, with-data and with-padding true', async () => {
    const store = createTestStore();
    await call(createApp({ store }), '/api/query', { body });
    expect(store.calls.query[0]).toEqual({
      cluster: 'fritz',
      from: 1000,
      to: 2000,
      queries: [
        {
          metric: 'cpu_load',
          host: 'f0101',
          type: null,
          'type-ids': null,
          subtype: null,
          'subtype-ids': null,
          resolution: 0,
          'scale-by': 0,
          aggreg: false,
        },
      ],
      'for-all-nodes': null,
      'with-stats': true,
      'with-data': true,
      'with-padding': true,
    });
  });

  it('passes every field of a full query through, and null as the default', async () => {
    const store = createTestStore();
    const full = {
      cluster: 'fritz',
      from: 1,
      to: 2,
      'for-all-nodes': ['cpu_load'],
      'with-stats': false,
      'with-data': null,
      'with-padding': false,
      queries: [
        {
          metric: 'flops_any',
          host: 'f0102',
          type: 'hwthread',
          'type-ids': ['0', '1'],
          subtype: 'core',
          'subtype-ids': ['3'],
          resolution: 600,
          'scale-by': 1e-9,
          aggreg: true,
          'unknown-field': 'ignored as by the reference',
        },
      ],
    };
    await call(createApp({ store }), '/api/query', { method: 'POST', body: JSON.stringify(full) });
    const req = store.calls.query[0]!;
    expect(req['for-all-nodes']).toEqual(['cpu_load']);
    expect(req['with-stats']).toBe(false);
    expect(req['with-data']).toBe(true);
    expect(req['with-padding']).toBe(false);
    expect(req.queries[0]).toEqual({
      metric: 'flops_any',
      host: 'f0102',
      type: 'hwthread',
      'type-ids': ['0', '1'],
      subtype: 'core',
      'subtype-ids': ['3'],
      resolution: 600,
      'scale-by': 1e-9,
      aggreg: true,
    });
  });

  it('matches keys case-insensitively like encoding/json, null never clearing a value set before', async () => {
    const store = createTestStore();
    // Go's bytes.EqualFold: "FROM", "With-Stats", and the long s U+017F for s; a later key wins
    const text = `{"Cluster": "fritz", "FROM": 5, "to": 7, "To": null, "With-Stats": false, "for-all-nodes": ["a"],
      "FOR-ALL-NODES": ["b"], "__proto__": 1, "froms": 9,
      "QUERIES": [{"METRIC": "cpu_load", "Host": "f0101", "\u017fcale-by": 2, "Aggreg": true, "Type-Ids": ["1"]}]}`;
    const res = await call(createApp({ store }), '/api/query', { body: text });
    expect(res.status).toBe(200);
    const req = store.calls.query[0]!;
    expect(req).toMatchObject({ cluster: 'fritz', from: 5, to: 7, 'with-stats': false, 'for-all-nodes': ['b'] });
    expect(req.queries[0]).toMatchObject({ metric: 'cpu_load', host: 'f0101', 'scale-by': 2, aggreg: true, 'type-ids': ['1'] });
  });

  it('does not fold the dotted and dotless i onto i, as bytes.EqualFold does not', async () => {
    const store = createTestStore();
    await call(createApp({ store }), '/api/query', { body: '{"queries": [{"metric": "m", "type-\u0131ds": ["1"], "subtype-\u0130ds": ["2"]}]}' });
    expect(store.calls.query[0]!.queries[0]).toMatchObject({ 'type-ids': null, 'subtype-ids': null });
  });

  it.each([
    ['{"cluster": "fritz", "from": "yesterday"}', 'from: expected an integer, got "yesterday"'],
    ['{"from": 1.5}', 'from: expected an integer, got 1.5'],
    ['{"cluster": 7}', 'cluster: expected a string, got 7'],
    ['{"queries": {"metric": "x"}}', 'queries: expected an array, got an object'],
    ['{"queries": [{"metric": "x", "type-ids": [0]}]}', 'queries[0].type-ids[0]: expected a string, got 0'],
    ['{"queries": [{"metric": "x", "resolution": "60"}]}', 'queries[0].resolution: expected an integer, got "60"'],
    ['{"queries": [{"metric": "x", "aggreg": "yes"}]}', 'queries[0].aggreg: expected true or false, got "yes"'],
    ['{"for-all-nodes": "cpu_load"}', 'for-all-nodes: expected an array, got "cpu_load"'],
    ['[1, 2]', 'request body: expected an object, got an array'],
  ])('answers %s with a 400 naming the field', async (text, message) => {
    const store = createTestStore();
    const res = await call(createApp({ store }), '/api/query', { body: text });
    expect(res.status).toBe(400);
    expect(await json(res)).toEqual({ status: 'Bad Request', error: message });
    expect(store.calls.query).toHaveLength(0);
  });

  it('answers a body that is not JSON, or none, with a 400', async () => {
    const app = createApp({ store: createTestStore() });
    const broken = await call(app, '/api/query', { body: '{"cluster": ' });
    expect(broken.status).toBe(400);
    expect(((await json(broken)) as { error: string }).error).toMatch(/^request body is not valid JSON/);
    const empty = await call(app, '/api/query');
    expect(empty.status).toBe(400);
    expect(await json(empty)).toEqual({ status: 'Bad Request', error: 'empty request body: expected a query object' });
  });
});
