// Counting what the write path did with each body, by source (HTTP or NATS)
// and, for what it refused, by reason. The counts come from the IngestResult
// the engine returns, so nothing is counted twice and nothing is missed on
// either path.

import { Counter, type Registry } from 'prom-client';
import type { IngestResult } from '../engine/types.ts';
import type { WritePath } from '../service/ingest.ts';

export type WriteSource = 'http' | 'nats';

type Counted = Pick<IngestResult, 'accepted' | 'skipped' | 'reasons'>;

/** Refused samples of one result by reason (malformed, unsafe-name, too-old, too-new, no-slot, store-full, too-many-hosts). */
export function rejectionsByReason(result: Counted): Array<[reason: string, count: number]> {
  return Object.entries(result.reasons).flatMap(([reason, n]) => (n ? [[reason, n] as [string, number]] : []));
}

/**
 * Counts of one metric by label values, kept as plain numbers: prom-client's
 * inc() validates and hashes the labels (sorting their names) on every call,
 * once per request and counter. The counter reads them when scraped (collect),
 * its children made in the order their label values first came up, as inc()
 * would have made them, so /metrics prints the same lines.
 */
class PlainCounts<L extends string> {
  private readonly entries: Array<{ labels: Record<L, string>; value: number }> = [];

  constructor(counter: Counter<L>) {
    const entries = this.entries;
    // Counter's collect runs with the counter as `this` before each read.
    (counter as unknown as { collect: () => void }).collect = function (this: Counter<L>) {
      this.reset();
      for (const e of entries) this.inc(e.labels, e.value);
    };
  }

  /** The running count of these label values (0 until counted), to add to. */
  entry(labels: Record<L, string>): { value: number } {
    const e = { labels, value: 0 };
    this.entries.push(e);
    return e;
  }
}

/** A counter's count per source, resolved once. */
type BySource = Record<WriteSource, { value: number }>;

export class IngestMetrics {
  private readonly accepted: BySource;
  private readonly skipped: BySource;
  private readonly failures: BySource;
  private readonly rejectedCounts: PlainCounts<'source' | 'reason'>;
  /** Per source, the count of each reason seen so far. */
  private readonly rejected: Record<WriteSource, Map<string, { value: number }>> = { http: new Map(), nats: new Map() };

  constructor(registry: Registry) {
    const registers = [registry];
    const accepted = new PlainCounts(
      new Counter({ name: 'cc_metric_store_samples_accepted_total', help: 'Samples stored (and in the WAL) by the write path', labelNames: ['source'], registers }),
    );
    const skipped = new PlainCounts(
      new Counter({ name: 'cc_metric_store_lines_skipped_total', help: 'Lines skipped on purpose: metric not in the configuration', labelNames: ['source'], registers }),
    );
    this.rejectedCounts = new PlainCounts(
      new Counter({
        name: 'cc_metric_store_samples_rejected_total',
        help: 'Samples (lines) refused by the write path, by reason',
        labelNames: ['source', 'reason'],
        registers,
      }),
    );
    const failures = new PlainCounts(
      new Counter({
        name: 'cc_metric_store_write_failures_total',
        help: 'Bodies (HTTP requests, NATS batches) whose write failed: WAL I/O error or shutting down',
        labelNames: ['source'],
        registers,
      }),
    );
    // Both sources from the start (at 0), http first.
    const bySource = (c: PlainCounts<'source'>): BySource => ({ http: c.entry({ source: 'http' }), nats: c.entry({ source: 'nats' }) });
    this.accepted = bySource(accepted);
    this.skipped = bySource(skipped);
    this.failures = bySource(failures);
  }

  count(source: WriteSource, result: Counted): void {
    if (result.accepted) this.accepted[source].value += result.accepted;
    if (result.skipped) this.skipped[source].value += result.skipped;
    const reasons = result.reasons;
    for (const reason in reasons) {
      const n = reasons[reason as keyof typeof reasons];
      if (!n) continue;
      const counts = this.rejected[source];
      let e = counts.get(reason);
      if (e === undefined) counts.set(reason, (e = this.rejectedCounts.entry({ source, reason })));
      e.value += n;
    }
  }

  failed(source: WriteSource): void {
    this.failures[source].value++;
  }

  /** `path`, counting every body that goes through it. */
  counting(path: WritePath, source: WriteSource): WritePath {
    return {
      // Without a promise when the path answers without one (a small write).
      ingest: (body, cluster) => {
        let result: IngestResult | Promise<IngestResult>;
        try {
          result = path.ingest(body, cluster);
        } catch (err) {
          this.failed(source);
          throw err;
        }
        if (result instanceof Promise) {
          return result.then(
            (r) => {
              this.count(source, r);
              return r;
            },
            (err: unknown) => {
              this.failed(source);
              throw err;
            },
          );
        }
        this.count(source, result);
        return result;
      },
      openBatch: () => {
        const batch = path.openBatch();
        return {
          ingest: (body, cluster) => {
            let result: IngestResult;
            try {
              result = batch.ingest(body, cluster);
            } catch (err) {
              this.failed(source);
              throw err;
            }
            this.count(source, result);
            return result;
          },
          commit: () =>
            batch.commit().catch((err: unknown) => {
              this.failed(source);
              throw err;
            }),
        };
      },
    };
  }
}
