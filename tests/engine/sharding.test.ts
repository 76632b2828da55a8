// Sharding: hosts spread over several instances by a hash of cluster and
// host, each with a tiny data limit here, must answer like one big store;
// a shard out of room rejects (and counts) samples but never traps.
import { describe, expect, it } from 'vitest';
import type { QueryRequest } from '../../src/engine/types.ts';
import { hostHash } from '../../src/engine/shard-hash.ts';
import { lp, makeStore, queryJson } from './helpers.ts';

const T = 1725620400;
const MiB = 2 ** 20;

function workload(hosts: number, steps: number): Uint8Array {
  const lines: string[] = [];
  for (let s = 0; s < steps; s++) {
    for (let h = 0; h < hosts; h++) {
      lines.push(`cpu_load,cluster=fritz,hostname=n${h} value=${(h * 7 + s) % 100} ${T + s * 60}`);
      for (let t = 0; t < 8; t++) lines.push(`cpu_user,cluster=fritz,hostname=n${h},type=hwthread,type-id=${t} value=${t + s / 8} ${T + s * 60}`);
    }
  }
  return lp(lines.join('\n'));
}

const QUERY: QueryRequest = {
  cluster: 'fritz', from: T, to: T + 3000 * 60, queries: [], 'for-all-nodes': ['cpu_load', 'cpu_user'],
};

describe('sharding', () => {
  it('answers like a single store when the data only fits into several tiny shards', () => {
    const body = workload(12, 2000);
    const one = makeStore();
    const many = makeStore({ shards: 6, shardMemoryLimit: 1 * MiB });
    const a = one.ingest(body, 'fritz', T);
    const b = many.ingest(body, 'fritz', T);
    expect(a).toMatchObject({ accepted: 12 * 9 * 2000, rejected: 0, error: null });
    expect(b).toEqual(a);
    // more data than one shard may hold, spread over all of them
    const perShard = many.stats().shards.map((s) => s.samples);
    expect(Math.max(...perShard) * 4).toBeLessThan(1 * MiB);
    expect(perShard.filter((n) => n > 0).length).toBeGreaterThan(3);
    expect(perShard.reduce((x, y) => x + y, 0)).toBe(12 * 9 * 2000);
    // same hosts, same answers (for-all-nodes order may differ: compare by host)
    expect(new Set(many.hosts().map((h) => h.join('/')))).toEqual(new Set(one.hosts().map((h) => h.join('/'))));
    const byHost = (r: any) => Object.fromEntries(r.queries.map((q: any, i: number) => [`${q.host}/${q.metric}`, r.results[i]]));
    expect(byHost(queryJson(many, QUERY))).toEqual(byHost(queryJson(one, QUERY)));
  });

  it('stores every line of a host whose lines fill the outbox to another shard more than once', () => {
    // 100,000 lines of one host are some 1.5 MB of outbox records: the parsing shard hands
    // them over in the middle of the host, and the next part must name the host again.
    const T0 = 1725620400;
    for (const host of ['a', 'b', 'c', 'd']) {
      const lines: string[] = [];
      for (let i = 0; i < 100_000; i++) lines.push(`fast,cluster=fritz,hostname=${host},type=socket,type-id=${i % 2} value=${i} ${T0 + i}`);
      for (const wal of [false, true]) {
        const s = makeStore({ shards: 3, wal });
        expect(s.ingest(lp(lines.join('\n')), 'fritz', T0 + 100_000)).toMatchObject({ accepted: 100_000, rejected: 0, error: null });
        const data = queryJson(s, {
          cluster: 'fritz', from: T0, to: T0 + 100_000, 'with-stats': false, 'with-padding': false,
          queries: [{ metric: 'fast', host, type: 'socket', 'type-ids': ['1'] }],
        }).results[0][0].data as number[];
        // From the first write (T0 + 1) on, one slot a second: every other slot holds a sample of socket1.
        expect(data.filter((v, k) => v === k + 1)).toHaveLength(50_000);
      }
    }
  });

  it('stores and logs random large bodies exactly as one store does, over 3 and 5 shards', () => {
    // Long runs of one host and short ones, hosts coming back, paths changing within a
    // host: the outboxes are handed over in the middle of hosts and paths many times.
    for (const seed of [1, 2, 3]) {
      let x = seed;
      const rnd = (n: number) => ((x = (x * 1103515245 + 12345) >>> 0) >>> 8) % n;
      const lines: string[] = [];
      const hosts = Array.from({ length: 9 }, (_, h) => `h${h}`);
      while (lines.length < 150_000) {
        const host = hosts[rnd(hosts.length)];
        const run = rnd(4) === 0 ? 20_000 + rnd(30_000) : 1 + rnd(50);
        for (let i = 0; i < run; i++) {
          const ts = T + rnd(40_000);
          const kind = rnd(3);
          const tags = kind === 0 ? '' : kind === 1 ? `,type=socket,type-id=${rnd(2)}` : `,type=socket,type-id=${rnd(2)},stype=memctrl,stype-id=${rnd(3)}`;
          lines.push(`${rnd(2) ? 'fast' : 'ten'},cluster=fritz,hostname=${host}${tags} value=${rnd(1000)} ${ts}`);
        }
      }
      const body = lp(lines.join('\n'));
      const one = makeStore({ wal: true });
      const want = one.ingest(body, 'fritz', T + 40_000);
      // Late samples in gaps narrower than a step are rejected (and counted): the shards must reject the same.
      expect(want.error).toBeNull();
      expect(want.accepted).toBeGreaterThan(lines.length / 4);
      const walOf = (r: typeof want) => Object.fromEntries(r.wal.map((w) => [w.host, Buffer.from(w.records).toString('base64')]));
      const wantWal = walOf(want);
      const queries: QueryRequest = {
        cluster: 'fritz', from: T, to: T + 40_000, 'with-stats': true, 'with-padding': false,
        queries: hosts.flatMap((host) => ['fast', 'ten'].flatMap((metric) => [
          { metric, host },
          { metric, host, type: 'socket', 'type-ids': ['0', '1'] },
          { metric, host, type: 'socket', 'type-ids': ['1'], 'subtype': 'memctrl', 'subtype-ids': ['0', '2'] },
        ])),
      };
      const answer = queryJson(one, queries);
      for (const shards of [3, 5]) {
        const many = makeStore({ wal: true, shards });
        const got = many.ingest(body, 'fritz', T + 40_000);
        expect({ ...got, wal: [] }, `seed ${seed}, ${shards} shards`).toEqual({ ...want, wal: [] });
        expect(walOf(got)).toEqual(wantWal);
        expect(queryJson(many, queries)).toEqual(answer);
      }
    }
  });

  it('puts a host into the shard its hash names', () => {
    const s = makeStore({ shards: 5 });
    s.ingest(lp(`cpu_load,cluster=fritz,hostname=only value=1 ${T}\n`), 'fritz', T);
    const shard = hostHash(lp('fritz'), lp('only')) % 5;
    expect(s.stats().shards.map((x) => x.samples)).toEqual([0, 1, 2, 3, 4].map((i) => (i === shard ? 1 : 0)));
  });

  it('rejects and counts what does not fit, keeps answering, and takes data again after a free', () => {
    // The smallest cap (a 64 KiB page a shard); these regular series take well
    // under a byte a sample sealed and packed, so 16 hosts to pass it.
    const s = makeStore({ shards: 2, shardMemoryLimit: MiB / 16 });
    const r = s.ingest(workload(16, 3000), 'fritz', T);
    expect(r.error).toBeNull();
    expect(r.rejected).toBeGreaterThan(0);
    expect(r.reasons).toEqual({ 'store-full': r.rejected });
    expect(r.accepted + r.rejected).toBe(16 * 9 * 3000);
    for (const sh of s.stats().shards) expect(sh.usedBytes).toBeLessThanOrEqual(MiB / 16);
    // what is stored reads back (hwthreads cut off at different steps may not
    // aggregate: that is an error entry, not a failure)
    const res = queryJson(s, { ...QUERY, 'for-all-nodes': ['cpu_load'] });
    expect(res.results.length).toBe(16);
    let values = 0;
    for (const row of res.results) {
      for (const e of row) {
        expect(e.error).toBeUndefined();
        values += e.data.filter((v: unknown) => v !== null).length;
      }
    }
    expect(values).toBeGreaterThan(0);
    const perThread = queryJson(s, { cluster: 'fritz', from: T, to: T + 3000 * 60, queries: [{ metric: 'cpu_user', host: 'n3', type: 'hwthread', 'type-ids': ['0', '7'] }] });
    for (const e of perThread.results[0]) expect(e.error).toBeUndefined();
    expect(s.free([], T + 10_000 * 60)).toBeGreaterThan(0);
    const again = s.ingest(workload(2, 10), 'fritz', T);
    expect(again).toMatchObject({ accepted: 2 * 9 * 10, rejected: 0 });
  });

  it('keeps the lines before a malformed one, whichever shard they go to', () => {
    const s = makeStore({ shards: 4 });
    const lines = Array.from({ length: 40 }, (_, i) => `cpu_load,cluster=fritz,hostname=n${i} value=${i} ${T}`);
    lines.splice(30, 0, 'cpu_load,cluster=fritz,hostname=bad value=x');
    const r = s.ingest(lp(lines.join('\n')), 'fritz', T);
    expect(r).toMatchObject({ accepted: 30, error: { line: 31 } });
    expect(s.hosts()).toHaveLength(30);
    expect(new Set(s.hosts().map((h) => h[1]))).toEqual(new Set(Array.from({ length: 30 }, (_, i) => `n${i}`)));
  });

  it('emits the WAL records of every host, whichever shard holds it', () => {
    const body = workload(10, 3);
    const one = makeStore({ wal: true }).ingest(body, 'fritz', T);
    const many = makeStore({ wal: true, shards: 4 }).ingest(body, 'fritz', T);
    const key = (w: { host: string }) => w.host;
    expect([...many.wal].sort((a, b) => key(a).localeCompare(key(b)))).toEqual([...one.wal].sort((a, b) => key(a).localeCompare(key(b))));
    expect(many.wal).toHaveLength(10);
  });
});
