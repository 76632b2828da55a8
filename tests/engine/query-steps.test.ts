// A query answered in steps (assembly/query-step.ts, src/engine/query-steps.ts):
// the same bytes whatever the step size, sync or async, with other queries
// and writes in between; the points an answer may hold, exactly; and an
// engine response buffer that does not grow with the answer.
import { describe, expect, it } from 'vitest';
import { QueryLimitError, type StepSize } from '../../src/engine/query-steps.ts';
import type { Store } from '../../src/engine/store.ts';
import type { QueryRequest, QuerySpec } from '../../src/engine/types.ts';
import { lp, makeStore } from './helpers.ts';

const T = 1725620400;
const HOURS = 3;
const HOSTS = ['a', 'b', 'c', 'd', 'e'];
const decoder = new TextDecoder();

/** 5 hosts over 3 shards, 8 hwthreads each with 2 cores (mem_bw), gaps (NaN in answers) on the way. */
function fixture(shards = 3): Store {
  const s = makeStore({ shards });
  const lines: string[] = [];
  for (const [h, host] of HOSTS.entries()) {
    for (let i = 0; i < (HOURS * 3600) / 60; i++) {
      const ts = T + i * 60;
      if ((i + h) % 17 === 5) continue; // a gap
      lines.push(`cpu_load,cluster=c,hostname=${host} value=${(i * 0.25 + h).toFixed(2)} ${ts}`);
      for (let t = 0; t < 8; t++) {
        lines.push(`cpu_user,cluster=c,hostname=${host},type=hwthread,type-id=${t} value=${(t * 1.5 + i / 10).toFixed(3)} ${ts}`);
        for (let k = 0; k < 2; k++) {
          lines.push(`mem_bw,cluster=c,hostname=${host},type=hwthread,type-id=${t},stype=core,stype-id=${k} value=${t + k + (i % 11)} ${ts}`);
        }
      }
    }
  }
  expect(s.ingest(lp(lines.join('\n')), 'c', T).error).toBeNull();
  return s;
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => String(i));

/** Every shape of query: plain, per hwthread, per core, aggregated, resampled, scaled, missing, unknown. */
function requests(): QueryRequest[] {
  const queries: QuerySpec[] = [];
  for (const host of [...HOSTS, 'nobody']) {
    queries.push({ metric: 'cpu_load', host });
    queries.push({ metric: 'cpu_user', host, type: 'hwthread', 'type-ids': ids(10) });
    queries.push({ metric: 'cpu_user', host, type: 'hwthread', 'type-ids': ids(8), aggreg: true, 'scale-by': 2 });
    queries.push({ metric: 'mem_bw', host, type: 'hwthread', 'type-ids': ids(8), subtype: 'core', 'subtype-ids': ids(3) });
    queries.push({ metric: 'mem_bw', host, type: 'hwthread', 'type-ids': ids(8), subtype: 'core', 'subtype-ids': ids(2), aggreg: true });
    queries.push({ metric: 'cpu_load', host, resolution: 600 });
    queries.push({ metric: 'nope', host });
  }
  const base = { cluster: 'c', queries };
  return [
    { ...base, from: T - 3600, to: T + HOURS * 3600 },
    { ...base, from: T + 1800, to: T + 5400, 'with-padding': false },
    { ...base, from: T - 600, to: T + 3600, 'with-data': false },
    { ...base, from: T - 600, to: T + 3600, 'with-stats': false },
    { ...base, from: T + 3600, to: T },
    { cluster: 'c', from: T - 120, to: T + 7200, queries: [], 'for-all-nodes': ['cpu_load', 'cpu_user'] },
  ];
}

const STEPS: Array<Partial<StepSize>> = [
  { bytes: 1, selectors: 1, points: 1 },
  { bytes: 1, selectors: 1, points: 2 },
  { bytes: 300, selectors: 3, points: 7 },
  { bytes: 5000, selectors: 1000, points: 64 },
  { selectors: 2 },
  { reads: 100 },
];

/** Counts the turns of the event loop taken while `p` runs. */
async function turnsWhile<T>(p: Promise<T>): Promise<{ value: T; turns: number }> {
  let turns = 0;
  let done = false;
  const tick = () => {
    if (done) return;
    turns++;
    setImmediate(tick);
  };
  setImmediate(tick);
  const value = await p;
  done = true;
  return { value, turns };
}

describe('a query answered in steps', () => {
  const store = fixture();
  const reqs = requests();
  const whole = reqs.map((r) => decoder.decode(store.query(r)));

  it('gives the bytes of the answer in one step, whatever the step size, sync and async', async () => {
    expect(JSON.parse(whole[0]).results.length).toBe(42);
    for (const step of STEPS) {
      for (const [i, req] of reqs.entries()) {
        expect(decoder.decode(store.query(req, { step })), `request ${i}, step ${JSON.stringify(step)}`).toBe(whole[i]);
        expect(decoder.decode(await store.queryAsync(req, { step })), `request ${i}, async`).toBe(whole[i]);
      }
    }
  });

  it('queryNow: the answer itself when one step makes it, else a promise of the same bytes', async () => {
    for (const [i, req] of reqs.entries()) {
      const now = store.queryNow(req);
      expect(now, `request ${i}`).toBeInstanceOf(Uint8Array);
      expect(decoder.decode(now as Uint8Array)).toBe(whole[i]);
      const stepped = store.queryNow(req, { step: { selectors: 1 } });
      expect(stepped).toBeInstanceOf(Promise);
      expect(decoder.decode(await stepped)).toBe(whole[i]);
    }
    expect(() => store.queryNow(reqs[0], { maxPoints: 1 })).toThrow(QueryLimitError); // in the first step
  });

  it('lets the event loop run between steps', async () => {
    const { value, turns } = await turnsWhile(store.queryAsync(reqs[0], { step: { selectors: 1 } }));
    expect(decoder.decode(value)).toBe(whole[0]);
    // One turn per selector at least: 6 hosts x (1 + 10 + 1 + 24 + 1 + 1 + 1) selectors.
    expect(turns).toBeGreaterThan(200);
  });

  it('keeps answers apart when queries on the same shards run interleaved, with writes in between', async () => {
    const s = fixture(2);
    const first = reqs.map((r) => decoder.decode(s.query(r)));
    const step = { bytes: 64, selectors: 2, points: 3 };
    const writes = (async () => {
      for (let i = 0; i < 50; i++) {
        // A cluster no query asks for: the answers stay as they were.
        s.ingest(lp(`cpu_load,cluster=x,hostname=other${i % 4} value=${i} ${T + i * 60}`), 'x', T);
        await new Promise((r) => setImmediate(r));
      }
    })();
    const answers = await Promise.all([...reqs, ...reqs].map((r) => s.queryAsync(r, { step })));
    await writes;
    answers.forEach((a, i) => expect(decoder.decode(a), `request ${i % reqs.length}`).toBe(first[i % reqs.length]));
  });

  it('shows a write that lands between two steps in the later rows only, rows in order', async () => {
    const s = fixture(1);
    const req: QueryRequest = { cluster: 'c', from: T + HOURS * 3600, to: T + HOURS * 3600 + 120, 'with-padding': false, queries: HOSTS.map((host) => ({ metric: 'cpu_load', host })) };
    const running = s.queryAsync(req, { step: { selectors: 1 } });
    // The first step ran synchronously; this write comes before the second.
    for (const host of HOSTS) s.ingest(lp(`cpu_load,cluster=c,hostname=${host} value=42 ${T + HOURS * 3600}`), 'c', T);
    const rows = JSON.parse(decoder.decode(await running)).results;
    expect(rows[0]).toEqual([{ from: T + HOURS * 3600, to: T + HOURS * 3600, resolution: 60, avg: null, min: null, max: null }]);
    for (const r of rows.slice(1)) expect(r.map((e: any) => e.data)).toEqual([[42]]);
  });
});

describe('the points an answer may hold', () => {
  const store = fixture(2);
  // cpu_load of a: 180 points from T; with padding from T - 600, 10 nulls more.
  const req: QueryRequest = {
    cluster: 'c', from: T - 600, to: T + HOURS * 3600,
    queries: [{ metric: 'cpu_load', host: 'a' }, { metric: 'cpu_user', host: 'b', type: 'hwthread', 'type-ids': ['0', '1'] }],
  };
  const points = 190 + 2 * 190;
  const whole = decoder.decode(store.query(req));

  it('are counted exactly: data and padding, summed over the answer', () => {
    const data = JSON.parse(whole).results.flat().map((e: any) => e.data.length);
    expect(data).toEqual([190, 190, 190]);
    expect(() => store.query(req, { maxPoints: points - 1 })).toThrow(QueryLimitError);
    expect(decoder.decode(store.query(req, { maxPoints: points }))).toBe(whole);
    expect(decoder.decode(store.query(req, { maxPoints: points + 1 }))).toBe(whole);
  });

  it('are counted the same in steps and pieces, and async', async () => {
    const step = { bytes: 1, selectors: 1, points: 4 };
    expect(() => store.query(req, { maxPoints: points - 1, step })).toThrow(QueryLimitError);
    expect(decoder.decode(store.query(req, { maxPoints: points, step }))).toBe(whole);
    await expect(store.queryAsync(req, { maxPoints: points - 1, step })).rejects.toThrow(QueryLimitError);
    expect(decoder.decode(await store.queryAsync(req, { maxPoints: points, step }))).toBe(whole);
    await expect(Promise.resolve().then(() => store.queryNow(req, { maxPoints: points - 1, step }))).rejects.toThrow(QueryLimitError);
    expect(decoder.decode(await store.queryNow(req, { maxPoints: points, step }))).toBe(whole);
  });

  it('are counted after resolution, and not at all without data', () => {
    // 3,000 points at 10 s, 500 at 60 s.
    const s = makeStore();
    s.ingest(lp(Array.from({ length: 3000 }, (_, i) => `ten,cluster=c,hostname=a value=${i % 13} ${T + i * 10}`).join('\n')), 'c', T);
    const resampled = { cluster: 'c', from: T, to: T + 30_000, queries: [{ metric: 'ten', host: 'a', resolution: 60 }] };
    expect(JSON.parse(decoder.decode(s.query(resampled))).results[0][0].data.length).toBe(500);
    expect(() => s.query(resampled, { maxPoints: 499 })).toThrow(QueryLimitError);
    expect(() => s.query(resampled, { maxPoints: 500 })).not.toThrow();
    expect(() => store.query({ ...req, 'with-data': false }, { maxPoints: 1 })).not.toThrow();
  });

  it('refuse padding from 0 but not the same series without padding', () => {
    const fromZero = { cluster: 'c', from: 0, to: T + HOURS * 3600, queries: [{ metric: 'cpu_load', host: 'a' }] };
    expect(() => store.query(fromZero, { maxPoints: 20_000_000 })).toThrow(QueryLimitError);
    const rows = JSON.parse(decoder.decode(store.query({ ...fromZero, 'with-padding': false }, { maxPoints: 20_000_000 }))).results;
    expect(rows[0][0].data.length).toBe(180);
  });

  it('leave the per-entry bound of the engine (an error entry) to limits above it', () => {
    // "fast" (1 s): 2^25 + 1000 nulls of padding are more than one entry may hold.
    const s = makeStore();
    s.ingest(lp(`fast,cluster=c,hostname=a value=1 ${T}`), 'c', T);
    const answer = JSON.parse(decoder.decode(s.query({ cluster: 'c', from: T - 2 ** 25 - 1000, to: T + 1, queries: [{ metric: 'fast', host: 'a' }] })));
    expect(answer.results[0][0].error).toBe('[METRICSTORE]> too many points requested');
  });
});

describe('the engine memory an answer takes', () => {
  it('does not grow with the answer: 40 MB of padding and 12 MB of data through a buffer of about a megabyte', async () => {
    const s = fixture(1);
    const small: QueryRequest = { cluster: 'c', from: T, to: T + 3600, queries: [{ metric: 'cpu_load', host: 'a' }] };
    s.query(small);
    const before = s.stats().memoryBytes;
    // 8 M points of padding (5 bytes each), one entry.
    const padded = await s.queryAsync({ ...small, from: T - 8_000_000 * 60 });
    expect(padded.length).toBeGreaterThan(40_000_000);
    // Many entries of data: 16,000 selectors x 180 points.
    const many = { cluster: 'c', from: T, to: T + HOURS * 3600, queries: Array.from({ length: 2000 }, () => ({ metric: 'cpu_user', host: 'a', type: 'hwthread', 'type-ids': ids(8) })) };
    const data = await s.queryAsync(many);
    expect(data.length).toBeGreaterThan(12_000_000);
    expect(s.stats().memoryBytes - before).toBeLessThan(8 * 2 ** 20);
  });
});

describe('a query streamed as it is produced (queryStream)', () => {
  const reqs = requests();

  it.each([1, 3])('writes the bytes of queryAsync in order over %i shard(s), whatever the step size, waiting on a slow writer', async (shards) => {
    const store = fixture(shards);
    const whole = reqs.map((r) => decoder.decode(store.query(r)));
    for (const step of STEPS) {
      for (const [i, req] of reqs.entries()) {
        const chunks: Uint8Array[] = [];
        let slow = 0;
        await store.queryStream(req, { step }, (chunk) => {
          chunks.push(chunk.slice());
          // Every other chunk: the writer's buffer is full until the next turn.
          return chunks.length % 2 === 0 ? new Promise((resolve) => setImmediate(() => resolve(void slow++))) : undefined;
        });
        expect(chunks.map((c) => decoder.decode(c)).join(''), `request ${i}, step ${JSON.stringify(step)}`).toBe(whole[i]);
        if (step.selectors === 1 && i === 0) expect(chunks.length).toBeGreaterThan(10);
      }
    }
  });

  it('throws QueryLimitError as queryAsync does', async () => {
    const store = fixture(1);
    const write = () => undefined;
    await expect(store.queryStream(reqs[0]!, { maxPoints: 100, step: { selectors: 1 } }, write)).rejects.toBeInstanceOf(QueryLimitError);
  });
});
