// kill -9 the moment the 200s are back, restart on the same directory, and
// find every acknowledged sample: over the engine test double and the real engine.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCrashServer, killHard, startCrashServer } from '../support/crash-harness.ts';
import type { RunningServer } from '../support/crash-harness.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function crashAndRecover(kind: 'fake' | 'engine') {
  const dir = mkdtempSync(join(tmpdir(), 'ccms-crash-'));
  dirs.push(dir);
  const script = await buildCrashServer();
  let server: RunningServer = await startCrashServer(script, dir, kind);
  const t0 = Math.floor(Date.now() / 1000) - 3600;
  const hosts = 8;
  const requests = 60;
  const acknowledged: Array<[string, number, number]> = [];
  const write = async (r: number) => {
    const lines = Array.from({ length: hosts }, (_, h) => `cpu_load,cluster=fritz,hostname=n${h} value=${r + h / 10} ${t0 + 60 * r}`);
    const res = await fetch(`${server.url}/api/write?cluster=fritz`, { method: 'POST', body: lines.join('\n') });
    await res.arrayBuffer();
    if (res.status === 200) for (let h = 0; h < hosts; h++) acknowledged.push([`n${h}`, t0 + 60 * r, Math.fround(r + h / 10)]);
  };
  try {
    // The oldest samples first: the engine drops a sample older than everything a
    // series holds (answering 200, as the reference does); that is not what this is about.
    await write(0);
    await Promise.all(Array.from({ length: requests - 1 }, (_, r) => write(r + 1)));
  } finally {
    // The moment the last 200 is back: no shutdown, no checkpoint.
    await killHard(server.child);
  }
  expect(acknowledged).toHaveLength(hosts * requests);

  server = await startCrashServer(script, dir, kind);
  try {
    for (let h = 0; h < hosts; h++) {
      const res = await fetch(`${server.url}/dump?cluster=fritz&host=n${h}`);
      const samples = (await res.json()) as Array<[string, string, number, number]>;
      const series = samples.filter(([p, m]) => p === '' && m === 'cpu_load');
      expect(series.length).toBeGreaterThan(0);
      // Samples come back keyed by the start of their 60 s slot: find the slot of each acknowledged timestamp.
      const held = new Map(series.map(([, , ts, v]) => [ts, v]));
      const base = series[0][2];
      const slotOf = (ts: number) => ts - ((((ts - base) % 60) + 60) % 60);
      for (const [host, ts, v] of acknowledged) {
        if (host !== `n${h}`) continue;
        expect(held.get(slotOf(ts)), `${host} @ ${ts}`).toBe(v);
      }
    }
  } finally {
    await killHard(server.child);
  }
}

describe('crash: kill -9 after the 200s', () => {
  it('loses no acknowledged sample (engine test double)', async () => {
    await crashAndRecover('fake');
  });

  describe('with the real engine', () => {
    it('loses no acknowledged sample', async () => {
      await crashAndRecover('engine');
    });
  });
});
