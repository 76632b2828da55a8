// metric-store.memory-cap with the real engine: the cap counts the bytes the
// store holds (stored data: levels, chunks, pages; not request buffers, not
// linear memory that freeing cannot shrink), frees the oldest data until
// under it, and what stays answers as before. Memory freed is what new data
// fills first, so linear memory stays about the cap.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/validate.ts';
import { Store } from '../../src/engine/store.ts';
import type { MetricTable } from '../../src/engine/types.ts';
import { openPersistence } from '../../src/persist/index.ts';
import { persistSettings } from '../../src/persist/settings.ts';
import { engineModule } from '../engine/helpers.ts';
import { type TestEnv, testEnv } from '../support/persist-env.ts';

const H = 3600;
const METRICS: MetricTable = { cpu_user: { frequency: 60, aggregation: 'avg' } };
const HOSTS = 24;
const THREADS = 8;
const enc = new TextEncoder();

let env: TestEnv;
beforeEach(() => {
  env = testEnv();
});
afterEach(() => env.cleanup());

/** Every host and hwthread at 60 s over [from, to). */
function fill(store: Store, from: number, to: number, now: number): void {
  const lines: string[] = [];
  for (let t = from; t < to; t += 60) {
    for (let h = 0; h < HOSTS; h++) {
      for (let c = 0; c < THREADS; c++) lines.push(`cpu_user,hostname=n${h},type=hwthread,type-id=${c} value=${((t / 60 + h + c) % 1000) / 10} ${t}`);
    }
  }
  const r = store.ingest(enc.encode(lines.join('\n')), 'fritz', now);
  expect(r).toMatchObject({ rejected: 0, error: null });
}

function read(store: Store, from: number, to: number): unknown {
  const queries = [];
  for (let h = 0; h < HOSTS; h += 5) queries.push({ metric: 'cpu_user', host: `n${h}`, type: 'hwthread', 'type-ids': ['3'] });
  return JSON.parse(new TextDecoder().decode(store.query({ cluster: 'fritz', from, to, queries })));
}

describe('memory cap', () => {
  it('frees the oldest data until the stored bytes are under a cap given as a fraction of a GB, and keeps linear memory about the cap', () => {
    // (ours) a fraction of a GB: 0.5 MB (48 h of 192 series take about 0.9 MB encoded).
    const config = validateConfig({ main: {}, metrics: {}, 'metric-store': { 'retention-in-memory': '48h', 'memory-cap': 0.0005 } }, 'config.json');
    const cap = persistSettings(config.metricStore).memoryCapBytes;
    expect(cap).toBe(5e5);
    const now = env.clock.now;
    const capped = Store.fromModule(engineModule, { metrics: METRICS });
    const uncapped = Store.fromModule(engineModule, { metrics: METRICS });
    for (const s of [capped, uncapped]) fill(s, now - 48 * H, now, now);
    const before = capped.stats();
    // 48 h of 192 series: at most 4 bytes a sample (raw) and a little for chunks and levels.
    expect(before.usedBytes).toBeGreaterThan(cap);
    expect(before.usedBytes / before.shards[0].samples).toBeLessThan(4.3);

    const p = openPersistence({ store: capped, settings: env.settings({ memoryCapBytes: cap }), log: env.log, now: env.now, wal: false });
    const r = p.memoryCheckOnce();
    expect(r.before).toBe(before.usedBytes);
    expect(r.after).toBeLessThan(cap);
    expect(r.after).toBe(capped.stats().usedBytes);
    expect(r.freed).toBeGreaterThan(0);
    // Freed oldest first: what is left of a series is its newest part, answered as without a cap.
    expect(read(capped, now - 10 * H, now)).toEqual(read(uncapped, now - 10 * H, now));
    const old = read(capped, now - 48 * H, now - 40 * H) as { results: Array<Array<{ data: Array<number | null> }>> };
    expect(old.results.flat().every((e) => e.data.every((v) => v === null))).toBe(true);

    // A day later, 24 h more: the data goes into the memory the cap freed; the cap frees again.
    const linear = capped.stats().memoryBytes;
    env.clock.now = now + 24 * H;
    fill(capped, now, now + 24 * H, now + 24 * H);
    fill(uncapped, now, now + 24 * H, now + 24 * H);
    expect(p.memoryCheckOnce().after).toBeLessThan(cap);
    expect(read(capped, now + 14 * H, now + 24 * H)).toEqual(read(uncapped, now + 14 * H, now + 24 * H));
    // Linear memory: the cap, the engine's request buffers (a piece of the body, WAL and outboxes) and growth steps of 1 MiB.
    expect(capped.stats().memoryBytes).toBeLessThanOrEqual(linear + 2 ** 20);
    expect(capped.stats().memoryBytes).toBeLessThan(cap + 12 * 2 ** 20);
  });
});
