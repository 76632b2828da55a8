// behaviour.md section 6, debug: the dump of debug.go, as valid JSON.
import { describe, expect, it } from 'vitest';
import { lp, makeStore } from './helpers.ts';

const T = 1725620400;

function filled(shards = 1) {
  const s = makeStore({ shards });
  s.ingest(lp([
    `cpu_load,cluster=fritz,hostname=a value=1 ${T}`,
    `cpu_load,cluster=fritz,hostname=a value=2 ${T + 60}`,
    `cpu_user,cluster=fritz,hostname=a,type=hwthread,type-id=0 value=1 ${T}`,
    `cpu_load,cluster=fritz,hostname=b value=1 ${T}`,
    `cpu_load,cluster=alex,hostname=c value=1 ${T}`,
  ].join('\n')), 'fritz', T);
  return s;
}

describe('debug dump', () => {
  it('lays out a host like debug.go, without trailing commas', () => {
    expect(filled().debugDump(['fritz', 'a'])).toBe(
      '{"data":{\n' +
      `\t"cpu_load":[{"start":${T - 30},"len":2,"end":${T - 30 + 120}}],\n` +
      '\t"hwthread0":{\n' +
      `\t\t"cpu_user":[{"start":${T - 30},"len":1,"end":${T + 30}}]\n` +
      '\t}\n' +
      '}}\n');
  });

  it('nests children by name down from any level, and is null for an unknown selector', () => {
    const s = filled();
    const root = JSON.parse(s.debugDump([])!);
    expect(Object.keys(root.data)).toEqual(['fritz', 'alex']);
    expect(Object.keys(root.data.fritz)).toEqual(['a', 'b']);
    expect(root.data.fritz.a.hwthread0.cpu_user).toHaveLength(1);
    expect(s.debugDump(['fritz', 'nohost'])).toBeNull();
    expect(s.debugDump(['nocluster'])).toBeNull();
  });

  it('marks chunks that are on disk as saved', () => {
    const s = filled();
    s.loadHost('fritz', 'd', {
      metrics: new Map([['cpu_load', { frequency: 60, start: T - 600 * 60, values: new Float32Array([1, 2, 3]) }]]),
      children: new Map(),
    });
    // past the 512 slots the loaded chunk has room for: a chunk of its own
    s.ingest(lp(`cpu_load,cluster=fritz,hostname=d value=4 ${T}\n`), 'fritz', T);
    expect(JSON.parse(s.debugDump(['fritz', 'd'])!).data.cpu_load).toEqual([
      { start: T - 600 * 60, len: 3, end: T - 600 * 60 + 180, saved: true },
      { start: T - 30, len: 1, end: T + 30 },
    ]);
  });

  it('merges the shards above the hosts into one dump', () => {
    const one = filled(1);
    const many = filled(4);
    for (const sel of [[], ['fritz'], ['alex'], ['fritz', 'a']]) {
      expect(JSON.parse(many.debugDump(sel)!)).toEqual(JSON.parse(one.debugDump(sel)!));
    }
    expect(many.debugDump(['nocluster'])).toBeNull();
  });
});
