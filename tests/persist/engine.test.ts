// Persistence over the real storage engine.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MetricStore } from '../../src/engine/types.ts';
import { openPersistence } from '../../src/persist/index.ts';
import { decodeWal, encodeWalRecords } from '../../src/persist/format/index.ts';
import { TEST_METRICS } from '../support/fake-store.ts';
import { copyTree, testEnv } from '../support/persist-env.ts';
import type { TestEnv } from '../support/persist-env.ts';
import { createStore } from '../../src/runtime/engine-wasm.ts';
import { fixturesDir } from '../support/shared.ts';

interface QueryResult {
  data?: Array<number | null>;
  from: number;
  to: number;
  error?: string;
}

function query(store: MetricStore, host: string, metric: string, from: number, to: number, extra: Record<string, unknown> = {}): QueryResult {
  const bytes = store.query({ cluster: 'fritz', from, to, 'with-stats': false, 'with-padding': false, queries: [{ metric, host, ...extra }] });
  const answer = JSON.parse(new TextDecoder().decode(bytes)) as { results: QueryResult[][] };
  return answer.results[0][0];
}

/**
 * The value of the sample written at `ts`, from a query result, or undefined
 * when absent. Results start at the first write (chunk start + 30 s for f = 60),
 * so the slot of ts is floor((ts - from + 30) / 60).
 */
function valueAt(r: QueryResult | undefined, ts: number): number | null | undefined {
  if (!r?.data) return undefined;
  const i = Math.floor((ts - r.from + 30) / 60);
  return i >= 0 && i < r.data.length ? r.data[i] : undefined;
}

let env: TestEnv;
beforeEach(() => {
  env = testEnv(1725623600 + 3600);
});
afterEach(() => env.cleanup());

describe('persistence with the real engine', () => {
  it('restores the fixtures so that queries answer every value, and not the torn WAL record', async () => {
    copyTree(fixturesDir(), join(env.dir, 'fx'));
    const store = await createStore({ metrics: TEST_METRICS, wal: true });
    const p = openPersistence({ store, settings: env.settings({ checkpointDir: join(env.dir, 'fx/checkpoints-wal') }), log: env.log, now: env.now });
    await p.restore();
    // The snapshot covers [1725620030, 1725623630); the WAL records are stamped at slot
    // starts (1725623630 + 60 i), on the snapshot's grid: they continue its newest chunk,
    // which keeps room to grow (docs/engine.md "loadHost"), so one read returns both.
    const from = 1725620000;
    const to = 1725624300;
    const load = query(store, 'f0201', 'cpu_load', from, to);
    for (let i = 0; i < 60; i++) expect(valueAt(load, 1725620030 + 60 * i), `cpu_load ${i}`).toBe(i === 10 || i === 11 ? null : i * 0.5);
    for (let i = 0; i < 10; i++) expect(valueAt(load, 1725623630 + 60 * i), `cpu_load tail ${i}`).toBe(100 + i);
    expect(load.data).toHaveLength(70);
    const user0 = query(store, 'f0201', 'cpu_user', from, to, { type: 'hwthread', 'type-ids': ['0'] });
    for (let i = 0; i < 60; i++) expect(valueAt(user0, 1725620030 + 60 * i)).toBe(i % 7);
    // and not the torn record (99 at 1725623930)
    expect(user0.data!.slice(60)).toEqual([50, 51, 52, 53, 54]);
    const bw1 = query(store, 'f0201', 'mem_bw', from, to, { type: 'socket', 'type-ids': ['1'] });
    for (let i = 0; i < 60; i++) expect(valueAt(bw1, 1725620030 + 60 * i)).toBe(100 + i * 1.5);
    const mem = query(store, 'f0201', 'mem_used', from, to);
    for (let i = 0; i < 60; i++) expect(valueAt(mem, 1725620030 + 60 * i)).toBe(Math.fround(1000.25 + i));
  });

  it('answers every query the same after checkpoint + restart, back-filled samples included', async () => {
    const cfg = env.settings();
    const lines: string[] = [];
    const t0 = env.clock.now - 6 * 3600;
    for (let i = 0; i < 300; i++) {
      lines.push(`cpu_load,cluster=fritz,hostname=a value=${i * 0.1} ${t0 + 60 * i}`);
      lines.push(`cpu_user,cluster=fritz,hostname=a,type=hwthread,type-id=${i % 4} value=${i} ${t0 + 60 * i}`);
    }
    let store = await createStore({ metrics: TEST_METRICS, wal: true });
    let p = openPersistence({ store, settings: cfg, log: env.log, now: env.now });
    await p.restore();
    await p.ingest(new TextEncoder().encode(lines.slice(0, 300).join('\n')), 'fritz');
    await p.checkpoint();
    await p.ingest(new TextEncoder().encode(lines.slice(300).join('\n')), 'fritz');
    // Back-filled: older than the previous checkpoint.
    await p.ingest(new TextEncoder().encode(`cpu_load,cluster=fritz,hostname=a value=42 ${t0 + 60 * 5}`), 'fritz');
    const qs = (s: MetricStore) => [
      query(s, 'a', 'cpu_load', t0 - 600, env.clock.now),
      query(s, 'a', 'cpu_user', t0 - 600, env.clock.now),
      query(s, 'a', 'cpu_user', t0 - 600, env.clock.now, { type: 'hwthread', 'type-ids': ['2'] }),
    ];
    const before = qs(store);
    expect(valueAt(before[0], t0 + 300)).toBe(42);
    await p.stop();

    store = await createStore({ metrics: TEST_METRICS, wal: true });
    p = openPersistence({ store, settings: cfg, log: env.log, now: env.now });
    await p.restore();
    expect(qs(store)).toEqual(before);

    // And once more after a crash (no stop): the WAL carries the rest.
    await p.ingest(new TextEncoder().encode(`cpu_load,cluster=fritz,hostname=a value=7 ${env.clock.now - 60}`), 'fritz');
    const beforeCrash = qs(store);
    store = await createStore({ metrics: TEST_METRICS, wal: true });
    p = openPersistence({ store, settings: cfg, log: env.log, now: env.now });
    await p.restore();
    expect(qs(store)).toEqual(beforeCrash);
  });

  it('emits WAL records byte-equal to the reference encoder', async () => {
    const store = await createStore({ metrics: TEST_METRICS, wal: true });
    const now = env.clock.now;
    const r = store.ingest(
      new TextEncoder().encode(`cpu_load,cluster=fritz,hostname=a value=1.5 ${now}\ncpu_user,cluster=fritz,hostname=a,type=hwthread,type-id=3 value=2 ${now}`),
      'fritz',
    );
    expect(r.wal).toHaveLength(1);
    const expected = encodeWalRecords([
      { ts: now, metric: 'cpu_load', path: [], value: 1.5 },
      { ts: now, metric: 'cpu_user', path: ['hwthread3'], value: 2 },
    ]);
    expect(Buffer.from(r.wal[0].records)).toEqual(Buffer.from(expected));
    const header = new Uint8Array([0x01, 0xa7, 0x1d, 0xcc]);
    const decoded = decodeWal(new Uint8Array([...header, ...r.wal[0].records]));
    expect(decoded.stop).toBe('end');
  });
  it('a batch of several bodies logs every record, though each ingest reuses the engine memory the last one handed over', async () => {
    // Records come back as views of engine memory (types.ts WalAppend): a
    // batch must keep them intact across its next ingest calls, and across
    // a query in between that may grow the memory.
    const store = await createStore({ metrics: TEST_METRICS, wal: true, shards: 3 });
    const p = openPersistence({ store, settings: env.settings(), log: env.log, now: env.now });
    await p.restore();
    const now = env.clock.now;
    const hosts = ['a', 'b', 'c', 'd', 'e'];
    const batch = p.openBatch();
    for (let k = 0; k < 4; k++) {
      const body = hosts.map((h, j) => `cpu_load,cluster=fritz,hostname=${h} value=${k * 10 + j} ${now + 60 * k}`).join('\n');
      expect(batch.ingest(new TextEncoder().encode(body), 'fritz').accepted).toBe(hosts.length);
      store.query({ cluster: 'fritz', from: now - 86400 * 30, to: now + 3600, 'with-stats': true, 'with-padding': true, queries: [{ metric: 'cpu_load', host: 'a' }] });
    }
    await batch.commit();
    // No stop(): the process dies here, so only the WAL holds the samples.
    const again = await createStore({ metrics: TEST_METRICS, wal: true, shards: 3 });
    const p2 = openPersistence({ store: again, settings: env.settings(), log: env.log, now: env.now });
    await p2.restore();
    hosts.forEach((h, j) => {
      const r = query(again, h, 'cpu_load', now - 60, now + 300);
      for (let k = 0; k < 4; k++) expect(valueAt(r, now + 60 * k), `${h} ${k}`).toBe(k * 10 + j);
    });
  });

  it('restores over any number of shards what was written over another: checkpoints and WAL of many hosts', async () => {
    const cfg = env.settings();
    const t0 = env.clock.now - 4 * 3600;
    const hosts = Array.from({ length: 24 }, (_, h) => `n${h}`);
    const body = (from: number, to: number) => {
      const lines: string[] = [];
      for (let i = from; i < to; i++) {
        for (const host of hosts) {
          lines.push(`cpu_load,cluster=fritz,hostname=${host} value=${(i * 7 + host.length) % 50} ${t0 + 60 * i}`);
          for (let t = 0; t < 3; t++) lines.push(`cpu_user,cluster=fritz,hostname=${host},type=hwthread,type-id=${t} value=${i / 4 + t} ${t0 + 60 * i}`);
        }
      }
      return new TextEncoder().encode(lines.join('\n'));
    };
    const answers = (s: MetricStore) => hosts.flatMap((host) => [
      query(s, host, 'cpu_load', t0 - 600, env.clock.now),
      query(s, host, 'cpu_user', t0 - 600, env.clock.now),
      query(s, host, 'cpu_user', t0 - 600, env.clock.now, { type: 'hwthread', 'type-ids': ['0', '2'] }),
    ]);
    const writer = await createStore({ metrics: TEST_METRICS, wal: true, shards: 3 });
    const p = openPersistence({ store: writer, settings: cfg, log: env.log, now: env.now });
    await p.restore();
    await p.ingest(body(0, 120), 'fritz');
    await p.checkpoint();
    await p.ingest(body(120, 200), 'fritz'); // in the WAL only: the process dies here
    const want = answers(writer);
    expect(want.every((r) => r.data && r.data.length > 0)).toBe(true);
    for (const shards of [1, 5]) {
      const store = await createStore({ metrics: TEST_METRICS, wal: true, shards });
      const q = openPersistence({ store, settings: cfg, log: env.log, now: env.now });
      const summary = await q.restore();
      expect(summary.hosts, `${shards} shards`).toBe(hosts.length);
      expect(answers(store), `${shards} shards`).toEqual(want);
    }
  });
});
