// Freeing memory: the retention pass (every retention-in-memory / 2, data older
// than now - retention, hosts busy with jobs kept) and the memory cap
// (progressively 75 %, 50 %, 25 % of the retention window until under the cap),
// as in cc-backend pkg/metricstore/metricstore.go.
//
// Unlike the Go store, the memory check does not free the busy hosts as well
// a few minutes later: the node provider's answer holds until the next pass.
// Under memory pressure the cap still frees everything older than its threshold.

import type { MetricStore } from '../engine/types.ts';
import type { PersistLogger } from './log.ts';
import type { UsedNodes } from './node-provider.ts';

export interface RetentionResult {
  /** Chunks freed. */
  freed: number;
  /** Hosts left alone because the node provider reported them busy. */
  kept: number;
}

/** One retention pass; the hosts of `used` (the node provider's answer) keep their data. */
export function freeOldData(store: MetricStore, olderThan: number, used?: UsedNodes): RetentionResult {
  if (!used || Object.keys(used).length === 0) return { freed: store.free([], olderThan), kept: 0 };
  const busy = new Map<string, Set<string>>();
  for (const [cluster, hosts] of Object.entries(used)) busy.set(cluster, new Set(hosts));
  let freed = 0;
  let kept = 0;
  for (const [cluster, host] of store.hosts()) {
    if (busy.get(cluster)?.has(host)) {
      kept++;
      continue;
    }
    freed += store.free([cluster, host], olderThan);
  }
  return { freed, kept };
}

export interface MemoryCapResult {
  freed: number;
  /** Bytes of sample data before and after. */
  before: number;
  after: number;
}

const CAP_STEPS = [0.75, 0.5, 0.25];

/**
 * Frees data older than 75 %, then 50 %, then 25 % of the retention window
 * until the store's sample data is under `capBytes`. Linear memory of a WASM
 * instance never shrinks, so the cap is held against the bytes the store
 * holds (`stats().usedBytes`: levels, chunks and pages, as they are held,
 * request buffers left out), which freeing does lower and which new data
 * fills first. So linear memory stays about the cap, plus per shard its
 * request buffers (about 16 MiB, docs/engine.md) and a growth step (1/64).
 */
export function enforceMemoryCap(store: MetricStore, capBytes: number, now: number, retention: number, log: PersistLogger): MemoryCapResult {
  const before = store.stats().usedBytes;
  if (capBytes <= 0 || before <= capBytes) return { freed: 0, before, after: before };
  log.warn(`memory: ${(before / 1e9).toFixed(2)} GB in use exceeds the cap of ${(capBytes / 1e9).toFixed(2)} GB; freeing old data`);
  let freed = 0;
  let after = before;
  for (const fraction of CAP_STEPS) {
    freed += store.free([], now - retention * fraction);
    after = store.stats().usedBytes;
    if (after < capBytes) break;
  }
  if (after >= capBytes) log.error(`memory: still ${(after / 1e9).toFixed(2)} GB after freeing ${freed} chunks (cap ${(capBytes / 1e9).toFixed(2)} GB)`);
  else log.info(`memory: freed ${freed} chunks, ${(after / 1e9).toFixed(2)} GB in use now`);
  return { freed, before, after };
}
