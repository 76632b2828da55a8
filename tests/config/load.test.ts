import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG_SOURCE } from '../../src/config/default-config.ts';
import { ConfigError } from '../../src/config/fields.ts';
import { loadConfig } from '../../src/config/load.ts';
import { DEFAULT_LIMITS } from '../../src/config/validate.ts';
import { readTextFile } from '../../src/runtime/index.ts';
import { REFERENCE_CONFIG } from '../support/reference.ts';

const dir = mkdtempSync(join(tmpdir(), 'ccms-config-'));
const reference = JSON.parse(readFileSync(REFERENCE_CONFIG, 'utf8'));

function writeConfig(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

describe('loading config.json', () => {
  it('loads the reference config.json unchanged', async () => {
    const config = await loadConfig({ path: REFERENCE_CONFIG, readTextFile });
    expect(config.source).toBe(REFERENCE_CONFIG);
    expect(config.main).toMatchObject({
      addr: { host: '0.0.0.0', port: 8082 },
      httpsCertFile: '',
      httpsKeyFile: '',
      jwtPublicKey: 'kzfYrYy+TzpanWZHJ5qSdMj5uKUWgq74BWhQG6copP0=',
      maxBodySize: 256 * 1024 ** 2,
      limits: DEFAULT_LIMITS,
    });
    expect(config.nats).toEqual({
      address: 'nats://0.0.0.0:4222',
      servers: ['nats://0.0.0.0:4222'],
      transport: 'tcp',
      requireTls: false,
      username: 'root',
      password: 'root',
      credsFilePath: '',
      token: '',
      tls: { caFile: '', certFile: '', keyFile: '' },
    });
    expect(config.metricStore).toEqual({
      numWorkers: 0,
      retentionInMemorySeconds: 48 * 3600,
      maxFutureSkewSeconds: 600,
      checkpointIntervalSeconds: 12 * 3600,
      memoryCapGB: 100,
      checkpoints: { fileFormat: 'wal', directory: './var/checkpoints', maxWalSize: 0, fsync: false },
      cleanup: { mode: 'archive', directory: './var/archive' },
      debug: { dumpToFile: '', gops: false },
      natsSubscriptions: [
        { subscribeTo: 'hpc-nats', clusterTag: 'fritz' },
        { subscribeTo: 'hpc-nats', clusterTag: 'alex' },
      ],
      shards: 1,
      shardMemoryLimit: 4 * 1024 ** 3,
      compression: true,
    });
    expect(Object.keys(config.metrics)).toEqual(Object.keys(reference.metrics));
    expect(config.metrics.cpu_load).toEqual({ frequency: 60, aggregation: null });
    expect(config.metrics.flops_any).toEqual({ frequency: 60, aggregation: 'sum' });
    expect(config.metrics.clock).toEqual({ frequency: 60, aggregation: 'avg' });
  });

  it('uses the embedded default when no -config is given and ./config.json does not exist', async () => {
    const config = await loadConfig({ readTextFile: async () => null });
    expect(config.source).toBe(DEFAULT_CONFIG_SOURCE);
    expect(config.main.addr).toEqual({ host: '127.0.0.1', port: 8082 });
    expect(config.main.jwtPublicKey).toBe('');
    expect(config.metricStore.checkpoints.directory).toBe('./var/checkpoints');
    expect(config.metricStore.cleanup).toEqual({ mode: 'archive', directory: './var/archive' });
    expect(config.metrics).toEqual(Object.fromEntries(Object.entries(reference.metrics)));
    expect(config.nats).toBeNull();
  });

  it('reads ./config.json when no -config is given', async () => {
    const read: string[] = [];
    const config = await loadConfig({
      readTextFile: async (path) => {
        read.push(path);
        return JSON.stringify({ ...reference, main: { addr: ':9000' } });
      },
    });
    expect(read).toEqual(['./config.json']);
    expect(config.main.addr).toEqual({ host: '', port: 9000 });
  });

  it('fails for a -config file that does not exist', async () => {
    await expect(loadConfig({ path: join(dir, 'missing.json'), readTextFile })).rejects.toThrow(
      `${join(dir, 'missing.json')}: no such file`,
    );
  });

  it('names line and column of a JSON syntax error', async () => {
    const path = writeConfig('broken.json', '{\n  "main": {\n    "addr": "x",,\n  }\n}');
    await expect(loadConfig({ path, readTextFile })).rejects.toThrow(/broken\.json: not valid JSON: .*line 3/);
  });

  it('reads a section from a <section>-file reference, like the reference', async () => {
    const metricsFile = writeConfig('metrics.json', { cpu_load: { frequency: 30, aggregation: null } });
    const { metrics: _metrics, ...rest } = reference;
    const path = writeConfig('with-ref.json', { ...rest, 'metrics-file': metricsFile });
    const config = await loadConfig({ path, readTextFile });
    expect(config.metrics).toEqual({ cpu_load: { frequency: 30, aggregation: null } });
  });

  it('fails for a <section>-file reference to a missing file', async () => {
    const { metrics: _metrics, ...rest } = reference;
    const path = writeConfig('bad-ref.json', { ...rest, 'metrics-file': join(dir, 'nope.json') });
    await expect(loadConfig({ path, readTextFile })).rejects.toThrow(/bad-ref\.json: metrics-file: no such file/);
  });

  it('throws ConfigError carrying file and field', async () => {
    const path = writeConfig('typed.json', { ...reference, main: { addr: 8082 } });
    const error = await loadConfig({ path, readTextFile }).catch((e) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ file: path, field: 'main.addr' });
  });
});
