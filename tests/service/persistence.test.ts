// The service with its default extensions over the real engine, in-process:
// persistence restores before the server listens, owns the write path (WAL
// append before the 200), reports its counters in /api/debug, and writes the
// final checkpoint when the service stops.

import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ServiceConfig } from '../../src/config/types.ts';
import { validateConfig } from '../../src/config/validate.ts';
import { silentLogger } from '../../src/log.ts';
import { decodeWal } from '../../src/persist/format/index.ts';
import { type RunningService, startService } from '../../src/service/start.ts';
import { copyTree, testEnv, type TestEnv } from '../support/persist-env.ts';
import { fixturesDir } from '../support/shared.ts';

let env: TestEnv;
let service: RunningService | null = null;
beforeEach(() => {
  env = testEnv();
});
afterEach(async () => {
  await service?.stop();
  service = null;
  env.cleanup();
});

function config(checkpoints: string, retention = '48h'): ServiceConfig {
  return validateConfig(
    {
      main: { addr: '127.0.0.1:0' },
      metrics: { cpu_load: { frequency: 60, aggregation: null }, cpu_user: { frequency: 60, aggregation: 'avg' } },
      'metric-store': { 'retention-in-memory': retention, 'memory-cap': 0, checkpoints: { 'file-format': 'wal', directory: checkpoints } },
    },
    'test.json',
  );
}

const now = () => Math.floor(Date.now() / 1000);

async function write(body: string): Promise<Response> {
  return fetch(`${service!.url}/api/write?cluster=fritz`, { method: 'POST', body });
}

async function queryData(host: string, from: number, to: number): Promise<Array<number | null>> {
  const body = JSON.stringify({ cluster: 'fritz', from, to, 'with-padding': false, queries: [{ metric: 'cpu_load', host }] });
  const answer = (await (await fetch(`${service!.url}/api/query`, { method: 'POST', body })).json()) as { results: Array<Array<{ data: Array<number | null> }>> };
  return answer.results[0]?.[0]?.data ?? [];
}

async function serviceStatus(): Promise<Record<string, any>> {
  return ((await (await fetch(`${service!.url}/api/debug`)).json()) as { service: Record<string, any> }).service;
}

describe('the service with persistence', () => {
  it('has restored the checkpoint directory when it starts listening', async () => {
    const dir = join(env.dir, 'fx');
    copyTree(join(fixturesDir(), 'checkpoints-wal'), dir);
    service = await startService({ config: config(dir, '30000h'), log: silentLogger });
    const data = await queryData('f0201', 1725620000, 1725623630);
    expect(data).toHaveLength(60);
    expect(data[59]).toBe(29.5);
    const { persistence } = await serviceStatus();
    expect(persistence.restore).toMatchObject({ hosts: 1, files: 1, failedFiles: 0, walSamples: 15 });
  });

  it('has the samples of a write in current.wal when it answers 200, and counts the bytes', async () => {
    service = await startService({ config: config(env.checkpoints), log: silentLogger });
    const t = now() - 120;
    const res = await write(`cpu_load,hostname=a value=1.5 ${t}\ncpu_load,hostname=a value=2.5 ${t + 60}`);
    expect(res.status).toBe(200);
    const wal = decodeWal(new Uint8Array(readFileSync(join(env.checkpoints, 'fritz/a/current.wal'))));
    expect(wal.stop).toBe('end');
    const { samples } = wal;
    expect(Array.from({ length: samples.count }, (_, i) => [samples.metrics[samples.metric[i]], samples.ts[i], samples.value[i]])).toEqual([
      ['cpu_load', t, 1.5],
      ['cpu_load', t + 60, 2.5],
    ]);
    const { persistence } = await serviceStatus();
    expect(persistence.wal).toMatchObject({ bytesAppended: wal.validBytes, hosts: 1, failedBatches: 0 });
    expect(persistence.lastCheckpoint).toBeNull();
  });

  it('answers a write with a 5xx JSON error when the WAL cannot be written', async () => {
    mkdirSync(env.checkpoints, { recursive: true });
    writeFileSync(join(env.checkpoints, 'fritz'), 'a file where the cluster directory should be');
    service = await startService({ config: config(env.checkpoints), log: silentLogger });
    const res = await write(`cpu_load,hostname=a value=1 ${now()}`);
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toBe('application/json');
    const body = (await res.json()) as { status: string; error: string; stored: number; rejected: number };
    expect(body.status).toBe('Internal Server Error');
    expect(body.error).toMatch(/^the WAL could not be written \(WAL of fritz\/a: .*\); 1 sample stored in memory only/);
    expect([body.stored, body.rejected]).toEqual([1, 0]);
    expect((await serviceStatus()).persistence.wal.failedBatches).toBe(1);
    // Nor can the final checkpoint save the sample: the stop says so instead of passing for a clean one.
    const stopping = service.stop();
    service = null;
    await expect(stopping).rejects.toThrow(/final checkpoint incomplete: 1 of 1 hosts with 1 samples not saved .*\(fritz\/a\): ENOTDIR/);
  });

  it('writes the final checkpoint on stop, and a new start answers the same', async () => {
    service = await startService({ config: config(env.checkpoints), log: silentLogger });
    const t = now() - 600;
    const lines = Array.from({ length: 10 }, (_, i) => `cpu_load,hostname=b value=${i / 4} ${t + 60 * i}`);
    expect((await write(lines.join('\n'))).status).toBe(200);
    const before = await queryData('b', t - 60, t + 600);
    expect(before).toEqual(Array.from({ length: 10 }, (_, i) => i / 4));

    await service.stop();
    service = null;
    const hostDir = join(env.checkpoints, 'fritz/b');
    expect(readdirSync(hostDir).filter((f) => f.endsWith('.bin'))).toHaveLength(1);
    expect(existsSync(join(hostDir, 'current.wal'))).toBe(false);

    service = await startService({ config: config(env.checkpoints), log: silentLogger });
    expect(await queryData('b', t - 60, t + 600)).toEqual(before);
  });
});
