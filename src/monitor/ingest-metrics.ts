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

export class IngestMetrics {
  private readonly accepted: Counter<'source'>;
  private readonly skipped: Counter<'source'>;
  private readonly rejected: Counter<'source' | 'reason'>;
  private readonly failures: Counter<'source'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.accepted = new Counter({ name: 'cc_metric_store_samples_accepted_total', help: 'Samples stored (and in the WAL) by the write path', labelNames: ['source'], registers });
    this.skipped = new Counter({ name: 'cc_metric_store_lines_skipped_total', help: 'Lines skipped on purpose: metric not in the configuration', labelNames: ['source'], registers });
    this.rejected = new Counter({
      name: 'cc_metric_store_samples_rejected_total',
      help: 'Samples (lines) refused by the write path, by reason',
      labelNames: ['source', 'reason'],
      registers,
    });
    this.failures = new Counter({
      name: 'cc_metric_store_write_failures_total',
      help: 'Bodies (HTTP requests, NATS batches) whose write failed: WAL I/O error or shutting down',
      labelNames: ['source'],
      registers,
    });
    for (const source of ['http', 'nats'] as const) {
      this.accepted.inc({ source }, 0);
      this.skipped.inc({ source }, 0);
      this.failures.inc({ source }, 0);
    }
  }

  count(source: WriteSource, result: Counted): void {
    if (result.accepted) this.accepted.inc({ source }, result.accepted);
    if (result.skipped) this.skipped.inc({ source }, result.skipped);
    for (const [reason, n] of rejectionsByReason(result)) this.rejected.inc({ source, reason }, n);
  }

  failed(source: WriteSource): void {
    this.failures.inc({ source });
  }

  /** `path`, counting every body that goes through it. */
  counting(path: WritePath, source: WriteSource): WritePath {
    return {
      ingest: async (body, cluster) => {
        let result: IngestResult;
        try {
          result = await path.ingest(body, cluster);
        } catch (err) {
          this.failed(source);
          throw err;
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
