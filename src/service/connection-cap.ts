// How many HTTP connections the process can hold: `main.max-connections`,
// but below the open-file limit minus what the rest of the service needs, so
// that a full house of connections never makes a WAL write or a checkpoint
// fail with EMFILE.

import type { RequestLimits } from '../config/types.ts';
import type { Logger } from '../log.ts';
import { COLD_OPENS, DEFAULT_MAX_OPEN_WAL_FILES } from '../persist/index.ts';
import { type ConnectionLimits, type FileLimit, raiseFileLimit } from '../runtime/index.ts';

/**
 * Descriptors kept for everything but connections: WAL files (and those being
 * opened), checkpoint and restore files, the listener, stdio, NATS, the
 * runtime's own.
 */
export const FILES_FOR_THE_REST = DEFAULT_MAX_OPEN_WAL_FILES + COLD_OPENS + 256;
/** Fewer connections than this and the service would be of no use: the file limit is reported instead. */
const MIN_CONNECTIONS = 16;

export interface ConnectionCap {
  cap: number;
  /** The info line for the log. */
  message: string;
  /** Set when the file limit forces the cap below the configured one. */
  warning?: string;
}

export function connectionCap(configured: number, limit: FileLimit | null): ConnectionCap {
  if (!limit) {
    return { cap: configured, message: `HTTP connections: at most ${configured} at once (main.max-connections = ${configured}; open-file limit unknown)` };
  }
  const raised = limit.raised ? `, raised from ${limit.before}` : '';
  const limitText = `open-file limit ${limit.soft}${raised}${limit.problem ? ` (hard ${limit.hard}: ${limit.problem})` : ''}`;
  const room = limit.soft - FILES_FOR_THE_REST;
  if (room >= configured) {
    return { cap: configured, message: `HTTP connections: at most ${configured} at once (main.max-connections = ${configured}; ${limitText}, ${FILES_FOR_THE_REST} kept for WAL and other files)` };
  }
  const cap = Math.max(MIN_CONNECTIONS, room);
  return {
    cap,
    message: `HTTP connections: at most ${cap} at once (main.max-connections = ${configured} lowered to fit the ${limitText}, ${FILES_FOR_THE_REST} kept for WAL and other files)`,
    warning: `the open-file limit (${limit.soft}) allows only ${cap} of main.max-connections = ${configured} connections: raise it (ulimit -n, LimitNOFILE=) to serve more`,
  };
}

/** Raises the file limit, works out the cap, logs it: the limits the HTTP server enforces. */
export function connectionLimits(limits: RequestLimits, log: Logger): ConnectionLimits {
  const cap = connectionCap(limits.maxConnections, raiseFileLimit());
  log.info(cap.message);
  if (cap.warning) log.warn(cap.warning);
  return {
    maxConnections: cap.cap,
    headerTimeoutMs: limits.headerTimeoutSeconds * 1000,
    idleTimeoutMs: limits.idleTimeoutSeconds * 1000,
    requestTimeoutMs: limits.requestTimeoutSeconds * 1000,
  };
}
