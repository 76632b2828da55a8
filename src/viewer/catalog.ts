// Everything decoded so far, indexed for the cluster / host / level / metric pickers.

import { mergeSeries, type AnySeries, type MergedSeries } from './merge.ts';
import type { Series } from './series.ts';

/** The level value that stands for every level of a host at once. */
export const ALL_LEVELS = '*';

const natural = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
const sorted = (names: Iterable<string>) => [...new Set(names)].sort(natural.compare);

/** A level as the picker names it: the names below the host joined with "/", "" for the host itself. */
export function levelName(s: AnySeries): string {
  return s.path.slice(2).join('/');
}

export class Catalog {
  private series: MergedSeries[] = [];

  /** Adds series; those continuing one already held (same level, metric, frequency) are joined to it, gaps and all. */
  add(list: Series[]): void {
    this.series = mergeSeries([...this.series, ...list]);
  }

  clear(): void {
    this.series = [];
  }

  get size(): number {
    return this.series.length;
  }

  clusters(): string[] {
    return sorted(this.series.map((s) => s.path[0]));
  }

  hosts(cluster: string): string[] {
    return sorted(this.series.filter((s) => s.path[0] === cluster).map((s) => s.path[1]));
  }

  levels(cluster: string, host: string): string[] {
    return sorted(this.ofHost(cluster, host).map(levelName));
  }

  metrics(cluster: string, host: string, level: string): string[] {
    return sorted(this.ofLevel(cluster, host, level).map((s) => s.metric));
  }

  /** The series to plot, in level order. */
  select(cluster: string, host: string, level: string, metric: string): MergedSeries[] {
    return this.ofLevel(cluster, host, level)
      .filter((s) => s.metric === metric)
      .sort((a, b) => natural.compare(levelName(a), levelName(b)) || a.frequency - b.frequency);
  }

  private ofHost(cluster: string, host: string): MergedSeries[] {
    return this.series.filter((s) => s.path[0] === cluster && s.path[1] === host);
  }

  private ofLevel(cluster: string, host: string, level: string): MergedSeries[] {
    const ofHost = this.ofHost(cluster, host);
    return level === ALL_LEVELS ? ofHost : ofHost.filter((s) => levelName(s) === level);
  }
}
