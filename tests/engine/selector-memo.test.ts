// assembly/selector-memo.ts: a grouped selector's levels are remembered by its
// bytes while the tree keeps its shape. A store that has answered many queries
// (its memo warm) must answer every query as a store that never saw one (the
// walk over the names, which the memo replaces), whatever was written, freed
// and written again in between.
import { describe, expect, it } from 'vitest';
import { lp, makeStore } from './helpers.ts';
import type { Store } from '../../src/engine/store.ts';
import type { QueryRequest } from '../../src/engine/types.ts';

const T = 1725620400;
const dec = new TextDecoder();

type Op = { ingest: string } | { free: [string[], number] };

function apply(s: Store, op: Op) {
  if ('ingest' in op) expect(s.ingest(lp(op.ingest), 'c0', T).error).toBeNull();
  else s.free(op.free[0], op.free[1]);
}

/** A store that has seen the ops and no query: every selector walks its names. */
function cold(log: Op[], options: Record<string, unknown>) {
  const s = makeStore(options);
  for (const op of log) apply(s, op);
  return s;
}

const answer = (s: Store, req: QueryRequest) => dec.decode(s.query(req));

describe('selector memo', () => {
  it('answers as a store without it, across writes that add levels and frees that remove them', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const pick = <X>(xs: X[]) => xs[Math.floor(rnd() * xs.length)];
    const metrics = ['mem_bw', 'cpu_user', 'flops_any', 'cpu_load'];
    // 40 hosts: more than the memo's slots, so hosts share them.
    const hosts = Array.from({ length: 40 }, (_, i) => `h${i}`);
    const idLists = [['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], ['0', '2', '4', '10'], ['1'], ['', '3'], ['9', '8', '7', '3', '3'], []];
    for (const options of [{}, { shards: 3 }, { compression: false }]) {
      const warm = makeStore(options);
      const log: Op[] = [];
      let t = T;
      let checked = 0;
      for (let step = 0; step < 160; step++) {
        const r = rnd();
        if (r < 0.35) {
          // Writes: a few hosts' hwthreads, sockets and their memory controllers, some at the host level itself.
          const lines: string[] = [];
          for (let k = 0; k < 3; k++) {
            const host = pick(hosts.slice(0, 12));
            const cluster = rnd() < 0.8 ? 'c0' : 'c1';
            const metric = pick(metrics);
            const where = rnd();
            const tags = where < 0.5 ? `,type=hwthread,type-id=${Math.floor(rnd() * 10)}`
              : where < 0.8 ? `,type=socket,type-id=${Math.floor(rnd() * 3)},stype=memctrl,stype-id=${Math.floor(rnd() * 2)}`
                : where < 0.9 ? `,type=socket,type-id=${Math.floor(rnd() * 3)}` : '';
            for (let i = 0; i < 20; i++) lines.push(`${metric},cluster=${cluster},hostname=${host}${tags} value=${Math.floor(rnd() * 100)} ${t + i * 60}`);
          }
          t += 20 * 60;
          const op = { ingest: lines.join('\n') };
          apply(warm, op);
          log.push(op);
          continue;
        }
        if (r < 0.45) {
          // Frees that remove whole levels (all their data is older), so new ones may take their addresses.
          const op: Op = { free: [rnd() < 0.5 ? ['c0', pick(hosts.slice(0, 12))] : ['c0'], t - Math.floor(rnd() * 40) * 60] };
          apply(warm, op);
          log.push(op);
          continue;
        }
        // Few selectors, asked again and again (as a job view's refreshes do), some hosts never written.
        const host = rnd() < 0.9 ? pick(hosts.slice(0, 12)) : pick(hosts);
        const ids = pick(idLists);
        const shape = rnd();
        const query = shape < 0.5 ? { type: 'hwthread', 'type-ids': ids, aggreg: true }
          : shape < 0.7 ? { type: 'socket', 'type-ids': ids.map((x) => String(Number(x) % 3)), aggreg: true, ...(rnd() < 0.5 ? { subtype: 'memctrl', 'subtype-ids': ['0', '1'] } : {}) }
            : shape < 0.8 ? { type: 'hwthread', 'type-ids': ids } : {};
        const req = {
          cluster: rnd() < 0.9 ? 'c0' : 'c1', from: T, to: t,
          queries: metrics.map((metric) => ({ metric, host, ...query })),
        } as QueryRequest;
        // Twice on the warm store: the second finds what the first kept.
        const first = answer(warm, req);
        const again = answer(warm, req);
        const want = answer(cold(log, options), req);
        expect(first).toBe(want);
        expect(again).toBe(want);
        checked++;
      }
      expect(checked).toBeGreaterThan(60);
    }
  });

  it('finds a level written after the selector was answered, and forgets one freed', () => {
    const s = makeStore();
    const hw = (id: number, v: number, at = T) => `mem_bw,cluster=c,hostname=h,type=hwthread,type-id=${id} value=${v} ${at}`;
    s.ingest(lp([hw(0, 1), hw(1, 10)].join('\n')), 'c', T);
    const req = { cluster: 'c', from: T, to: T + 60, queries: [{ metric: 'mem_bw', host: 'h', type: 'hwthread', 'type-ids': ['0', '1', '2'], aggreg: true }] } as QueryRequest;
    const data = () => JSON.parse(answer(s, req)).results[0][0]?.data;
    expect(data()).toEqual([11]);
    expect(data()).toEqual([11]);
    s.ingest(lp(hw(2, 100)), 'c', T);
    expect(data()).toEqual([111]);
    // All of the host's hwthreads go (their levels with them); two come back, made anew (maybe at the freed addresses).
    expect(s.free(['c', 'h'], T + 513 * 60)).toBe(3);
    expect(data()).toBeUndefined();
    s.ingest(lp([hw(1, 5), hw(0, 7)].join('\n')), 'c', T);
    expect(data()).toEqual([12]);
  });

  it('keeps no selector past its bounds and answers it all the same', () => {
    const s = makeStore();
    const lines = Array.from({ length: 1500 }, (_, id) => `mem_bw,cluster=c,hostname=h,type=hwthread,type-id=${id} value=1 ${T}`);
    s.ingest(lp(lines.join('\n')), 'c', T);
    const ids = Array.from({ length: 1500 }, (_, i) => String(i));
    const req = { cluster: 'c', from: T, to: T + 60, queries: [{ metric: 'mem_bw', host: 'h', type: 'hwthread', 'type-ids': ids, aggreg: true }] } as QueryRequest;
    for (let k = 0; k < 2; k++) expect(JSON.parse(answer(s, req)).results[0][0].data).toEqual([1500]);
    const stats = s.stats();
    expect(stats.scratchBytes).toBeLessThan(1 << 20);
  });
});
