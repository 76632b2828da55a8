import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanupOnce, openPersistence } from '../../src/persist/index.ts';
import { decodeParquetArchive, encodeBinSnapshot, encodeJsonCheckpoint } from '../../src/persist/format/index.ts';
import type { LevelData } from '../../src/engine/types.ts';
import { FakeStore, TEST_METRICS } from '../support/fake-store.ts';
import { filesIn, testEnv } from '../support/persist-env.ts';
import type { TestEnv } from '../support/persist-env.ts';
import { level, series } from '../support/levels.ts';

let env: TestEnv;
beforeEach(() => {
  env = testEnv();
});
afterEach(() => env.cleanup());

const H = 3600;
/** now - retention (48h): the cleanup line. */
const T = () => env.clock.now - 48 * H;

function put(host: string, number: number, to: number, root: LevelData, ext: 'bin' | 'json' = 'bin'): string {
  const dir = join(env.checkpoints, 'fritz', host);
  mkdirSync(dir, { recursive: true });
  const file = { from: number, to, root };
  writeFileSync(join(dir, `${number}.${ext}`), ext === 'bin' ? encodeBinSnapshot(file) : encodeJsonCheckpoint(file));
  return dir;
}

/** Three files per host: two wholly older than T, one straddling it, one newer. */
function layout(host: string, base: number) {
  const t = T();
  const dir = put(host, t - 36 * H, t - 24 * H, level({ cpu_load: series(t - 36 * H + 30, [base + 1, NaN, base + 2]) }));
  put(host, t - 24 * H, t - 12 * H, level({}, { hwthread0: level({ cpu_user: series(t - 24 * H + 30, [base + 3]) }) }), 'json');
  put(host, t - 12 * H, t + 1, level({ mem_used: series(t - 12 * H + 30, [base + 4]) }));
  put(host, t + 1, t + 12 * H, level({ mem_used: series(t + 31, [base + 5]) }));
  return dir;
}

describe('cleanup', () => {
  it('delete: removes due files, keeping the newest due one while a restart still needs it', async () => {
    const dir = layout('a', 0);
    const t = T();
    const s = await cleanupOnce(env.settings(), { now: env.now, log: env.log });
    expect(s.files).toBe(2);
    expect(filesIn(dir)).toEqual([`${t - 12 * H}.bin`, `${t + 1}.bin`]);
    // Twelve hours later that file holds nothing a restart would load.
    env.clock.now += 12 * H;
    await cleanupOnce(env.settings(), { now: env.now, log: env.log });
    expect(filesIn(dir)).toEqual([`${t + 1}.bin`]);
  });

  it('archive: one Zstd Parquet per cluster with every sample, files deleted after it is in place', async () => {
    const a = layout('a', 0);
    const b = layout('b', 100);
    const t = T();
    const p = openPersistence({
      store: new FakeStore({ metrics: TEST_METRICS, wal: true }),
      settings: env.settings({ cleanupMode: 'archive', archiveDir: env.archive }),
      log: env.log,
      now: env.now,
    });
    const s = await p.cleanupOnce();
    expect(s).toMatchObject({ files: 4, rows: 6, failed: 0 });
    const path = join(env.archive, 'fritz', `${t}.parquet`);
    expect(s.archives).toEqual([path]);
    expect(filesIn(join(env.archive, 'fritz'))).toEqual([`${t}.parquet`]);
    const cols = await decodeParquetArchive(readFileSync(path));
    const rows = Array.from({ length: cols.count }, (_, i) => [cols.hostname[i], cols.metric[i], cols.scope[i], cols.scopeId[i], cols.timestamp[i] - t, cols.value[i]]);
    expect(rows.filter((r) => r[0] === 'a')).toEqual([
      ['a', 'cpu_load', 'node', '', -36 * H + 30, 1],
      ['a', 'cpu_load', 'node', '', -36 * H + 150, 2],
      ['a', 'cpu_user', 'hwthread', '0', -24 * H + 30, 3],
    ]);
    expect(rows.filter((r) => r[0] === 'b').map((r) => r[5])).toEqual([101, 102, 103]);
    expect(filesIn(a)).toEqual([`${t - 12 * H}.bin`, `${t + 1}.bin`]);
    expect(filesIn(b)).toEqual([`${t - 12 * H}.bin`, `${t + 1}.bin`]);
    expect(existsSync(`${path}.tmp`)).toBe(false);
  });

  it('archive: never overwrites an archive; an undecodable file stays for inspection', async () => {
    const t = T();
    const dir = put('a', t - 36 * H, t - 24 * H, level({ cpu_load: series(t - 36 * H, [1]) }));
    writeFileSync(join(dir, `${t - 30 * H}.bin`), 'garbage');
    put('a', t + 1, t + 2, level({ cpu_load: series(t + 1, [9]) }));
    const cfg = env.settings({ cleanupMode: 'archive', archiveDir: env.archive });
    mkdirSync(join(env.archive, 'fritz'), { recursive: true });
    writeFileSync(join(env.archive, 'fritz', `${t}.parquet`), 'an older archive');
    const s = await cleanupOnce(cfg, { now: env.now, log: env.log });
    expect(s).toMatchObject({ files: 1, rows: 1, failed: 1 });
    expect(filesIn(join(env.archive, 'fritz'))).toEqual([`${t}.parquet`, `${t + 1}.parquet`]);
    expect(readFileSync(join(env.archive, 'fritz', `${t}.parquet`), 'utf8')).toBe('an older archive');
    expect(filesIn(dir)).toEqual([`${t - 30 * H}.bin`, `${t + 1}.bin`]);
    expect(env.log.lines.some((l) => l.startsWith('error') && l.includes(`${t - 30 * H}.bin`))).toBe(true);
  });

  it('archive: when the archive cannot be written, no checkpoint file is deleted', async () => {
    const dir = layout('a', 0);
    const before = filesIn(dir);
    writeFileSync(join(env.dir, 'not-a-dir'), 'x');
    const cfg = env.settings({ cleanupMode: 'archive', archiveDir: join(env.dir, 'not-a-dir') });
    const s = await cleanupOnce(cfg, { now: env.now, log: env.log });
    expect(s).toMatchObject({ files: 0, failed: 1 });
    expect(filesIn(dir)).toEqual(before);
    expect(env.log.lines.some((l) => /cannot create an archive for cluster fritz/.test(l))).toBe(true);
  });

  it('leaves current.wal and newer files alone', async () => {
    const t = T();
    const dir = put('a', t + 100, t + 200, level({ cpu_load: series(t + 100, [1]) }));
    writeFileSync(join(dir, 'current.wal'), new Uint8Array([1, 0xa7, 0x1d, 0xcc]));
    await cleanupOnce(env.settings(), { now: env.now, log: env.log });
    expect(filesIn(dir)).toEqual([`${t + 100}.bin`, 'current.wal']);
  });
});
