// Metrics whose values live elsewhere (engine, WAL, NATS subscriber, ...) and
// are read when Prometheus scrapes, instead of being counted a second time:
// each scrape replaces the values of the previous one.

import { Counter, Gauge, type Registry } from 'prom-client';

export type Labels = Record<string, string>;

export class ScrapedMetrics {
  constructor(private readonly registry: Registry) {}

  /** A counter set from a total kept elsewhere (it only ever grows there). */
  counter(name: string, help: string): (value: number) => void {
    const counter = new Counter({ name, help, registers: [this.registry] });
    return (value) => {
      counter.reset();
      counter.inc(value);
    };
  }

  /** A gauge set from a value read now. */
  gauge(name: string, help: string): (value: number) => void {
    const gauge = new Gauge({ name, help, registers: [this.registry] });
    return (value) => gauge.set(value);
  }

  /** A labelled gauge whose label values are all replaced on each scrape (shards, subscriptions). */
  gaugeSet(name: string, help: string, labelNames: readonly string[]): (samples: ReadonlyArray<[Labels, number]>) => void {
    const gauge = new Gauge({ name, help, labelNames: [...labelNames], registers: [this.registry] });
    return (samples) => {
      gauge.reset();
      for (const [labels, value] of samples) gauge.set(labels, value);
    };
  }

  /** Likewise for labelled totals. */
  counterSet(name: string, help: string, labelNames: readonly string[]): (samples: ReadonlyArray<[Labels, number]>) => void {
    const counter = new Counter({ name, help, labelNames: [...labelNames], registers: [this.registry] });
    return (samples) => {
      counter.reset();
      for (const [labels, value] of samples) counter.inc(labels, value);
    };
  }
}
