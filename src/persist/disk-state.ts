// What the persistence layer remembers about the files of each host between
// checkpoints: series starts (for the Go loader's order) and the newest file
// number (so a new file never overwrites an old one).

import { SeriesStarts } from './series-starts.ts';

export class DiskState {
  readonly starts = new SeriesStarts();
  private readonly lastNumbers = new Map<string, number>();

  lastNumber(cluster: string, host: string): number | undefined {
    return this.lastNumbers.get(`${cluster}\u0000${host}`);
  }

  noteNumber(cluster: string, host: string, n: number): void {
    const k = `${cluster}\u0000${host}`;
    const prev = this.lastNumbers.get(k);
    if (prev === undefined || n > prev) this.lastNumbers.set(k, n);
  }

  /** The number for a new file of this host: the period start, or past the newest file's number. */
  nextNumber(cluster: string, host: string, from: number): number {
    const last = this.lastNumber(cluster, host);
    return last === undefined || from > last ? from : last + 1;
  }
}
