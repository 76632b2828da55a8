// The counts of one ingest call, gathered from every shard: the parsing shard
// rejects what it decides by the line alone (names, window, hosts per body),
// the owning shard what it decides by its data and memory (no slot, full).

import type { IngestError, IngestResult, RejectReason, WalAppend } from './types.ts';
import type { Shard } from './shard.ts';

/** assembly/ingest.ts R_* by index (0 unused). */
const ENGINE_REASONS: ReadonlyArray<RejectReason | null> = [
  null, 'unsafe-name', 'too-old', 'too-new', 'no-slot', 'store-full', 'too-many-hosts',
];

/** Rejected lines listed in a result at most. */
export const REJECTED_LINES_LISTED = 10;

export function ingestResult(shards: readonly Shard[], error: IngestError | null, wal: WalAppend[]): IngestResult {
  const first = shards[0]!;
  let accepted = 0;
  let rejected = 0;
  const reasons: Partial<Record<RejectReason, number>> = {};
  let lines: Array<{ line: number; reason: RejectReason }> = [];
  for (const s of shards) {
    accepted += s.x.acceptedCount() >>> 0;
    const dv = s.dv();
    const counts = s.x.rejectCountsPtr() >>> 0;
    for (let r = 1; r < ENGINE_REASONS.length; r++) {
      const n = dv.getUint32(counts + r * 4, true);
      if (n === 0) continue;
      const reason = ENGINE_REASONS[r]!;
      reasons[reason] = (reasons[reason] ?? 0) + n;
      rejected += n;
    }
    const listed = s.x.rejectListLength() >>> 0;
    const at = s.x.rejectListPtr() >>> 0;
    for (let i = 0; i < listed; i++) {
      lines.push({ line: dv.getUint32(at + i * 8, true), reason: ENGINE_REASONS[dv.getUint32(at + i * 8 + 4, true)] ?? 'store-full' });
    }
  }
  if (error) {
    reasons.malformed = 1;
    rejected++;
    lines.push({ line: error.line, reason: 'malformed' });
  }
  // Each shard lists its first ones in line order; together they hold the first ones of the body.
  if (shards.length > 1) lines.sort((a, b) => a.line - b.line);
  if (lines.length > REJECTED_LINES_LISTED) lines = lines.slice(0, REJECTED_LINES_LISTED);
  return { accepted, skipped: first.x.skippedCount() >>> 0, rejected, reasons, rejectedLines: lines, error, wal };
}
