// (ours) Devices under a node through persistence with the real engine: a
// device level is one level below the host, so its samples go through the
// WAL and the checkpoints in the existing formats and come back per device.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MetricStore } from '../../src/engine/types.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeBinSnapshot, decodeJsonCheckpoint } from '../../src/persist/format/index.ts';
import { openPersistence } from '../../src/persist/index.ts';
import { createStore } from '../../src/runtime/engine-wasm.ts';
import { TEST_METRICS } from '../support/fake-store.ts';
import { filesIn, testEnv } from '../support/persist-env.ts';
import type { TestEnv } from '../support/persist-env.ts';

let env: TestEnv;
beforeEach(() => {
  env = testEnv(1725623600 + 3600);
});
afterEach(() => env.cleanup());

const enc = (s: string) => new TextEncoder().encode(s);

function answers(store: MetricStore, from: number, to: number): unknown[] {
  const q = (extra: Record<string, unknown>) => JSON.parse(new TextDecoder().decode(store.query({
    cluster: 'fritz', from, to, 'with-padding': false, queries: [{ metric: 'mem_bw', host: 'a', ...extra }],
  }))).results[0];
  return [
    q({ subtype: 'network', 'subtype-ids': ['eth0'] }),
    q({ subtype: 'network', 'subtype-ids': ['lo'] }),
    q({}),
  ];
}

describe('devices under a node, persisted', () => {
  it('come back per device from the WAL alone and from a checkpoint plus the WAL', async () => {
    const cfg = env.settings();
    const t0 = env.clock.now - 3 * 3600;
    const lines = (from: number, to: number) => {
      const out: string[] = [];
      for (let i = from; i < to; i++) {
        out.push(`mem_bw,cluster=fritz,hostname=a,type=node,stype=network,stype-id=eth0,unit=bytes/s value=${100 + i} ${t0 + 60 * i}`);
        out.push(`mem_bw,cluster=fritz,hostname=a,stype=network,stype-id=lo value=${i % 5} ${t0 + 60 * i}`);
      }
      return enc(out.join('\n'));
    };
    const from = t0 - 600;
    const to = env.clock.now;
    let store = await createStore({ metrics: TEST_METRICS, wal: true, shards: 2 });
    let p = openPersistence({ store, settings: cfg, log: env.log, now: env.now });
    await p.restore();
    await p.ingest(lines(0, 100), 'fritz');
    const walOnly = answers(store, from, to);
    expect(walOnly[0]).toMatchObject([{ data: Array.from({ length: 100 }, (_, i) => 100 + i) }]);
    expect(walOnly[1]).toMatchObject([{ data: Array.from({ length: 100 }, (_, i) => i % 5) }]);
    expect(walOnly[2]).toMatchObject([{ data: Array.from({ length: 100 }, (_, i) => 100 + i + (i % 5)) }]);

    // A crash: only the WAL holds the samples.
    store = await createStore({ metrics: TEST_METRICS, wal: true, shards: 3 });
    p = openPersistence({ store, settings: cfg, log: env.log, now: env.now });
    await p.restore();
    expect(answers(store, from, to)).toEqual(walOnly);

    // A checkpoint, more samples in the WAL, a clean stop and a restart.
    await p.checkpoint();
    // The checkpoint holds the devices as children of the host, in the existing format.
    const hostDir = join(env.checkpoints, 'fritz', 'a');
    const files = filesIn(hostDir).filter((f) => f.endsWith('.bin') || f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const bytes = readFileSync(join(hostDir, f));
      const file = f.endsWith('.bin') ? decodeBinSnapshot(bytes) : decodeJsonCheckpoint(bytes);
      expect([...file.root.children.keys()].sort()).toEqual(['networketh0', 'networklo']);
      expect(file.root.metrics.size).toBe(0);
    }
    await p.ingest(lines(100, 150), 'fritz');
    const all = answers(store, from, to);
    expect((all[0] as Array<{ data: number[] }>)[0].data).toHaveLength(150);
    await p.stop();
    store = await createStore({ metrics: TEST_METRICS, wal: true });
    p = openPersistence({ store, settings: cfg, log: env.log, now: env.now });
    await p.restore();
    expect(answers(store, from, to)).toEqual(all);
    expect(store.listChildren(['fritz', 'a']).sort()).toEqual(['networketh0', 'networklo']);
    await p.stop();
  });
});
