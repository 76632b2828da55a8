// The request histogram prints what prom-client's own Histogram prints for the
// same observations (it replaces it on the hot path for speed, not for output).

import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { RequestHistogram } from '../../src/monitor/request-histogram.ts';

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const NAME = 'cc_metric_store_http_request_duration_seconds';
const HELP = 'Time from a request to its answer';

describe('RequestHistogram', () => {
  it('exposes the text and JSON of prom-client Histogram for the same observations', async () => {
    const theirs = new Registry();
    const ours = new Registry();
    const reference = new Histogram({ name: NAME, help: HELP, labelNames: ['route', 'status'], buckets: BUCKETS, registers: [theirs] });
    const histogram = new RequestHistogram<'route' | 'status'>(NAME, HELP, BUCKETS, ours);
    const children = new Map<string, ReturnType<typeof histogram.child>>();
    // Bounds exactly, between them, beyond the last, zero; three label sets in a mixed order.
    const values = [0, 0.001, 0.0011, 0.3, 1, 119.9, 120, 121, 1e6, 0.00002, 2.5, 7];
    const labelSets = [
      { route: '/api/query', status: '2xx' },
      { route: '/api/write', status: '4xx' },
      { route: '/api/query', status: '5xx' },
    ];
    values.forEach((v, i) => {
      const labels = labelSets[(i * 7) % 3]!;
      reference.labels(labels).observe(v);
      const key = `${labels.route} ${labels.status}`;
      if (!children.has(key)) children.set(key, histogram.child(labels));
      children.get(key)!.observe(v);
    });
    const text = await ours.metrics();
    expect(text).toBe(await theirs.metrics());
    expect(text).toContain(`${NAME}_bucket{le="+Inf",route="/api/write",status="4xx"}`);
    expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
  });

  it('refuses what prom-client refuses, and resets to zero', async () => {
    const registry = new Registry();
    const child = new RequestHistogram<'route'>(NAME, HELP, BUCKETS, registry).child({ route: '/x' });
    expect(() => child.observe(Number.NaN)).toThrow(TypeError);
    child.observe(0.2);
    expect(await registry.metrics()).toContain(`${NAME}_count{route="/x"} 1`);
    registry.resetMetrics();
    expect(await registry.metrics()).toContain(`${NAME}_count{route="/x"} 0`);
  });
});
