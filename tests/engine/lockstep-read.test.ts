// The aggregated read in lockstep (assembly/read.ts readLockstep): series whose
// chains have series 1's shape take their chunks in one walk (followsChain),
// and a page raw in every newest chunk is added slot by slot
// (assembly/raw-page-add.ts). Either must answer the bytes of the series by
// series read, which a store without compression always takes: shown over
// ranges that start and end anywhere in a page, pages raw in some series and
// packed in others, values of every sign (-0 too), missing slots, series
// with an extra or a shifted chunk, and few or many series.
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/engine/store.ts';
import type { QueryRequest } from '../../src/engine/types.ts';
import { mulberry32 } from './support/seeded-workload.ts';
import { lp, makeStore } from './helpers.ts';

const T = 1725620400;
const F = 60;

function ask(s: Store, ids: string[], from: number, to: number): string {
  const queries: QueryRequest['queries'] = [
    { metric: 'mem_bw', host: 'h', type: 'hwthread', 'type-ids': ids, aggreg: true },
    { metric: 'cpu_user', host: 'h', type: 'hwthread', 'type-ids': ids, aggreg: true },
  ];
  return new TextDecoder().decode(s.query({ cluster: 'c', from, to, queries, 'with-stats': true, 'with-padding': false }));
}

describe('lockstep read', () => {
  it('answers as the series by series read, page raw or packed, chains alike or not', () => {
    const r = mulberry32(20261204);
    const rint = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
    for (let run = 0; run < 24; run++) {
      const stores = [makeStore(), makeStore({ compression: false })];
      const hw = rint(2, 40);
      // Per hwthread: noisy values (no codec shrinks them: the pages stay raw) or tame ones (packed).
      const noisy = Array.from({ length: hw }, () => r() < (run % 3 === 0 ? 0.5 : run % 3 === 1 ? 1 : 0));
      const odd = rint(0, hw - 1);
      const shape = run % 4; // 0: all alike, 1: one series starts later, 2: one has an older chunk, 3: one skips slots
      const slots = rint(600, 1700);
      const lines: string[] = [];
      for (let t = 0; t < hw; t++) {
        const first = shape === 1 && t === odd ? rint(1, 200) : shape === 2 && t === odd ? -rint(1, 600) : 0;
        for (let i = first; i < slots; i++) {
          if (shape === 3 && t === odd && i % 97 < 5) continue;
          if (r() < 0.01) continue;
          const k = r();
          const v = noisy[t] ? (k < 0.05 ? '-0' : String(Math.fround((r() - 0.3) * 1e6 * Math.sin(i + t))))
            : String(((i * 7 + t) % 23) / 4);
          lines.push(`mem_bw,cluster=c,hostname=h,type=hwthread,type-id=${t} value=${v} ${T + i * F}`);
          lines.push(`cpu_user,cluster=c,hostname=h,type=hwthread,type-id=${t} value=${v} ${T + i * F}`);
        }
      }
      for (const s of stores) expect(s.ingest(lp(lines.join('\n')), 'c', T + slots * F).error).toBeNull();
      const all = Array.from({ length: hw }, (_, t) => String(t));
      for (let q = 0; q < 8; q++) {
        const from = T + rint(-100, slots) * F + rint(0, 59);
        const to = q % 2 === 0 ? T + slots * F : from + rint(1, 700) * F;
        const ids = q % 3 === 2 ? all.filter(() => r() < 0.6) : all;
        expect(ask(stores[0], ids, from, to)).toBe(ask(stores[1], ids, from, to));
      }
    }
  });
});
