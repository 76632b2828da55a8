// The write-path counters, counted in plain numbers and handed to prom-client
// when scraped: /metrics must print what prom-client's own labelled inc()
// per body printed (same lines, same order, values, zero children).

import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { IngestResult } from '../../src/engine/types.ts';
import { IngestMetrics, type WriteSource, rejectionsByReason } from '../../src/monitor/ingest-metrics.ts';

type Counted = Pick<IngestResult, 'accepted' | 'skipped' | 'reasons'>;

/** The counters as they were counted before: prom-client's inc() with labels per body. */
function reference(registry: Registry) {
  const registers = [registry];
  const accepted = new Counter({ name: 'cc_metric_store_samples_accepted_total', help: 'Samples stored (and in the WAL) by the write path', labelNames: ['source'], registers });
  const skipped = new Counter({ name: 'cc_metric_store_lines_skipped_total', help: 'Lines skipped on purpose: metric not in the configuration', labelNames: ['source'], registers });
  const rejected = new Counter({ name: 'cc_metric_store_samples_rejected_total', help: 'Samples (lines) refused by the write path, by reason', labelNames: ['source', 'reason'], registers });
  const failures = new Counter({
    name: 'cc_metric_store_write_failures_total',
    help: 'Bodies (HTTP requests, NATS batches) whose write failed: WAL I/O error or shutting down',
    labelNames: ['source'],
    registers,
  });
  for (const source of ['http', 'nats'] as const) {
    accepted.inc({ source }, 0);
    skipped.inc({ source }, 0);
    failures.inc({ source }, 0);
  }
  return {
    count(source: WriteSource, r: Counted) {
      if (r.accepted) accepted.inc({ source }, r.accepted);
      if (r.skipped) skipped.inc({ source }, r.skipped);
      for (const [reason, n] of rejectionsByReason(r)) rejected.inc({ source, reason }, n);
    },
    failed: (source: WriteSource) => failures.inc({ source }),
  };
}

describe('IngestMetrics', () => {
  it('prints what prom-client counted per body, before and after counts', async () => {
    const oldRegistry = new Registry();
    const newRegistry = new Registry();
    const old = reference(oldRegistry);
    const now = new IngestMetrics(newRegistry);
    expect(await newRegistry.metrics()).toBe(await oldRegistry.metrics());
    const steps: Array<[WriteSource, Counted | 'failed']> = [
      ['http', { accepted: 720, skipped: 0, reasons: {} }],
      ['nats', { accepted: 3, skipped: 2, reasons: { 'too-old': 4 } }],
      ['http', { accepted: 1, skipped: 1, reasons: { malformed: 1, 'too-old': 0, 'store-full': 2 } }],
      ['http', 'failed'],
      ['nats', { accepted: 0, skipped: 0, reasons: { 'unsafe-name': 1, 'too-old': 1 } }],
      ['http', { accepted: 5, skipped: 0, reasons: { 'too-old': 7 } }],
      ['nats', 'failed'],
    ];
    for (const [source, r] of steps) {
      if (r === 'failed') {
        old.failed(source);
        now.failed(source);
      } else {
        old.count(source, r);
        now.count(source, r);
      }
      expect(await newRegistry.metrics()).toBe(await oldRegistry.metrics());
    }
    const text = await newRegistry.metrics();
    expect(text).toContain('cc_metric_store_samples_accepted_total{source="http"} 726');
    expect(text).toContain('cc_metric_store_samples_rejected_total{source="http",reason="too-old"} 7');
    expect(text).toContain('cc_metric_store_write_failures_total{source="nats"} 1');
    // Scraped twice: the same counts, not doubled.
    expect(await newRegistry.metrics()).toBe(text);
    expect((await newRegistry.getMetricsAsJSON()).map((m) => m.values)).toEqual((await oldRegistry.getMetricsAsJSON()).map((m) => m.values));
  });
});
