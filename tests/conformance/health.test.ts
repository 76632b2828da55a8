// behaviour.md section 6 (health) against cc-backend healthcheck.go
// (isBufferHealthy, collectMetricStatus, getHealthyMetrics, HealthCheck).
import { describe, expect, it } from 'vitest';
import { ingest, makeStore, series, T } from './support.ts';

const health = (degraded: string[], missing: string[]) => JSON.stringify({ degraded, missing });

describe('conformance: health of one series', () => {
  // one sample at T: start T-30, len 1; `bufferEnd := b.start + b.frequency*int64(len(b.data))` = T+30;
  // healthy while `t-bufferEnd <= MaxMissingDataPoints*b.frequency` (5 * 60)
  const s = makeStore();
  ingest(s, series('load', 'h', [[T, 1]]));

  it('is healthy up to 5 steps after the end of the newest chunk, degraded one second later', () => {
    expect(s.healthCheck('c', ['h'], ['load'], T + 330).h).toEqual({ State: 'full', HealthMetrics: health([], []) });
    expect(s.healthCheck('c', ['h'], ['load'], T + 331).h).toEqual({ State: 'failed', HealthMetrics: health(['load'], []) });
  });

  it('looks at the newest chunk only', () => {
    const t = makeStore();
    ingest(t, series('load', 'h', [[T - 100000, 1], [T, 2]]));
    expect(t.healthCheck('c', ['h'], ['load'], T + 330).h.State).toBe('full');
  });
});

describe('conformance: health of a node', () => {
  function node() {
    const s = makeStore();
    ingest(s,
      series('load', 'h', [[T, 1]]) +
      series('user', 'h', [[T, 1]], ',type=socket,type-id=0') + series('user', 'h', [[T - 3600, 1]], ',type=socket,type-id=1') +
      series('bw', 'h', [[T, 1]]) + series('bw', 'h', [[T - 3600, 1]], ',type=socket,type-id=0') +
      series('ten', 'h', [[T - 3600, 1]], ',type=socket,type-id=0,stype=core,stype-id=0'));
    return s;
  }
  const now = T + 60;

  it('calls a metric degraded when any series below the host is stale, even next to fresh ones', () => {
    // collectMetricStatus: a stale buffer sets degraded and removes healthy, whatever the walk order
    const r = node().healthCheck('c', ['h'], ['load', 'user', 'bw', 'ten'], now).h;
    expect(r).toEqual({ State: 'partial', HealthMetrics: health(['user', 'bw', 'ten'], []) });
  });

  it('calls a metric missing when no level holds it, and an unknown name too', () => {
    const r = node().healthCheck('c', ['h'], ['one', 'load', 'nope'], now).h;
    expect(r).toEqual({ State: 'partial', HealthMetrics: health([], ['one', 'nope']) });
  });

  it('fails a node with no healthy metric, listing them', () => {
    // `case healthyCount == 0: state = schema.MonitoringStateFailed`
    expect(node().healthCheck('c', ['h'], ['user', 'one'], now).h).toEqual({ State: 'failed', HealthMetrics: health(['user'], ['one']) });
  });

  it('fails a node without level with empty health metrics', () => {
    // `results[hostname] = HealthCheckResult{State: schema.MonitoringStateFailed}`
    expect(node().healthCheck('c', ['nohost'], ['load'], now)).toEqual({ nohost: { State: 'failed', HealthMetrics: '' } });
    expect(node().healthCheck('nocluster', ['h'], ['load'], now)).toEqual({ h: { State: 'failed', HealthMetrics: '' } });
  });

  it('is full for an empty metric list', () => {
    expect(node().healthCheck('c', ['h'], [], now).h).toEqual({ State: 'full', HealthMetrics: health([], []) });
  });

  it('lists a repeated metric name as often as it is asked for', () => {
    // healthyCount = len(expectedMetrics) - degradedCount - missingCount
    expect(node().healthCheck('c', ['h'], ['one', 'one'], now).h).toEqual({ State: 'failed', HealthMetrics: health([], ['one', 'one']) });
    expect(node().healthCheck('c', ['h'], ['load', 'load', 'one'], now).h).toEqual({ State: 'partial', HealthMetrics: health([], ['one']) });
  });

  it('answers a repeated node once', () => {
    expect(Object.keys(node().healthCheck('c', ['h', 'h', 'x'], ['load'], now))).toEqual(['h', 'x']);
  });

  it('fails a host level emptied by free() with every metric missing (the level still exists)', () => {
    const s = node();
    s.free(['c', 'h'], T + 99999);
    expect(s.healthCheck('c', ['h'], ['load', 'bw'], now).h).toEqual({ State: 'failed', HealthMetrics: health([], ['load', 'bw']) });
  });
});
