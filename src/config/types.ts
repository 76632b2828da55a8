// The validated configuration, with every default filled in. Keys keep the
// meaning of config.json (see README "Configuration"); durations are seconds.

import type { MetricTable } from '../engine/types.ts';
import type { NatsTransport } from './nats-address.ts';

export interface ServiceConfig {
  /** Where it was read from; null for the embedded default. */
  source: string | null;
  main: MainConfig;
  metrics: MetricTable;
  metricStore: MetricStoreConfig;
  /** The `nats` section, or null when there is none (NATS is then off). */
  nats: NatsConfig | null;
}

export interface MainConfig {
  /** `main.addr`, split into host and port. An empty host listens on every interface. */
  addr: { host: string; port: number };
  /** `https-cert-file` / `https-key-file`: HTTPS when both are set. */
  httpsCertFile: string;
  httpsKeyFile: string;
  /** Drop root privileges to this user and group once the port is bound. */
  user: string;
  group: string;
  /** cc-backend URL asked for busy nodes before retention frees data (`GET /api/jobs/used_nodes`). */
  backendUrl: string;
  /** (ours) `backend-token`: the JWT sent to cc-backend as `Authorization: Bearer`; empty = none given here. */
  backendToken: string;
  /** (ours) `backend-token-file`: a file holding that JWT (so it need not sit in config.json); empty = none. */
  backendTokenFile: string;
  /** (ours) `metrics-without-auth`: GET /metrics needs no JWT even when `jwt-public-key` is set. */
  metricsWithoutAuth: boolean;
  /** Base64 raw Ed25519 public key; empty string = no authentication. */
  jwtPublicKey: string;
  /** (ours) Largest accepted request body in bytes. */
  maxBodySize: number;
  /** (ours) `gzip-min-size`: query answers of at least this many bytes are gzipped when the client accepts gzip; 0 = never. */
  gzipMinSize: number;
  /** (ours) Limits of one request; README "Limits". */
  limits: RequestLimits;
  debug: { dumpToFile: string; gops: boolean };
}

/** (ours) Bounds on the work and the connections one client can take; every one is named in its error. */
export interface RequestLimits {
  /** `max-hosts-per-write`: distinct hosts one write body (or NATS message) may hold. */
  maxHostsPerWrite: number;
  /** `max-query-selectors`: series selectors one query body may expand to (type-ids x subtype-ids, for-all-nodes included). */
  maxQuerySelectors: number;
  /** `max-query-points`: values one query answer may hold (data and padding, after resolution). */
  maxQueryPoints: number;
  /** `max-connections`: concurrent HTTP connections; idle ones are closed first to admit a new one. */
  maxConnections: number;
  /** `header-timeout`: seconds a client may take to send a request's headers. */
  headerTimeoutSeconds: number;
  /** `idle-timeout`: seconds a keep-alive connection may sit idle between requests. */
  idleTimeoutSeconds: number;
  /** `request-timeout`: seconds a client may take to send a whole request (headers and body). */
  requestTimeoutSeconds: number;
}

export interface MetricStoreConfig {
  /** Workers for checkpoint and archive work; 0 = automatic. */
  numWorkers: number;
  retentionInMemorySeconds: number;
  /** (ours) `max-future-skew`: samples stamped further ahead of now than this are rejected (the ingest window's far end). */
  maxFutureSkewSeconds: number;
  /** (ours) `compression`: full chunks are held losslessly encoded (docs/engine.md "Chunk encodings"); false keeps raw float32, as before. */
  compression: boolean;
  checkpointIntervalSeconds: number;
  /** Memory cap in GB; 0 = none. */
  memoryCapGB: number;
  checkpoints: {
    fileFormat: 'json' | 'wal';
    directory: string;
    /** Bytes after which a host's WAL is rotated; 0 = unlimited. */
    maxWalSize: number;
    /** (ours) fdatasync every WAL batch before the write is answered (survives power loss). */
    fsync: boolean;
  };
  cleanup: {
    mode: 'delete' | 'archive';
    /** Where archived Parquet files go; set when mode is `archive`. */
    directory: string;
  };
  debug: { dumpToFile: string; gops: boolean };
  natsSubscriptions: NatsSubscription[];
  /** (ours) WASM instances the hosts are spread over. */
  shards: number;
  /** (ours) Largest linear memory of one instance, in bytes. */
  shardMemoryLimit: number;
}

export interface NatsSubscription {
  /** A valid NATS subject (wildcards allowed). */
  subscribeTo: string;
  /** Default cluster for lines received here; empty when lines carry their own. */
  clusterTag: string;
  /** (ours) Consume `subscribeTo` from a JetStream stream through a durable consumer; absent: core NATS. */
  jetstream?: JetStreamSubscription;
}

/** (ours) `stream`, `durable` and the keys beside them in a `nats-subscriptions[]` entry. */
export interface JetStreamSubscription {
  stream: string;
  /** The durable (pull) consumer's name; it keeps the position across restarts and reconnects. */
  durable: string;
  /** `start`: where a consumer created by the store begins (an existing one keeps its position). */
  start: { policy: 'all' } | { policy: 'new' } | { policy: 'time'; time: string };
  /** `max-ack-pending`: messages delivered and not yet acknowledged, at most (the flow control). */
  maxAckPending: number;
  /** `ack-wait`: seconds after which an unacknowledged message is delivered again. */
  ackWaitSeconds: number;
  /** `create-stream`: how to create the stream when it is missing; null: a missing stream is an error. */
  createStream: CreateStream | null;
}

export interface CreateStream {
  subjects: string[];
  /** `max-age`: seconds a message is kept; 0 = no limit. */
  maxAgeSeconds: number;
  storage: 'file' | 'memory';
  replicas: number;
}

export interface NatsConfig {
  /** As written; an empty address leaves NATS off (the reference warns and goes on). */
  address: string;
  /** The servers of `address`, each with its scheme (a bare host:port is nats://); empty when it is empty. */
  servers: string[];
  /** nats:// and tls:// are TCP, ws:// and wss:// WebSocket; an address never mixes them. */
  transport: NatsTransport;
  /** tls:// or wss:// (the address insists on TLS). */
  requireTls: boolean;
  /** (ours) `tls-ca-file`, `tls-cert-file`, `tls-key-file`: a site's own CA, a client certificate; empty = none. */
  tls: NatsTlsFiles;
  username: string;
  password: string;
  credsFilePath: string;
  /** (ours) A NATS auth token, instead of user and password. */
  token: string;
}

/** (ours) PEM files for TLS to nats-server; each empty when not given. */
export interface NatsTlsFiles {
  /** The CA(s) that signed the server's certificate, trusted instead of the system's. */
  caFile: string;
  /** A client certificate (and its key), for a server that verifies its clients. */
  certFile: string;
  keyFile: string;
}
