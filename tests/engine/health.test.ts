// behaviour.md section 6, health: healthcheck.go over the host's subtree.
import { describe, expect, it } from 'vitest';
import { lp, makeStore } from './helpers.ts';

const T = 1725620400;

function filled() {
  const s = makeStore();
  s.ingest(lp([
    `cpu_load,cluster=fritz,hostname=a value=1 ${T}`,
    `mem_used,cluster=fritz,hostname=a value=1 ${T - 3600}`,
    `cpu_user,cluster=fritz,hostname=a,type=hwthread,type-id=0 value=1 ${T}`,
    `cpu_user,cluster=fritz,hostname=a,type=hwthread,type-id=1 value=1 ${T - 3600}`,
    `cpu_load,cluster=fritz,hostname=b value=1 ${T - 3600}`,
  ].join('\n')), 'fritz', T);
  return s;
}

describe('health check', () => {
  // A series is healthy while now - (start + f * len) <= 5 f; start = T - 30.
  const now = T - 30 + 60 + 5 * 60;

  it('is full when every metric is healthy somewhere below the host', () => {
    expect(filled().healthCheck('fritz', ['a'], ['cpu_load'], now)).toEqual({
      a: { State: 'full', HealthMetrics: '{"degraded":[],"missing":[]}' },
    });
  });

  it('counts a metric as degraded when any of its series is stale, missing when none exists', () => {
    const r = filled().healthCheck('fritz', ['a'], ['cpu_load', 'cpu_user', 'mem_used', 'mem_bw', 'unknown'], now);
    expect(r.a.State).toBe('partial');
    expect(JSON.parse(r.a.HealthMetrics)).toEqual({ degraded: ['cpu_user', 'mem_used'], missing: ['mem_bw', 'unknown'] });
  });

  it('goes stale after 5 steps', () => {
    const s = filled();
    expect(s.healthCheck('fritz', ['a'], ['cpu_load'], now + 1).a.State).toBe('failed');
  });

  it('fails a node without healthy metrics or without any level', () => {
    const r = filled().healthCheck('fritz', ['b', 'nohost'], ['cpu_load'], now);
    expect(r.b).toEqual({ State: 'failed', HealthMetrics: '{"degraded":["cpu_load"],"missing":[]}' });
    expect(r.nohost).toEqual({ State: 'failed', HealthMetrics: '' });
  });

  it('answers a node named __proto__ like any other', () => {
    const r = filled().healthCheck('fritz', ['__proto__', 'nohost'], ['cpu_load'], now);
    expect(Object.keys(r)).toEqual(['__proto__', 'nohost']);
    expect(r['__proto__']).toEqual({ State: 'failed', HealthMetrics: '' });
  });
});
