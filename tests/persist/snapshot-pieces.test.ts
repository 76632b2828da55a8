// Checkpoints of series with gaps, over the real engine: each piece of a series
// in a file of its own, numbered one after the other, each file with at most
// one entry per series, in an order the Go loader accepts; restarts load them
// all (also when the restore point falls among them) and answer as before;
// cleanup keeps them while a restart would load them; a host with nothing new
// gets no file.
import { readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MetricStore } from '../../src/engine/types.ts';
import { openPersistence } from '../../src/persist/index.ts';
import type { Persistence } from '../../src/persist/index.ts';
import type { PersistSettings } from '../../src/persist/settings.ts';
import { decodeBinSnapshot, decodeJsonCheckpoint, encodeBinSnapshot } from '../../src/persist/format/index.ts';
import { parseCheckpointName, sortCheckpoints } from '../../src/persist/layout.ts';
import { createStore } from '../../src/runtime/engine-wasm.ts';
import { TEST_METRICS } from '../support/fake-store.ts';
import { goLoaderAccepts } from '../support/go-loader.ts';
import { filesIn, testEnv } from '../support/persist-env.ts';
import type { TestEnv } from '../support/persist-env.ts';

const NOW = 1725623600 + 3600;
let env: TestEnv;
beforeEach(() => {
  env = testEnv(NOW);
});
afterEach(() => env.cleanup());

const enc = (s: string) => new TextEncoder().encode(s);
const line = (host: string, ts: number, value: number, extra = '') => `cpu_load,cluster=fritz,hostname=${host}${extra} value=${value} ${ts}`;

async function start(over: Partial<PersistSettings> = {}): Promise<{ store: MetricStore; p: Persistence }> {
  const store = await createStore({ metrics: TEST_METRICS, wal: true });
  const p = openPersistence({ store, settings: env.settings(over), log: env.log, now: env.now });
  await p.restore();
  return { store, p };
}

function answer(store: MetricStore, host: string, from: number, to: number, extra: Record<string, unknown> = {}): string {
  return new TextDecoder().decode(store.query({ cluster: 'fritz', from, to, 'with-padding': false, queries: [{ metric: 'cpu_load', host, ...extra }] }));
}

const hostDir = (host: string) => join(env.checkpoints, 'fritz', host);
const checkpointFiles = (host: string) => sortCheckpoints(filesIn(hostDir(host)).map(parseCheckpointName).filter((n) => n !== null));

function decode(host: string, name: string) {
  const bytes = readFileSync(join(hostDir(host), name));
  return name.endsWith('.bin') ? decodeBinSnapshot(bytes) : decodeJsonCheckpoint(bytes);
}


describe('checkpoints of series with gaps', () => {
  for (const format of ['wal', 'json'] as const) {
    it(`writes each piece into a file of its own, numbered in time order, small, and a restart answers the same (${format})`, async () => {
      let { store, p } = await start({ format });
      const recent = Array.from({ length: 120 }, (_, i) => line('a', NOW - 7200 + 60 * i, i));
      // a node that booted with its clock at 1970, one far in the future, and a socket with one gap
      await p.ingest(enc([line('a', 1, 0.5), ...recent, line('a', 4102444800, 200)].join('\n')), 'fritz');
      await p.ingest(enc([line('a', NOW - 9000, 7, ',type=socket,type-id=0'), line('a', NOW - 60, 8, ',type=socket,type-id=0')].join('\n')), 'fritz');
      const q = (s: MetricStore) => [
        answer(s, 'a', 0, 600),
        answer(s, 'a', NOW - 7300, NOW),
        answer(s, 'a', 4102444800 - 120, 4102444800 + 120),
        answer(s, 'a', NOW - 9100, NOW, { type: 'socket', 'type-ids': ['0'] }),
      ];
      const before = q(store);
      expect(JSON.parse(before[1]).results[0][0].avg).toBe(59.5);
      await p.stop();

      const ext = format === 'wal' ? 'bin' : 'json';
      const files = checkpointFiles('a');
      // three pieces of the host's cpu_load: three files, numbered from the period start on
      expect(files.map((f) => f.name)).toEqual([0, 1, 2].map((k) => `${NOW + k}.${ext}`));
      expect(files.reduce((n, f) => n + statSync(join(hostDir('a'), f.name)).size, 0)).toBeLessThan(8000);
      const roots = files.map((f) => decode('a', f.name).root);
      expect(roots.map((r) => r.metrics.get('cpu_load')!.values.length)).toEqual([1, 120, 1]);
      // the socket's two samples are 149 slots apart: one piece, in the last file
      expect(roots.map((r) => r.children.get('socket0')?.metrics.get('cpu_load')?.values.length)).toEqual([undefined, undefined, 150]);
      expect(goLoaderAccepts(hostDir('a'))).toBe(true);

      ({ store, p } = await start({ format, retention: 2e9 }));
      expect(q(store)).toEqual(before);
      // a late sample into the oldest piece: a full snapshot, again in pieces, the older files trimmed
      await p.ingest(enc(line('a', 61, 0.75)), 'fritz');
      const late = q(store);
      env.clock.now += 60;
      await p.stop();
      expect(env.log.lines.some((l) => l.includes('wrote a full snapshot'))).toBe(true);
      expect(goLoaderAccepts(hostDir('a'))).toBe(true);
      ({ store } = await start({ format, retention: 2e9 }));
      expect(q(store)).toEqual(late);
    });
  }

  it('writes no file for a host with nothing new, and still starts its WAL anew', async () => {
    const { p } = await start();
    await p.ingest(enc([line('a', NOW - 60, 1), line('b', NOW - 60, 2)].join('\n')), 'fritz');
    await p.checkpoint();
    expect([filesIn(hostDir('a')), filesIn(hostDir('b'))]).toEqual([[`${NOW}.bin`], [`${NOW}.bin`]]);
    env.clock.now += 5;
    await p.ingest(enc(line('b', NOW, 3)), 'fritz');
    const summary = await p.checkpoint();
    expect(summary.files).toBe(1);
    expect([filesIn(hostDir('a')), filesIn(hostDir('b'))]).toEqual([[`${NOW}.bin`], [`${NOW}.bin`, `${NOW + 1}.bin`]]);
    env.clock.now += 5;
    expect((await p.checkpoint()).files).toBe(0);
    await p.stop();
    expect([filesIn(hostDir('a')), filesIn(hostDir('b'))]).toEqual([[`${NOW}.bin`], [`${NOW}.bin`, `${NOW + 1}.bin`]]);
  });

  it('loads every piece of a checkpoint when the restore point falls among them, and cleanup keeps them', async () => {
    let { store, p } = await start();
    await p.ingest(enc([line('a', NOW - 100_000, 1), line('a', NOW - 50_000, 2), line('a', NOW - 60, 3)].join('\n')), 'fritz');
    env.clock.now += 600;
    await p.stop();
    expect(checkpointFiles('a').map((f) => f.number)).toEqual([NOW, NOW + 1, NOW + 2]);
    const before = answer(store, 'a', NOW - 200_000, NOW + 600);
    // 48 h later and one second: the restore point is past the first two pieces, before `to`
    env.clock.now = NOW + 48 * 3600 + 2;
    ({ store, p } = await start({ retention: 48 * 3600 }));
    expect(env.log.lines.findLast((l) => l.includes('restore done'))).toMatch(/restore done: 1 hosts, 3 files/);
    // the samples newer than the restore point are all there (older ones the store would free anyway)
    expect(answer(store, 'a', NOW - 200_000, NOW + 600)).toEqual(before);
    const cleaned = await p.cleanupOnce();
    expect(cleaned.files).toBe(0);
    expect(checkpointFiles('a').map((f) => f.number)).toEqual([NOW, NOW + 1, NOW + 2]);
    await p.stop();
    // once their `to` is past, all three go
    env.clock.now = NOW + 600 + 48 * 3600 + 1;
    ({ p } = await start({ retention: 48 * 3600 }));
    expect((await p.cleanupOnce()).files).toBe(3);
    await p.stop();
  });

  it('restores a file padded over a gap (an old snapshot, or the Go store\'s) without memory for the padding', async () => {
    const n = 8_000_000;
    const values = new Float32Array(n).fill(NaN);
    values[0] = 1;
    values[n - 1] = 2;
    const start0 = NOW - 30 - (n - 1) * 60;
    mkdirSync(hostDir('a'), { recursive: true });
    const root = { metrics: new Map([['cpu_load', { frequency: 60, start: start0, values }]]), children: new Map() };
    writeFileSync(join(hostDir('a'), `${NOW - 3600}.bin`), encodeBinSnapshot({ from: NOW - 3600, to: NOW, root }));
    const { store, p } = await start({ retention: 2e9 });
    // 32 MB of values in the file; two chunks held
    expect(store.stats().usedBytes).toBeLessThan(1 << 20);
    expect(JSON.parse(answer(store, 'a', NOW - 90, NOW)).results[0][0].data).toEqual([null, 2]);
    expect(JSON.parse(answer(store, 'a', start0, start0 + 120)).results[0][0].data).toEqual([1, null]);
    // and the next checkpoint of it (from its first chunk on, which the late sample changed) is small
    await p.ingest(enc(line('a', start0 + 90, 5)), 'fritz');
    env.clock.now += 60;
    await p.stop();
    const written = checkpointFiles('a').filter((f) => f.number >= NOW);
    expect(written.map((f) => f.name)).toEqual([`${NOW}.bin`, `${NOW + 1}.bin`]);
    expect(written.reduce((n, f) => n + statSync(join(hostDir('a'), f.name)).size, 0)).toBeLessThan(8000);
    expect(goLoaderAccepts(hostDir('a'))).toBe(true);
  });
});
