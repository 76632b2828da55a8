// Start-up and shutdown of the whole service, runtime-neutral apart from the
// runtime layer it calls: store, extensions (persistence, NATS), HTTP API.

import { API_ROUTES, createApi } from '../api/app.ts';
import { BodyBuffers } from '../api/body-buffers.ts';
import { MONITORING_PATHS } from '../api/routes/monitoring.ts';
import { type Authenticator, createJwtAuthenticator } from '../auth/jwt.ts';
import type { ServiceConfig } from '../config/types.ts';
import type { MetricStore } from '../engine/types.ts';
import type { Logger } from '../log.ts';
import { memoryFigures } from '../monitor/memory-figures.ts';
import { createServiceMonitor } from '../monitor/service-monitor.ts';
import {
  type RunningHttpServer,
  collectWhenQuiet,
  dropPrivileges,
  lendBufferTransfer,
  processRssBytes,
  readUrlFile,
  startHttpServer,
  swaggerAssetReader,
} from '../runtime/index.ts';
import { connectionLimits } from './connection-cap.ts';
import { EXTENSIONS, type Extension, type ExtensionContext, type ExtensionFactory } from './extensions.ts';
import { type WritePath, storeWritePath } from './ingest.ts';
import { MIN_BODY_BYTES, QUIET_MS, noteWrites } from './quiet-writes.ts';
import { ingestLimitsOf } from '../ingest-report.ts';
import { Lifecycle, type Service } from './lifecycle.ts';
import { openStore, storeOptions } from './open-store.ts';

export interface StartOptions {
  config: ServiceConfig;
  log: Logger;
  /** -dev: Swagger UI at /swagger/. */
  dev?: boolean;
  /** The store to serve; by default the engine built from the config. */
  store?: MetricStore;
  extensions?: readonly ExtensionFactory[];
}

export interface RunningService {
  /** Where the API listens, e.g. http://127.0.0.1:8082 */
  readonly url: string;
  /** Graceful: stop accepting, finish requests in flight, stop the extensions newest first. */
  stop(): Promise<void>;
}

export async function startService(options: StartOptions): Promise<RunningService> {
  const { config, log } = options;
  const auth = await authenticator(config, log);
  const store = options.store ?? (await openStore(storeOptions(config)));

  let write: WritePath | null = null;
  // The written bodies' buffers are detached once stored (api/body-release.ts): freed at once where transfer exists.
  lendBufferTransfer();
  // Bulk bodies are gathered as they arrive into buffers kept from body to body (api/body-buffers.ts).
  const bodyBuffers = new BodyBuffers();
  // Once writes go quiet, the store and the body buffers let go of what they keep for the next bulk
  // body, and the runtime collects what the last bodies left (runtime/idle-collection.ts: a scavenge
  // on Node, not a full collection, which cost the first second of writes after it 15-40 % more CPU
  // while V8 compiled the write path again).
  const idle = collectWhenQuiet({
    quietMs: QUIET_MS,
    minBytes: MIN_BODY_BYTES,
    beforeCollect: () => {
      store.releaseIdleMemory?.();
      bodyBuffers.release();
    },
    // A bulk body is noted when it is whole: one that takes more than QUIET_MS to arrive (a slow
    // link) would otherwise see the WAL arena let go of, and grown again (31 MB zeroed), every body.
    busy: () => bodyBuffers.gathering(),
  });
  let http: RunningHttpServer | null = null;
  const extensions: Extension[] = [];
  const status = () => Object.assign({ store: memoryFigures(store.stats(), processRssBytes()), connections: http?.connections() }, ...extensions.map((e) => e.status?.() ?? {}));
  const monitor = createServiceMonitor({
    config,
    store,
    status,
    connections: () => http?.openConnections() ?? 0,
    routes: [...API_ROUTES.map((r) => r.path), ...MONITORING_PATHS],
  });
  const context: ExtensionContext = {
    config,
    store,
    log,
    writePath: monitor.countWrites(noteWrites({ ingest: (body, cluster) => write!.ingest(body, cluster), openBatch: () => write!.openBatch() }, idle), 'nats'),
  };
  for (const create of options.extensions ?? EXTENSIONS) extensions.push(await create(context));
  write = writePath(extensions, store);

  const { app, direct } = createApi({
    store,
    ingest: monitor.countWrites(noteWrites(write, idle), 'http').ingest,
    auth,
    log,
    dev: options.dev ? { readSwaggerAsset: swaggerAssetReader() } : false,
    maxBodySize: config.main.maxBodySize,
    bodyBuffers,
    gzipMinSize: config.main.gzipMinSize,
    limits: config.main.limits,
    ingestLimits: ingestLimitsOf(config),
    viewer: { readFile: readUrlFile },
    status,
    monitoring: monitor.routes(),
  });

  const httpService: Service = {
    name: 'HTTP server',
    async start() {
      const { addr, httpsCertFile, httpsKeyFile } = config.main;
      const tls = httpsCertFile && httpsKeyFile ? { certFile: httpsCertFile, keyFile: httpsKeyFile } : null;
      const limits = connectionLimits(config.main.limits, log);
      http = await startHttpServer({ fetch: app.fetch, direct, host: addr.host, port: addr.port, tls, limits });
      log.info(`${tls ? 'HTTPS' : 'HTTP'} server listening at ${hostPort(http.host, http.port)}...`);
      if (options.dev) log.info(`Swagger UI at ${http.protocol}://${hostPort(http.host, http.port)}/swagger/`);
      dropPrivileges(config.main.user, config.main.group);
    },
    stop: () => http?.close(),
  };

  const lifecycle = new Lifecycle(log);
  await lifecycle.start([...extensions.flatMap((e) => (e.service ? [e.service] : [])), httpService]);
  monitor.setPhase('ready');
  const { protocol, host, port } = http!;
  return {
    url: `${protocol}://${hostPort(host, port)}`,
    stop: () => {
      monitor.setPhase('stopping');
      idle.stop();
      return lifecycle.stop();
    },
  };
}

function writePath(extensions: readonly Extension[], store: MetricStore): WritePath {
  const provided = extensions.flatMap((e) => (e.writePath ? [e.writePath] : []));
  if (provided.length > 1) throw new Error('more than one extension provides the write path');
  return provided[0] ?? storeWritePath(store);
}

async function authenticator(config: ServiceConfig, log: Logger): Promise<Authenticator | null> {
  if (!config.main.jwtPublicKey) {
    log.warn('no main.jwt-public-key configured: the API accepts every request without authentication');
    return null;
  }
  return createJwtAuthenticator(config.main.jwtPublicKey);
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
