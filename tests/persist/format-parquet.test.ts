import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parquetMetadata } from 'hyparquet';
import { afterAll, describe, expect, it } from 'vitest';
import { archiveRowsOfHost, decodeParquetArchive, encodeParquetArchive, scopeOfLevel } from '../../src/persist/format/index.ts';
import type { ArchiveColumns, CheckpointFile } from '../../src/persist/format/index.ts';
import { level, series } from '../support/levels.ts';

const tmp = mkdtempSync(join(tmpdir(), 'ccms-parquet-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const T0 = 1725620030;
const fileA: CheckpointFile = {
  from: 1725620000,
  to: 1725623600,
  root: level(
    { cpu_load: series(T0, [0.5, NaN, 1.5]), mem_used: series(T0, [7]) },
    {
      hwthread1: level({ cpu_user: series(T0, [11, 12]) }),
      hwthread0: level({ cpu_user: series(T0, [1, 2]) }),
      cpu3: level({ cpu_user: series(T0, [33]) }),
      socket0: level({ mem_bw: series(T0, [100]) }, { memctrl1: level({ mem_bw: series(T0, [5]) }) }),
    },
  ),
};
// A later file overlapping the first at T0+120 for cpu_load: the later value wins.
const fileB: CheckpointFile = { from: 1725623600, to: 1725627200, root: level({ cpu_load: series(T0 + 120, [9, 10]) }) };

function rows(c: ArchiveColumns) {
  return Array.from({ length: c.count }, (_, i) => [c.cluster[i], c.hostname[i], c.metric[i], c.scope[i], c.scopeId[i], c.timestamp[i], c.frequency[i], c.value[i]]);
}

describe('scopeOfLevel', () => {
  it('follows the Go archiver', () => {
    expect(scopeOfLevel(undefined)).toEqual(['node', '']);
    expect(scopeOfLevel('socket0')).toEqual(['socket', '0']);
    expect(scopeOfLevel('memoryDomain12')).toEqual(['memoryDomain', '12']);
    expect(scopeOfLevel('core7')).toEqual(['core', '7']);
    expect(scopeOfLevel('hwthread127')).toEqual(['hwthread', '127']);
    expect(scopeOfLevel('cpu3')).toEqual(['hwthread', '3']);
    expect(scopeOfLevel('accelerator0')).toEqual(['accelerator', '0']);
    expect(scopeOfLevel('socket')).toEqual(['socket', '']);
    expect(scopeOfLevel('socketx')).toEqual(['socketx', '']);
    expect(scopeOfLevel('memctrl1')).toEqual(['memctrl1', '']);
  });
});

describe('archive rows', () => {
  it('has one row per present sample, sorted by metric then timestamp, later files winning', () => {
    const r = rows(archiveRowsOfHost('fritz', 'f0201', [fileA, fileB]));
    expect(r).toEqual([
      ['fritz', 'f0201', 'cpu_load', 'node', '', T0, 60, 0.5],
      ['fritz', 'f0201', 'cpu_load', 'node', '', T0 + 120, 60, 9],
      ['fritz', 'f0201', 'cpu_load', 'node', '', T0 + 180, 60, 10],
      ['fritz', 'f0201', 'cpu_user', 'hwthread', '0', T0, 60, 1],
      ['fritz', 'f0201', 'cpu_user', 'hwthread', '1', T0, 60, 11],
      ['fritz', 'f0201', 'cpu_user', 'hwthread', '3', T0, 60, 33],
      ['fritz', 'f0201', 'cpu_user', 'hwthread', '0', T0 + 60, 60, 2],
      ['fritz', 'f0201', 'cpu_user', 'hwthread', '1', T0 + 60, 60, 12],
      ['fritz', 'f0201', 'mem_bw', 'memctrl1', '', T0, 60, 5],
      ['fritz', 'f0201', 'mem_bw', 'socket', '0', T0, 60, 100],
      ['fritz', 'f0201', 'mem_used', 'node', '', T0, 60, 7],
    ]);
  });
});

describe('Parquet archive', () => {
  const hosts = [
    { cluster: 'fritz', hostname: 'f0202', files: [fileB] },
    { cluster: 'fritz', hostname: 'f0201', files: [fileA, fileB] },
  ];

  it('round-trips through our reader, Zstd-compressed, with the schema of formats.md', async () => {
    const bytes = await encodeParquetArchive(hosts);
    const back = await decodeParquetArchive(bytes);
    const want = [...rows(archiveRowsOfHost('fritz', 'f0201', [fileA, fileB])), ...rows(archiveRowsOfHost('fritz', 'f0202', [fileB]))];
    expect(rows(back)).toEqual(want);

    const meta = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer);
    expect(meta.schema.slice(1).map((e) => [e.name, e.type, e.repetition_type])).toEqual([
      ['cluster', 'BYTE_ARRAY', 'REQUIRED'],
      ['hostname', 'BYTE_ARRAY', 'REQUIRED'],
      ['metric', 'BYTE_ARRAY', 'REQUIRED'],
      ['scope', 'BYTE_ARRAY', 'REQUIRED'],
      ['scope_id', 'BYTE_ARRAY', 'REQUIRED'],
      ['timestamp', 'INT64', 'REQUIRED'],
      ['frequency', 'INT64', 'REQUIRED'],
      ['value', 'FLOAT', 'REQUIRED'],
    ]);
    for (const e of meta.schema.slice(1, 6)) {
      expect(e.converted_type).toBe('UTF8');
      expect(e.logical_type?.type).toBe('STRING');
    }
    expect(meta.created_by).toBe('cc-metric-store-ts');
    expect(meta.row_groups).toHaveLength(2);
    for (const rg of meta.row_groups) for (const c of rg.columns) expect(c.meta_data?.codec).toBe('ZSTD');
  });

  it('opens in DuckDB, an independent standard reader', async () => {
    const bytes = await encodeParquetArchive(hosts);
    const path = join(tmp, 'fritz.parquet');
    writeFileSync(path, bytes);
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    try {
      const result = await con.runAndReadAll(
        `select cluster, hostname, metric, scope, scope_id, timestamp, frequency, value from read_parquet('${path}')`,
      );
      const got = result.getRows().map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : v)));
      const mine = rows(await decodeParquetArchive(bytes));
      expect(got).toEqual(mine);
      const types = await con.runAndReadAll(`select column_name, column_type from (describe select * from read_parquet('${path}'))`);
      expect(types.getRows()).toEqual([
        ['cluster', 'VARCHAR'],
        ['hostname', 'VARCHAR'],
        ['metric', 'VARCHAR'],
        ['scope', 'VARCHAR'],
        ['scope_id', 'VARCHAR'],
        ['timestamp', 'BIGINT'],
        ['frequency', 'BIGINT'],
        ['value', 'FLOAT'],
      ]);
      const codecs = await con.runAndReadAll(`select distinct compression from parquet_metadata('${path}')`);
      expect(codecs.getRows()).toEqual([['ZSTD']]);
    } finally {
      con.closeSync();
    }
  });
});
