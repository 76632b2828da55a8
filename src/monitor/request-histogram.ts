// The request-duration histogram, counted without prom-client's per-observation
// work: its Histogram validates the labels, hashes them (sorting the names) and
// allocates on every observe, which took 2-3 % of a small query's CPU. Here an
// observation is a bucket search and two additions on a child resolved once;
// the registry reads the children as prom-client's own Histogram lays them out
// (getForPromString and get below), so /metrics prints the same lines.

import type { Metric, Registry } from 'prom-client';

export class RequestHistogram<L extends string> {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly children: Array<HistogramChild<L>> = [];

  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
    registry: Registry,
  ) {
    registry.registerMetric(this as unknown as Metric);
  }

  /** The child of these label values (a new one is listed after those before it, as prom-client lists them). */
  child(labels: Readonly<Record<L, string>>): HistogramChild<L> {
    const c = new HistogramChild(labels, this.buckets);
    this.children.push(c);
    return c;
  }

  /** What prom-client's Histogram.getForPromString gives: per child its cumulative buckets, +Inf, sum and count. */
  getForPromString() {
    const values: Array<{ labels: Record<string, string | number>; sharedLabels: Record<string, string>; value: number; metricName: string; exemplar?: null }> = [];
    const bucket = `${this.name}_bucket`;
    for (const c of this.children) {
      const shared = { ...c.labels } as Record<string, string>;
      let acc = 0;
      this.buckets.forEach((le, i) => {
        acc += c.counts[i]!;
        values.push({ labels: { le }, sharedLabels: shared, value: acc, metricName: bucket, exemplar: null });
      });
      values.push({ labels: { le: '+Inf' }, sharedLabels: shared, value: c.count, metricName: bucket, exemplar: null });
      values.push({ labels: {}, sharedLabels: shared, value: c.sum, metricName: `${this.name}_sum` });
      values.push({ labels: {}, sharedLabels: shared, value: c.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** As prom-client's Histogram.get: the shared labels merged into each value's. */
  get() {
    const data = this.getForPromString();
    const values = data.values.map(({ sharedLabels, labels, ...rest }) => ({ ...rest, labels: { ...labels, ...sharedLabels } }));
    return { ...data, values };
  }

  reset(): void {
    for (const c of this.children) c.reset();
  }
}

export class HistogramChild<L extends string> {
  /** Observations per bucket (not cumulative); one beyond the last bound counts in `count` only. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Readonly<Record<L, string>>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]!) {
        this.counts[i] = this.counts[i]! + 1;
        break;
      }
    }
    this.sum += value;
    this.count++;
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}
