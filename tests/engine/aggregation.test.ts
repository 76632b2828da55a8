// behaviour.md section 4: a selector above the level holding the data gathers
// every descendant series and combines them like the reference's Read.
import { describe, expect, it } from 'vitest';
import { lp, makeStore, queryJson } from './helpers.ts';

const T = 1725620400;
const FRONT = '[METRICSTORE]> data from lower granularities does not align (missing data prior to start of the buffers)';
const BACK = '[METRICSTORE]> data from lower granularities does not align (missing data after the end of the buffers)';
const LEN = '[METRICSTORE]> data from lower granularities does not align (collected data length is different than expected data length)';

function store(lines: string[]) {
  const s = makeStore();
  const r = s.ingest(lp(lines.join('\n') + '\n'), 'fritz', T);
  expect(r.error).toBeNull();
  return s;
}

function hw(metric: string, id: number, offset: number, values: number[]): string[] {
  return values.map((v, i) => `${metric},cluster=fritz,hostname=h,type=hwthread,type-id=${id} value=${v} ${T + offset + i * 60}`);
}

function q(s: ReturnType<typeof makeStore>, query: Record<string, unknown>, from = T - 600, to = T + 6000) {
  return queryJson(s, { cluster: 'fritz', from, to, queries: [{ host: 'h', ...query } as any], 'with-padding': false }).results[0];
}

describe('aggregation', () => {
  it('sums (sum) and averages (avg) the series of all descendants', () => {
    const s = store([...hw('mem_bw', 0, 0, [1, 2, 3]), ...hw('mem_bw', 1, 0, [10, 20, 30]),
      ...hw('cpu_user', 0, 0, [1, 2, 4]), ...hw('cpu_user', 1, 0, [2, 2, 2]), ...hw('cpu_user', 2, 0, [3, 5, 7])]);
    expect(q(s, { metric: 'mem_bw' })[0]).toMatchObject({ data: [11, 22, 33], from: T, to: T + 180 });
    const avg = [(1 + 2 + 3) * (1 / 3), (2 + 2 + 5) * (1 / 3), (4 + 2 + 7) * (1 / 3)].map(Math.fround);
    // printed as the shortest decimal of the 32-bit value
    expect(q(s, { metric: 'cpu_user' })[0].data.map(Math.fround)).toEqual(avg);
  });

  it('answers with the level that holds the metric and does not descend below it', () => {
    const s = store([`cpu_user,cluster=fritz,hostname=h value=99 ${T}`, ...hw('cpu_user', 0, 0, [1])]);
    expect(q(s, { metric: 'cpu_user' })[0].data).toEqual([99]);
  });

  it('combines only the children of a group', () => {
    const s = store([...hw('mem_bw', 0, 0, [1]), ...hw('mem_bw', 1, 0, [10]), ...hw('mem_bw', 2, 0, [100])]);
    expect(q(s, { metric: 'mem_bw', type: 'hwthread', 'type-ids': ['0', '2'], aggreg: true })[0].data).toEqual([101]);
    expect(q(s, { metric: 'mem_bw', type: 'hwthread', 'type-ids': ['1'], aggreg: true })[0].data).toEqual([10]);
  });

  it('combines a group of many ids of mixed lengths, missing ones skipped (one reservation for all names)', () => {
    // 600 ids of 1 to 3 digits: the selector's names grow past the scratch's first size.
    const lines: string[] = [];
    for (let id = 0; id < 600; id++) lines.push(`mem_bw,cluster=fritz,hostname=h,type=hwthread,type-id=${id} value=${id % 7} ${T}`);
    const s = store(lines);
    const ids = Array.from({ length: 600 }, (_, i) => String(i)).filter((id) => id !== '5');
    const want = ids.reduce((a, id) => a + (Number(id) % 7), 0);
    expect(q(s, { metric: 'mem_bw', type: 'hwthread', 'type-ids': [...ids, '1000', '77x'], aggreg: true })[0].data).toEqual([want]);
  });

  it('is an error for a metric without aggregation over several series', () => {
    const s = store([...hw('cpu_load', 0, 0, [1]), ...hw('cpu_load', 1, 0, [2])]);
    expect(q(s, { metric: 'cpu_load' })).toEqual([
      { error: '[METRICSTORE]> invalid aggregation', from: 0, to: 0, resolution: 0, avg: 0, min: 0, max: 0 },
    ]);
    // one series needs no aggregation
    expect(q(s, { metric: 'cpu_load', type: 'hwthread', 'type-ids': ['1'] })[0].data).toEqual([2]);
  });

  it('propagates NaN through sums', () => {
    const s = store([...hw('mem_bw', 0, 0, [1, 2, 3]), ...hw('mem_bw', 1, 0, [10]), ...hw('mem_bw', 1, 120, [30])]);
    expect(q(s, { metric: 'mem_bw' })[0].data).toEqual([11, null, 33]);
  });

  it('reports missing data at the front', () => {
    const s = store([...hw('mem_bw', 0, 0, [1, 2, 3]), ...hw('mem_bw', 1, 120, [3])]);
    expect(q(s, { metric: 'mem_bw' })[0].error).toBe(FRONT);
  });

  it('reports missing data at the back', () => {
    const s = store([...hw('mem_bw', 0, 0, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), ...hw('mem_bw', 1, 0, [1, 2, 3, 4, 5])]);
    expect(q(s, { metric: 'mem_bw' })[0].error).toBe(BACK);
  });

  it('reports a length mismatch', () => {
    // the second series is 20 s later on its grid: front and back differ by less than a step
    const s = store([...hw('mem_bw', 0, 0, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), ...hw('mem_bw', 1, 20, [1, 2, 3, 4, 5, 6, 7, 8, 9])]);
    expect(q(s, { metric: 'mem_bw' }, T - 100, T + 600)[0].error).toBe(LEN);
    // with the same length the shifted series is accepted, and its range is reported
    const t = store([...hw('mem_bw', 0, 0, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), ...hw('mem_bw', 1, 20, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])]);
    expect(q(t, { metric: 'mem_bw' }, T - 100, T + 600)[0]).toMatchObject({ from: T + 20, to: T + 620 });
  });

  it('leaves no entry when nothing is found', () => {
    const s = store(hw('mem_bw', 0, 0, [1]));
    expect(q(s, { metric: 'mem_bw', host: 'nohost' })).toEqual([]);
    expect(q(s, { metric: 'cpu_user' })).toEqual([]);
    expect(q(s, { metric: 'mem_bw', type: 'hwthread', 'type-ids': ['7'] })).toEqual([]);
    expect(q(s, { metric: 'mem_bw', type: 'hwthread', 'type-ids': [] , aggreg: true })).toEqual([]);
  });
});

describe('aggregation of children that do not align, compression on and off', () => {
  // readAggregate finds a misaligned child's error from the spans alone when
  // compression is on (alignmentError): the same answer bytes as the raw store.
  it('answers the same bytes (data or error) as the raw store', () => {
    let seed = 20261204;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const dec = new TextDecoder();
    const seen = { errors: 0, data: 0 };
    for (let run = 0; run < 30; run++) {
      const stores = [makeStore(), makeStore({ compression: false })];
      const children = 2 + Math.floor(rand() * 12);
      const slots = 600 + Math.floor(rand() * 1200);
      const lines: string[] = [];
      for (let c = 0; c < children; c++) {
        // Each child may lose its first, its last or a middle line, or start off the grid.
        const skipFirst = rand() < 0.2;
        const skipLast = rand() < 0.2;
        const skipAt = rand() < 0.5 ? Math.floor(rand() * slots) : -1;
        const shift = rand() < 0.1 ? 20 : 0;
        for (let i = skipFirst ? 1 : 0; i < slots - (skipLast ? 1 : 0); i++) {
          if (i === skipAt) continue;
          lines.push(`mem_bw,cluster=fritz,hostname=h,type=hwthread,type-id=${c} value=${(i % 17) + c / 4} ${T + shift + i * 60}`);
        }
      }
      const ranges = [[T - 600, T + slots * 60 + 600], [T + 60 * Math.floor(rand() * slots), T + slots * 60 - 60 * Math.floor(rand() * 50)]];
      const answers = stores.map((s) => {
        expect(s.ingest(lp(lines.join('\n') + '\n'), 'fritz', T).error).toBeNull();
        return ranges.map(([from, to]) =>
          dec.decode(s.query({ cluster: 'fritz', from, to, queries: [{ metric: 'mem_bw', host: 'h', type: 'hwthread', 'type-ids': Array.from({ length: children }, (_, c) => String(c)), aggreg: true }] })),
        );
      });
      expect(answers[0]).toEqual(answers[1]);
      for (const a of answers[0]) seen[a.includes('"error"') ? 'errors' : 'data']++;
    }
    // Both kinds of answer were compared.
    expect(seen.errors).toBeGreaterThan(5);
    expect(seen.data).toBeGreaterThan(5);
  });
});
