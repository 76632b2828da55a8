// README "Scaling out" shows the files of deploy/scaling-out/, and they work:
// nats-server accepts its config, the store configs validate (with what the
// README says of them), cc-backend's snippet has the shape of its schema.
// (tests/e2e/jetstream.test.ts runs stores on them against that mapping.)

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { NATS_SERVER_BIN } from '../nats/helpers/nats-server.ts';
import { ROOT } from './support/runtimes.ts';

const DIR = join(ROOT, 'deploy/scaling-out');
const file = (name: string) => readFileSync(join(DIR, name), 'utf8');

/** The fenced code blocks of README's "Scaling out" section, in order. */
function scalingOutBlocks(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Scaling out\n');
  const end = readme.indexOf('\n## ', start + 1);
  expect(start).toBeGreaterThan(0);
  const section = readme.slice(start, end);
  return [...section.matchAll(/^```[a-z]*\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

const readTextFile = (path: string) => readFile(path, 'utf8').catch(() => null);

describe('deploy/scaling-out', () => {
  it('is what README "Scaling out" shows', () => {
    expect(scalingOutBlocks()).toEqual([file('nats-server.conf'), file('store-fritz-main.json'), file('cc-backend-config.json')]);
  });

  it('holds a nats-server config that nats-server accepts', () => {
    const check = spawnSync(NATS_SERVER_BIN, ['-t', '-c', join(DIR, 'nats-server.conf')], { encoding: 'utf8' });
    expect(check.status).toBe(0);
    expect(check.stdout + check.stderr).toContain('is valid');
    expect(file('nats-server.conf')).toMatch(/jetstream \{/);
    expect(file('nats-server.conf')).toContain('{{partition(2,3)}}');
  });

  it('holds two store configs that validate and differ only in their subcluster', async () => {
    const main = await loadConfig({ path: join(DIR, 'store-fritz-main.json'), readTextFile });
    const spr1tb = await loadConfig({ path: join(DIR, 'store-fritz-spr1tb.json'), readTextFile });
    const [a] = main.metricStore.natsSubscriptions;
    const [b] = spr1tb.metricStore.natsSubscriptions;
    expect(a).toMatchObject({ subscribeTo: 'hpc.fritz.main.>', clusterTag: 'fritz', jetstream: { stream: 'HPC', durable: 'store-fritz-main' } });
    expect(a!.jetstream!.createStream).toEqual({ subjects: ['hpc.>'], maxAgeSeconds: 48 * 3600, storage: 'file', replicas: 1 });
    expect(b).toEqual({ ...a, subscribeTo: 'hpc.fritz.spr1tb.>', jetstream: { ...a!.jetstream, durable: 'store-fritz-spr1tb' } });
    expect({ ...spr1tb, source: null, metricStore: { ...spr1tb.metricStore, natsSubscriptions: [] } }).toEqual({
      ...main,
      source: null,
      metricStore: { ...main.metricStore, natsSubscriptions: [] },
    });
    expect(main.metricStore.checkpoints.fsync).toBe(true);
  });

  it("holds cc-backend's metric-store-external with the keys its schema requires, a scope per subcluster and one for the cluster", () => {
    const external = JSON.parse(file('cc-backend-config.json'))['metric-store-external'] as Array<Record<string, string>>;
    for (const entry of external) expect(Object.keys(entry).sort()).toEqual(['scope', 'token', 'url']);
    expect(external.map((e) => e.scope)).toEqual(['fritz-main', 'fritz-spr1tb', 'fritz']);
  });
});
