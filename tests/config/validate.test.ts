import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/validate.ts';
import { REFERENCE_CONFIG } from '../support/reference.ts';

const reference = JSON.parse(readFileSync(REFERENCE_CONFIG, 'utf8'));

/** The reference config with `patch` applied at a dotted path (undefined deletes). */
function withChange(path: string, value: unknown): unknown {
  const copy = structuredClone(reference);
  const keys = path.split('.');
  let node = copy;
  for (const key of keys.slice(0, -1)) node = node[key];
  if (value === undefined) delete node[keys.at(-1)!];
  else node[keys.at(-1)!] = value;
  return copy;
}

const validate = (raw: unknown) => () => validateConfig(raw, 'config.json');

describe('config validation', () => {
  it.each([
    ['metric-store.retention-in-memory', '2 days', 'config.json: metric-store.retention-in-memory: expected a duration string like "48h", got "2 days"'],
    ['metric-store.retention-in-memory', 48, 'config.json: metric-store.retention-in-memory: expected a duration string like "48h", got number 48'],
    ['metric-store.checkpoint-interval', '0s', 'config.json: metric-store.checkpoint-interval: must be a positive duration, got "0s"'],
    ['metric-store.memory-cap', '100GB', 'config.json: metric-store.memory-cap: expected a number, got "100GB"'],
    ['metric-store.checkpoints.fsync', 'yes', 'config.json: metric-store.checkpoints.fsync: expected true or false, got "yes"'],
    ['metric-store.checkpoints.file-format', 'bin', 'config.json: metric-store.checkpoints.file-format: expected one of "json", "wal", got "bin"'],
    ['metric-store.cleanup.mode', 'shred', 'config.json: metric-store.cleanup.mode: expected one of "archive", "delete", got "shred"'],
    ['metric-store.cleanup', { mode: 'archive' }, 'config.json: metric-store.cleanup.directory: is required when cleanup.mode is "archive"'],
    ['metric-store.cleanup', { mode: 'archive', directory: '' }, 'config.json: metric-store.cleanup.directory: is required when cleanup.mode is "archive"'],
    ['metric-store.nats-subscriptions', [{ 'cluster-tag': 'x' }], 'config.json: metric-store.nats-subscriptions[0].subscribe-to: is required'],
    ['metric-store.nats-subscriptions', {}, 'config.json: metric-store.nats-subscriptions: expected an array, got an object'],
    ['metric-store.retention-in-memory', undefined, 'config.json: metric-store.retention-in-memory: is required'],
    ['metric-store.memory-cap', undefined, 'config.json: metric-store.memory-cap: is required'],
    ['metric-store.shards', 0, 'config.json: metric-store.shards: must be at least 1, got 0'],
    ['metric-store.shard-memory-limit', '8GiB', 'config.json: metric-store.shard-memory-limit: must be between 65536 and 4294967296 bytes, got 8589934592'],
    ['main.addr', 'localhost', 'config.json: main.addr: expected "host:port" like "127.0.0.1:8082", got "localhost"'],
    ['main.addr', 'localhost:99999', 'config.json: main.addr: expected "host:port" like "127.0.0.1:8082", got "localhost:99999"'],
    ['main.jwt-public-key', 'not-a-key', 'config.json: main.jwt-public-key: expected the base64 encoding of a raw 32-byte Ed25519 public key'],
    ['main.max-body-size', 'huge', 'config.json: main.max-body-size: expected a number of bytes or a size like "256MiB", got "huge"'],
    ['main.debug', { gops: 'yes' }, 'config.json: main.debug.gops: expected true or false, got "yes"'],
    ['metrics.cpu_load.frequency', 0, 'config.json: metrics.cpu_load.frequency: must be at least 1, got 0'],
    ['metrics.cpu_load.frequency', 0.5, 'config.json: metrics.cpu_load.frequency: expected an integer, got number 0.5'],
    ['metrics.cpu_load.aggregation', 'max', 'config.json: metrics.cpu_load.aggregation: expected "sum", "avg" or null, got "max"'],
    ['metrics.cpu_load', { frequency: 60 }, 'config.json: metrics.cpu_load.aggregation: is required'],
    ['metrics', [], 'config.json: metrics: expected an object, got an array'],
    ['nats.address', undefined, 'config.json: nats.address: is required'],
    ['main', undefined, 'config.json: main: is required'],
    ['metric-store', undefined, 'config.json: metric-store: is required'],
  ])('%s = %j -> %s', (path, value, message) => {
    expect(validate(withChange(path, value))).toThrow(message);
  });

  it.each([
    ['main.address', 'config.json: main.address: unknown key'],
    ['metric-store.retention', 'config.json: metric-store.retention: unknown key'],
    ['metric-store.checkpoints.interval', 'config.json: metric-store.checkpoints.interval: unknown key'],
    ['metric-store.cleanup.keep', 'config.json: metric-store.cleanup.keep: unknown key'],
    ['metrics.cpu_load.scope', 'config.json: metrics.cpu_load.scope: unknown key'],
    ['nats.user', 'config.json: nats.user: unknown key'],
    ['http-api', 'config.json: http-api: unknown key'],
  ])('refuses the unknown key %s', (path, message) => {
    expect(validate(withChange(path, 'x'))).toThrow(message);
  });

  it('lists the known keys with an unknown one', () => {
    expect(validate(withChange('main.adress', 'x'))).toThrow(/known keys here: addr, https-cert-file,/);
  });

  it('fills in the reference defaults for optional keys', () => {
    const minimal = { main: {}, metrics: {}, 'metric-store': { 'retention-in-memory': '1h', 'memory-cap': 0 } };
    const config = validateConfig(minimal, 'config.json');
    expect(config.main.addr).toEqual({ host: '127.0.0.1', port: 8082 });
    expect(config.metricStore.checkpointIntervalSeconds).toBe(12 * 3600);
    expect(config.metricStore.checkpoints).toEqual({ fileFormat: 'wal', directory: './var/checkpoints', maxWalSize: 0, fsync: false });
    expect(config.metricStore.cleanup).toEqual({ mode: 'delete', directory: '' });
    expect(config.metricStore.natsSubscriptions).toEqual([]);
    expect(config.nats).toBeNull();
  });

  it('takes a memory cap in GB as the reference does, and (ours) a fraction of a GB', () => {
    expect(validateConfig(withChange('metric-store.memory-cap', 100), 'config.json').metricStore.memoryCapGB).toBe(100);
    expect(validateConfig(withChange('metric-store.memory-cap', 0.25), 'config.json').metricStore.memoryCapGB).toBe(0.25);
    expect(validate(withChange('metric-store.memory-cap', -1))).toThrow('config.json: metric-store.memory-cap: must be at least 0, got -1');
  });

  it('accepts our own keys', () => {
    const config = validateConfig(
      withChange('metric-store', { ...reference['metric-store'], shards: 4, 'shard-memory-limit': '2GiB' }),
      'config.json',
    );
    expect(config.metricStore.shards).toBe(4);
    expect(config.metricStore.shardMemoryLimit).toBe(2 * 1024 ** 3);
    expect(validateConfig(withChange('main.max-body-size', '1GiB'), 'config.json').main.maxBodySize).toBe(1024 ** 3);
  });

  it('reads main.gzip-min-size as a byte size, 0 (never) by default', () => {
    expect(validateConfig(reference, 'config.json').main.gzipMinSize).toBe(0);
    expect(validateConfig(withChange('main.gzip-min-size', '64KiB'), 'config.json').main.gzipMinSize).toBe(64 * 1024);
    expect(() => validateConfig(withChange('main.gzip-min-size', 'big'), 'config.json')).toThrow(/main\.gzip-min-size/);
  });

  it('reads the request limits and the ingest window, with their defaults', () => {
    const main = { ...reference.main, 'max-hosts-per-write': 50, 'max-query-points': 1000, 'header-timeout': '2s', 'idle-timeout': '1m' };
    const config = validateConfig(withChange('main', main), 'config.json');
    expect(config.main.limits).toMatchObject({ maxHostsPerWrite: 50, maxQueryPoints: 1000, headerTimeoutSeconds: 2, idleTimeoutSeconds: 60 });
    expect(config.main.limits.maxQuerySelectors).toBe(1_000_000);
    const skew = validateConfig(withChange('metric-store', { ...reference['metric-store'], 'max-future-skew': '30s' }), 'config.json');
    expect(skew.metricStore.maxFutureSkewSeconds).toBe(30);
    expect(() => validateConfig(withChange('main.max-connections', 0), 'config.json')).toThrow(/main\.max-connections/);
    expect(() => validateConfig(withChange('main.idle-timeout', 5), 'config.json')).toThrow(/main\.idle-timeout: expected a duration/);
  });

  it('accepts "" as no aggregation, like the reference', () => {
    expect(validateConfig(withChange('metrics.cpu_load.aggregation', ''), 'x').metrics.cpu_load!.aggregation).toBeNull();
  });

  it('reads nats.address into its servers and transport; a bare host:port is nats://', () => {
    const nats = (address: string) => validateConfig(withChange('nats.address', address), 'x').nats;
    expect(nats('nats://0.0.0.0:4222')).toMatchObject({ servers: ['nats://0.0.0.0:4222'], transport: 'tcp', requireTls: false });
    expect(nats('ws://nats.example:8080')).toMatchObject({ servers: ['ws://nats.example:8080'], transport: 'websocket' });
    // TLS is the socket's over WebSocket; the flag says the address insists on it (src/nats/connect.ts gives it to TCP only).
    expect(nats('wss://nats.example')).toMatchObject({ transport: 'websocket', requireTls: true });
    expect(nats('ws://nats.example')).toMatchObject({ transport: 'websocket', requireTls: false });
    expect(nats('tls://nats.example:4222')).toMatchObject({ transport: 'tcp', requireTls: true });
    expect(nats('nats.example:4222')).toMatchObject({ servers: ['nats://nats.example:4222'], transport: 'tcp' });
    expect(nats('nats://a:4222, nats://b:4222')).toMatchObject({ servers: ['nats://a:4222', 'nats://b:4222'] });
    // Empty: NATS stays off, as in the reference (which warns and goes on).
    expect(nats('')).toMatchObject({ address: '', servers: [] });
  });

  it.each([
    ['nats.address', 'http://x:4222', 'config.json: nats.address: "http://x:4222": scheme http:// is not supported (use nats://, tls://, ws:// or wss://)'],
    ['nats.address', 'nats://a:4222,ws://b:80', 'config.json: nats.address: mixes WebSocket (ws://, wss://) and TCP (nats://, tls://) servers'],
    ['nats.address', ' , ', 'config.json: nats.address: " , " names no server'],
    ['nats.address', 'nats://', 'config.json: nats.address: "nats://" '],
    ['nats.username', '', 'config.json: nats.password: is set but nats.username is not'],
    ['nats.username', 7, 'config.json: nats.username: expected a string, got number 7'],
    ['metric-store.nats-subscriptions', [{ 'subscribe-to': '' }], 'config.json: metric-store.nats-subscriptions[0].subscribe-to: must be a non-empty NATS subject'],
    [
      'metric-store.nats-subscriptions',
      [{ 'subscribe-to': 'hpc-nats' }, { 'subscribe-to': 'a..b' }],
      'config.json: metric-store.nats-subscriptions[1].subscribe-to: "a..b" is not a valid NATS subject',
    ],
    ['metric-store.nats-subscriptions', [{ 'subscribe-to': 'a b' }], 'config.json: metric-store.nats-subscriptions[0].subscribe-to: "a b" is not a valid NATS subject'],
    ['nats.tls-cert-file', 'client.pem', 'config.json: nats.tls-cert-file: is set but nats.tls-key-file is not: a client certificate needs its key'],
    ['nats.tls-key-file', 'client.key', 'config.json: nats.tls-key-file: is set but nats.tls-cert-file is not: a client key needs its certificate'],
    ['nats.tls-ca-file', 7, 'config.json: nats.tls-ca-file: expected a string, got number 7'],
  ])('NATS: %s = %j -> %s', (path, value, message) => {
    expect(validate(withChange(path, value))).toThrow(message);
  });

  it('reads nats.tls-ca-file, tls-cert-file and tls-key-file (ours); refuses them for an address of ws:// servers only', () => {
    const nats = { address: 'tls://nats.example:4222', 'tls-ca-file': '/etc/ssl/site-ca.pem', 'tls-cert-file': 'c.pem', 'tls-key-file': 'c.key' };
    expect(validateConfig(withChange('nats', nats), 'x').nats!.tls).toEqual({ caFile: '/etc/ssl/site-ca.pem', certFile: 'c.pem', keyFile: 'c.key' });
    expect(validateConfig(withChange('nats', { ...nats, address: 'wss://a, ws://b' }), 'x').nats!.tls.caFile).toBe('/etc/ssl/site-ca.pem');
    expect(validateConfig(withChange('nats.address', 'nats://a:4222'), 'x').nats!.tls).toEqual({ caFile: '', certFile: '', keyFile: '' });
    expect(validate(withChange('nats', { address: 'ws://a:80', 'tls-ca-file': 'ca.pem' }))).toThrow(
      'config.json: nats.tls-ca-file: applies to TLS connections, but nats.address names only ws:// servers (use wss://)',
    );
  });

  it('takes NATS wildcard subjects and a subscription without cluster-tag (an empty default cluster)', () => {
    const config = validateConfig(withChange('metric-store.nats-subscriptions', [{ 'subscribe-to': 'metrics.>' }, { 'subscribe-to': 'hpc.*.x' }]), 'x');
    expect(config.metricStore.natsSubscriptions).toEqual([
      { subscribeTo: 'metrics.>', clusterTag: '' },
      { subscribeTo: 'hpc.*.x', clusterTag: '' },
    ]);
  });

  it('reads the backend token (at most one of backend-token, backend-token-file) and metrics-without-auth', () => {
    const defaults = validateConfig(reference, 'config.json').main;
    expect(defaults).toMatchObject({ backendToken: '', backendTokenFile: '', metricsWithoutAuth: false });
    const main = { ...reference.main, 'backend-token': 'eyJ.x.y', 'metrics-without-auth': true };
    expect(validateConfig(withChange('main', main), 'config.json').main).toMatchObject({ backendToken: 'eyJ.x.y', backendTokenFile: '', metricsWithoutAuth: true });
    const fromFile = validateConfig(withChange('main.backend-token-file', '/etc/cc-metric-store/backend.jwt'), 'config.json').main;
    expect(fromFile.backendTokenFile).toBe('/etc/cc-metric-store/backend.jwt');
    expect(() => validateConfig(withChange('main', { ...main, 'backend-token-file': 'f' }), 'config.json')).toThrow(
      'config.json: main.backend-token-file: conflicts with main.backend-token: set one of them',
    );
    expect(() => validateConfig(withChange('main.metrics-without-auth', 'yes'), 'config.json')).toThrow(/main\.metrics-without-auth: expected true or false/);
    expect(() => validateConfig(withChange('main.backend-token', 42), 'config.json')).toThrow(/main\.backend-token: expected a string/);
  });

  it('parses IPv6 and all-interfaces addresses', () => {
    expect(validateConfig(withChange('main.addr', '[::1]:8082'), 'x').main.addr).toEqual({ host: '::1', port: 8082 });
    expect(validateConfig(withChange('main.addr', ':0'), 'x').main.addr).toEqual({ host: '', port: 0 });
  });
});
