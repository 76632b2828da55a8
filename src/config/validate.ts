// config.json -> ServiceConfig: the reference's schemas (cc-metric-store
// internal/config, cc-backend pkg/metricstore/configSchema.go, cc-lib nats)
// with its defaults, plus our own keys, marked (ours).

import type { Aggregation, MetricTable } from '../engine/types.ts';
import { ObjectReader, describe } from './fields.ts';
import { JETSTREAM_KEYS, checkDistinctConsumers, readJetStream } from './jetstream-subscription.ts';
import { isNatsSubject, parseNatsAddress } from './nats-address.ts';
import type { MainConfig, MetricStoreConfig, NatsConfig, NatsSubscription, RequestLimits, ServiceConfig } from './types.ts';

export const DEFAULT_ADDR = '127.0.0.1:8082';
export const DEFAULT_MAX_BODY_SIZE = 256 * 1024 ** 2;
/**
 * main.gzip-min-size: 0, never. Measured (bench/gzip.bench.mjs, README
 * "Performance"), gzip at its fastest level makes answers slower on loopback
 * and 1 Gbit/s, and pays only on links slower than about 300 Mbit/s.
 */
export const DEFAULT_GZIP_MIN_SIZE = 0;
export const MAX_SHARD_MEMORY = 4 * 1024 ** 3;
/** (ours) The defaults of README "Limits": generous for real sites, bounded for hostile clients. */
export const DEFAULT_LIMITS: RequestLimits = {
  maxHostsPerWrite: 10_000,
  maxQuerySelectors: 1_000_000,
  maxQueryPoints: 20_000_000,
  maxConnections: 10_000,
  headerTimeoutSeconds: 10,
  idleTimeoutSeconds: 60,
  requestTimeoutSeconds: 120,
};
export const DEFAULT_MAX_FUTURE_SKEW = 10 * 60;
const HOUR = 3600;

export const SECTIONS = ['main', 'metrics', 'metric-store', 'nats'] as const;

/** Validates a parsed config.json (with `*-file` references already resolved). */
export function validateConfig(raw: unknown, file: string): ServiceConfig {
  const top = new ObjectReader(file, '', raw, SECTIONS);
  for (const section of ['main', 'metrics', 'metric-store'] as const) top.require(section);
  return {
    source: file,
    main: readMain(top.object('main', MAIN_KEYS)!),
    metrics: readMetrics(top),
    metricStore: readMetricStore(top.object('metric-store', METRIC_STORE_KEYS)!),
    nats: readNats(top.object('nats', NATS_KEYS)),
  };
}

const DEBUG_KEYS = ['dump-to-file', 'gops'] as const;

const MAIN_KEYS = [
  'addr',
  'https-cert-file',
  'https-key-file',
  'user',
  'group',
  'backend-url',
  'backend-token',
  'backend-token-file',
  'metrics-without-auth',
  'debug',
  'jwt-public-key',
  'max-body-size',
  'gzip-min-size',
  'max-hosts-per-write',
  'max-query-selectors',
  'max-query-points',
  'max-connections',
  'header-timeout',
  'idle-timeout',
  'request-timeout',
] as const;

function readMain(main: ObjectReader): MainConfig {
  const debug = main.object('debug', DEBUG_KEYS);
  const jwtPublicKey = main.string('jwt-public-key', '');
  if (jwtPublicKey !== '' && !isBase64Ed25519Key(jwtPublicKey)) {
    main.fail('jwt-public-key', 'expected the base64 encoding of a raw 32-byte Ed25519 public key');
  }
  return {
    addr: parseAddr(main, main.string('addr', DEFAULT_ADDR)),
    httpsCertFile: main.string('https-cert-file', ''),
    httpsKeyFile: main.string('https-key-file', ''),
    user: main.string('user', ''),
    group: main.string('group', ''),
    backendUrl: main.string('backend-url', ''),
    ...readBackendToken(main),
    metricsWithoutAuth: main.boolean('metrics-without-auth', false),
    jwtPublicKey,
    maxBodySize: main.byteSize('max-body-size', DEFAULT_MAX_BODY_SIZE, 1),
    gzipMinSize: main.byteSize('gzip-min-size', DEFAULT_GZIP_MIN_SIZE),
    limits: readLimits(main),
    debug: { dumpToFile: debug?.string('dump-to-file', '') ?? '', gops: debug?.boolean('gops', false) ?? false },
  };
}

function readLimits(main: ObjectReader): RequestLimits {
  const d = DEFAULT_LIMITS;
  return {
    maxHostsPerWrite: main.integer('max-hosts-per-write', d.maxHostsPerWrite, 1),
    maxQuerySelectors: main.integer('max-query-selectors', d.maxQuerySelectors, 1),
    maxQueryPoints: main.integer('max-query-points', d.maxQueryPoints, 1),
    maxConnections: main.integer('max-connections', d.maxConnections, 1),
    headerTimeoutSeconds: main.duration('header-timeout', d.headerTimeoutSeconds),
    idleTimeoutSeconds: main.duration('idle-timeout', d.idleTimeoutSeconds),
    requestTimeoutSeconds: main.duration('request-timeout', d.requestTimeoutSeconds),
  };
}

/** One source of the token in config.json at most; the environment variable is looked at later, by the service. */
function readBackendToken(main: ObjectReader): Pick<MainConfig, 'backendToken' | 'backendTokenFile'> {
  const backendToken = main.string('backend-token', '');
  const backendTokenFile = main.string('backend-token-file', '');
  if (backendToken !== '' && backendTokenFile !== '') main.fail('backend-token-file', 'conflicts with main.backend-token: set one of them');
  return { backendToken, backendTokenFile };
}

/** Go's net.Listen address: "host:port", ":port" (every interface) or "[v6]:port". */
function parseAddr(main: ObjectReader, addr: string): MainConfig['addr'] {
  const match = /^(\[[^\]]*\]|[^:]*):(\d{1,5})$/.exec(addr);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port > 65535) main.fail('addr', `expected "host:port" like "${DEFAULT_ADDR}", got ${describe(addr)}`);
  return { host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port };
}

/** 32 bytes in standard base64 are 43 characters and one `=`. */
function isBase64Ed25519Key(text: string): boolean {
  return /^[A-Za-z0-9+/]{43}=$/.test(text);
}

const METRIC_KEYS = ['frequency', 'aggregation'] as const;

function readMetrics(top: ObjectReader): MetricTable {
  const table = top.object('metrics', null)!;
  const result: MetricTable = {};
  for (const name of table.keys()) {
    const metric = table.object(name, METRIC_KEYS)!;
    metric.require('frequency');
    metric.require('aggregation');
    const frequency = metric.integer('frequency', 0, 1);
    result[name] = { frequency, aggregation: readAggregation(metric) };
  }
  return result;
}

function readAggregation(metric: ObjectReader): Aggregation {
  const v = metric.raw('aggregation');
  if (v === null || v === '') return null;
  if (v === 'sum' || v === 'avg') return v;
  return metric.fail('aggregation', `expected "sum", "avg" or null, got ${describe(v)}`);
}

const METRIC_STORE_KEYS = [
  'num-workers',
  'retention-in-memory',
  'checkpoint-interval',
  'memory-cap',
  'checkpoints',
  'debug',
  'cleanup',
  'nats-subscriptions',
  'shards',
  'shard-memory-limit',
  'max-future-skew',
  'compression',
] as const;

function readMetricStore(ms: ObjectReader): MetricStoreConfig {
  ms.require('retention-in-memory');
  ms.require('memory-cap');
  const checkpoints = ms.object('checkpoints', ['file-format', 'directory', 'max-wal-size', 'fsync']);
  const cleanup = ms.object('cleanup', ['mode', 'directory']);
  const debug = ms.object('debug', DEBUG_KEYS);

  const cleanupMode = cleanup?.oneOf('mode', ['archive', 'delete'] as const, 'delete') ?? 'delete';
  if (cleanupMode === 'archive' && cleanup!.string('directory', '') === '') {
    cleanup!.fail('directory', 'is required when cleanup.mode is "archive"');
  }

  return {
    numWorkers: ms.integer('num-workers', 0, 0),
    retentionInMemorySeconds: ms.duration('retention-in-memory', 48 * HOUR),
    maxFutureSkewSeconds: ms.duration('max-future-skew', DEFAULT_MAX_FUTURE_SKEW),
    checkpointIntervalSeconds: ms.duration('checkpoint-interval', 12 * HOUR),
    // (ours) A fraction of a GB is taken too (the reference's int field refuses it): a small cap for tests and small hosts.
    memoryCapGB: ms.number('memory-cap', 0, 0),
    checkpoints: {
      fileFormat: checkpoints?.oneOf('file-format', ['json', 'wal'] as const, 'wal') ?? 'wal',
      directory: checkpoints?.string('directory', './var/checkpoints') ?? './var/checkpoints',
      maxWalSize: checkpoints?.integer('max-wal-size', 0, 0) ?? 0,
      fsync: checkpoints?.boolean('fsync', false) ?? false,
    },
    cleanup: { mode: cleanupMode, directory: cleanup?.string('directory', '') ?? '' },
    debug: { dumpToFile: debug?.string('dump-to-file', '') ?? '', gops: debug?.boolean('gops', false) ?? false },
    natsSubscriptions: readSubscriptions(ms),
    shards: ms.integer('shards', 1, 1),
    shardMemoryLimit: ms.byteSize('shard-memory-limit', MAX_SHARD_MEMORY, 64 * 1024, MAX_SHARD_MEMORY),
    compression: ms.boolean('compression', true),
  };
}

function readSubscriptions(ms: ObjectReader): NatsSubscription[] {
  const list = ms.array('nats-subscriptions') ?? [];
  const subscriptions = list.map((item, i): NatsSubscription => {
    const sub = new ObjectReader(ms.file, `${ms.field('nats-subscriptions')}[${i}]`, item, ['subscribe-to', 'cluster-tag', ...JETSTREAM_KEYS]);
    sub.require('subscribe-to');
    const subscribeTo = sub.string('subscribe-to', '');
    if (subscribeTo === '') sub.fail('subscribe-to', 'must be a non-empty NATS subject');
    if (!isNatsSubject(subscribeTo)) sub.fail('subscribe-to', `${describe(subscribeTo)} is not a valid NATS subject`);
    const jetstream = readJetStream(sub, subscribeTo);
    return { subscribeTo, clusterTag: sub.string('cluster-tag', ''), ...(jetstream ? { jetstream } : {}) };
  });
  checkDistinctConsumers(ms, subscriptions);
  return subscriptions;
}

const NATS_KEYS = ['address', 'username', 'password', 'creds-file-path', 'token', 'tls-ca-file', 'tls-cert-file', 'tls-key-file'] as const;

function readNats(nats: ObjectReader | null): NatsConfig | null {
  if (!nats) return null;
  nats.require('address');
  const address = nats.string('address', '');
  const parsed = parseNatsAddress(address);
  if ('error' in parsed) return nats.fail('address', parsed.error);
  const username = nats.string('username', '');
  const password = nats.string('password', '');
  if (password !== '' && username === '') nats.fail('password', 'is set but nats.username is not');
  return {
    address,
    ...parsed,
    username,
    password,
    credsFilePath: nats.string('creds-file-path', ''),
    token: nats.string('token', ''),
    tls: readNatsTls(nats, parsed.servers),
  };
}

/** The files themselves are read when NATS starts (src/nats/tls.ts): here, what belongs together. */
function readNatsTls(nats: ObjectReader, servers: readonly string[]): NatsConfig['tls'] {
  const tls = { caFile: nats.string('tls-ca-file', ''), certFile: nats.string('tls-cert-file', ''), keyFile: nats.string('tls-key-file', '') };
  if (tls.certFile !== '' && tls.keyFile === '') nats.fail('tls-cert-file', 'is set but nats.tls-key-file is not: a client certificate needs its key');
  if (tls.keyFile !== '' && tls.certFile === '') nats.fail('tls-key-file', 'is set but nats.tls-cert-file is not: a client key needs its certificate');
  const given = tls.caFile !== '' ? 'tls-ca-file' : tls.certFile !== '' ? 'tls-cert-file' : null;
  if (given && servers.length > 0 && servers.every((s) => s.startsWith('ws://'))) {
    nats.fail(given, 'applies to TLS connections, but nats.address names only ws:// servers (use wss://)');
  }
  return tls;
}
