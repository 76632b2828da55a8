// What a write did, in words: the first rejected line and why (naming the
// limit's config key and value), how many lines were rejected of how many
// read, and where the parse stopped. /api/write answers with it, NATS logs it.

import type { ServiceConfig } from './config/types.ts';
import type { IngestResult, RejectReason } from './engine/types.ts';

/** The limits behind the reasons, as configured (absent: the reason is named without its value). */
export interface IngestLimits {
  retentionInMemorySeconds?: number;
  maxFutureSkewSeconds?: number;
  maxHostsPerWrite?: number;
  shardMemoryLimit?: number;
}

export function ingestLimitsOf(config: ServiceConfig): IngestLimits {
  return {
    retentionInMemorySeconds: config.metricStore.retentionInMemorySeconds,
    maxFutureSkewSeconds: config.metricStore.maxFutureSkewSeconds,
    maxHostsPerWrite: config.main.limits.maxHostsPerWrite,
    shardMemoryLimit: config.metricStore.shardMemoryLimit,
  };
}

/** A rejection reason in words, with the limit behind it. */
export function reasonText(reason: RejectReason, limits: IngestLimits = {}): string {
  switch (reason) {
    case 'malformed':
      return 'malformed line';
    case 'unsafe-name':
      return 'cluster or host name that cannot be stored (empty, ".", containing "..", "/" or "\\", or over 255 bytes)';
    case 'too-old':
      return `sample older than the ingest window (now - metric-store.retention-in-memory${valueOf(limits.retentionInMemorySeconds, durationText)})`;
    case 'too-new':
      return `sample newer than the ingest window (now + metric-store.max-future-skew${valueOf(limits.maxFutureSkewSeconds, durationText)})`;
    case 'no-slot':
      return 'late sample in a gap between two chunks narrower than one step';
    case 'store-full':
      return `no memory left for it in its shard (metric-store.shard-memory-limit${valueOf(limits.shardMemoryLimit, bytesText)})`;
    case 'too-many-hosts':
      return `host beyond the distinct hosts one write may hold (limit main.max-hosts-per-write = ${limits.maxHostsPerWrite ?? 'its value'})`;
  }
}

/**
 * One sentence for a result with rejections (or a parse error), e.g.
 * `line 3: sample older than ...; 2 of 10 lines rejected; line 7 is malformed: ..., lines after it were not read`.
 */
export function rejectionMessage(result: IngestResult, limits: IngestLimits = {}): string {
  const read = result.accepted + result.skipped + result.rejected;
  const count = `${result.rejected} of ${read} line${read === 1 ? '' : 's'} rejected`;
  const error = result.error;
  const stopped = error ? `line ${error.line}: ${error.message}; lines after it were not read` : '';
  const first = result.rejectedLines[0];
  if (!first || (error && first.line === error.line && first.reason === 'malformed')) {
    return error ? `${stopped}; ${count}` : count;
  }
  const head = first.line > 0 ? `line ${first.line}: ` : '';
  return `${head}${reasonText(first.reason, limits)}; ${count}${error ? `; ${stopped}` : ''}`;
}

/** The counts of a result as the JSON answer of /api/write carries them. */
export function rejectionCounts(result: IngestResult) {
  return {
    stored: result.accepted,
    skipped: result.skipped,
    rejected: result.rejected,
    reasons: result.reasons,
    rejectedLines: result.rejectedLines,
  };
}

function valueOf(value: number | undefined, text: (n: number) => string): string {
  return value === undefined ? '' : ` ${text(value)}`;
}

/** Seconds as the config spells them: 48h, 10m, 90s. */
export function durationText(seconds: number): string {
  if (seconds > 0 && seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds > 0 && seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/** Bytes as the config spells them: 8MiB, 3GiB, or the number. */
export function bytesText(bytes: number): string {
  for (const [unit, size] of [['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return `${bytes} bytes`;
}
