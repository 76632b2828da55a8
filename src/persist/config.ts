import { availableParallelism } from 'node:os';

// What the persistence layer reads from the `metric-store` section of
// config.json (the keys and defaults of the Go store, cc-backend
// pkg/metricstore/config.go), and its resolved form.

/** The `metric-store` section, as far as persistence reads it. Other keys are ignored here. */
export interface MetricStoreConfig {
  'num-workers'?: number;
  /** Go duration ("48h"): how long data stays in memory; also the cleanup interval. Required. */
  'retention-in-memory': string;
  /** Go duration, default "12h". */
  'checkpoint-interval'?: string;
  /** GB (1e9 bytes) of sample data; 0 or absent = no cap. */
  'memory-cap'?: number;
  checkpoints?: {
    /** "wal" (default): `<from>.bin` + `current.wal`; "json": `<from>.json`. */
    'file-format'?: 'json' | 'wal';
    /** Default "./var/checkpoints". */
    directory?: string;
    /** Bytes; a host whose WAL grows past this gets a snapshot of its own early. 0 = no limit. */
    'max-wal-size'?: number;
  };
  cleanup?: {
    /** "delete" (default) or "archive". */
    mode?: 'delete' | 'archive';
    /** Where archives go; required for "archive". */
    directory?: string;
  };
}

export interface PersistSettings {
  format: 'json' | 'wal';
  checkpointDir: string;
  /** Seconds. */
  retention: number;
  /** Seconds. */
  checkpointInterval: number;
  /** Bytes, 0 = no cap. */
  memoryCapBytes: number;
  maxWalBytes: number;
  cleanupMode: 'delete' | 'archive';
  archiveDir: string;
  /** How many hosts a checkpoint works on at once. */
  workers: number;
}

export class ConfigError extends Error {
  constructor(key: string, detail: string) {
    super(`metric-store.${key}: ${detail}`);
    this.name = 'ConfigError';
  }
}

export function resolveSettings(config: MetricStoreConfig): PersistSettings {
  const retention = parseDuration(config['retention-in-memory'], 'retention-in-memory');
  if (!(retention > 0)) throw new ConfigError('retention-in-memory', 'must be a positive duration');
  const interval = config['checkpoint-interval'] ? parseDuration(config['checkpoint-interval'], 'checkpoint-interval') : 12 * 3600;
  if (!(interval > 0)) throw new ConfigError('checkpoint-interval', 'must be a positive duration');
  const format = config.checkpoints?.['file-format'] ?? 'wal';
  if (format !== 'wal' && format !== 'json') throw new ConfigError('checkpoints.file-format', `must be "wal" or "json", not ${JSON.stringify(format)}`);
  const mode = config.cleanup?.mode ?? 'delete';
  if (mode !== 'delete' && mode !== 'archive') throw new ConfigError('cleanup.mode', `must be "delete" or "archive", not ${JSON.stringify(mode)}`);
  const archiveDir = config.cleanup?.directory ?? '';
  if (mode === 'archive' && !archiveDir) throw new ConfigError('cleanup.directory', 'is required when cleanup.mode is "archive"');
  const cap = config['memory-cap'] ?? 0;
  if (typeof cap !== 'number' || cap < 0) throw new ConfigError('memory-cap', 'must be a number of GB >= 0');
  const maxWal = config.checkpoints?.['max-wal-size'] ?? 0;
  if (typeof maxWal !== 'number' || maxWal < 0) throw new ConfigError('checkpoints.max-wal-size', 'must be a number of bytes >= 0');
  const workers = config['num-workers'] ?? 0;
  return {
    format,
    checkpointDir: config.checkpoints?.directory || './var/checkpoints',
    retention,
    checkpointInterval: interval,
    memoryCapBytes: cap * 1e9,
    maxWalBytes: maxWal,
    cleanupMode: mode,
    archiveDir,
    // Go's default: min(NumCPU/2 + 1, 10).
    workers: workers > 0 ? Math.floor(workers) : Math.min(Math.floor(availableParallelism() / 2) + 1, 10),
  };
}

const UNIT_SECONDS: Record<string, number> = { ns: 1e-9, us: 1e-6, 'µs': 1e-6, 'μs': 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/** A Go duration string ("12h", "1h30m", "1.5h", "90s", "0") in seconds. */
export function parseDuration(text: string | undefined, key: string): number {
  if (typeof text !== 'string' || text.length === 0) throw new ConfigError(key, 'missing duration');
  let s = text;
  let sign = 1;
  if (s[0] === '-' || s[0] === '+') {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  const part = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;
  let total = 0;
  if (s.length === 0) throw new ConfigError(key, `invalid duration ${JSON.stringify(text)}`);
  while (s.length > 0) {
    const m = part.exec(s);
    if (!m) throw new ConfigError(key, `invalid duration ${JSON.stringify(text)} (write e.g. "48h", "30m", "1h30m")`);
    total += Number(m[1]) * UNIT_SECONDS[m[2]];
    s = s.slice(m[0].length);
  }
  return sign * total;
}
