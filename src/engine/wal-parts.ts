// The WAL records of one ingest call, per host. The parsing shard may hand its
// records over in parts during the call (between hosts, once they pass a few
// hundred KiB) and every shard hands over the rest at its end; a host whose
// records span parts gets them joined.
//
// Records handed over at the end of the call stay where they are: the result
// holds views of engine memory, valid until the next call into the store (the
// WAL appender writes them at once and copies only what must wait). Parts
// handed over during the call are copied, since the shard reuses that buffer.
import type { WalAppend } from './types.ts';
import { concatBytes } from './codec.ts';
import { EngineMemoryError, type Shard } from './shard.ts';

/** u32 words per host in the shard's table: level, offset, length, count, generation (assembly/wal.ts). */
const TABLE_WORDS = 5;
const NO_RECORDS = new Uint8Array(0);

interface SplitHost {
  append: WalAppend;
  parts: Uint8Array[];
}

export class WalParts {
  /** In order of first appearance. */
  private readonly out: WalAppend[] = [];
  /** Hosts of the parsing shard handed over during the call, by level (levels stay put during a call). */
  private split: Map<number, SplitHost> | null = null;

  /** The parsing shard's records so far, copied; the caller then lets the shard drop them (walNext). */
  takePart(shard: Shard): void {
    const n = groups(shard);
    if (n === 0) return;
    const split = (this.split ??= new Map());
    const table = shard.x.walTablePtr() >>> 2;
    const words = shard.u32();
    const bytes = shard.u8();
    for (let i = 0, t = table; i < n; i++, t += TABLE_WORDS) {
      const level = words[t];
      let host = split.get(level);
      if (host === undefined) {
        const names = shard.hostNames(level, words[t + 4]);
        host = { append: { cluster: names.cluster, host: names.host, records: NO_RECORDS, count: 0 }, parts: [] };
        split.set(level, host);
        this.out.push(host.append);
      }
      host.parts.push(bytes.slice(words[t + 1], words[t + 1] + words[t + 2]));
      host.append.count += words[t + 3];
    }
  }

  /** The records a shard holds at the end of the call, as views. */
  takeFinal(shard: Shard, parsing: boolean): void {
    const n = groups(shard);
    if (n === 0) return;
    const table = shard.x.walTablePtr() >>> 2;
    const words = shard.u32();
    const bytes = shard.u8();
    const split = parsing ? this.split : null;
    for (let i = 0, t = table; i < n; i++, t += TABLE_WORDS) {
      const level = words[t];
      const records = bytes.subarray(words[t + 1], words[t + 1] + words[t + 2]);
      const earlier = split?.get(level);
      if (earlier !== undefined) {
        earlier.parts.push(records);
        earlier.append.count += words[t + 3];
        continue;
      }
      const names = shard.hostNames(level, words[t + 4]);
      this.out.push({ cluster: names.cluster, host: names.host, records, count: words[t + 3] });
    }
  }

  result(): WalAppend[] {
    if (this.split) for (const h of this.split.values()) h.append.records = concatBytes(h.parts);
    return this.out;
  }
}

/** Groups the shard's records per host (walGroups); the number of hosts. */
function groups(shard: Shard): number {
  const n = shard.x.walGroups() >>> 0;
  if (n === 0xffffffff) throw new EngineMemoryError('WAL records');
  return n;
}
