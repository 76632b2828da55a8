// The WAL records of one ingest call, per host. A shard may hand its records
// over in parts during the call (between hosts, once they pass a few hundred
// KiB) and again at its end; a host whose records span parts gets them joined.
import type { WalAppend } from './types.ts';
import { EngineMemoryError, type Shard } from './shard.ts';

interface HostRecords {
  cluster: string;
  host: string;
  parts: Uint8Array[];
  count: number;
}

export class WalParts {
  /** By shard and host level, in order of first appearance. */
  private readonly hosts = new Map<number, HostRecords>();

  /** Copies out the records `shard` holds now (walGroups); the caller then lets the shard drop them. */
  take(shard: Shard, shardIndex: number): void {
    const n = shard.x.walGroups() >>> 0;
    if (n === 0xffffffff) throw new EngineMemoryError('WAL records');
    if (n === 0) return;
    const table = shard.x.walTablePtr() >>> 0;
    const dv = shard.dv();
    const bytes = shard.u8();
    for (let i = 0; i < n; i++) {
      const level = dv.getUint32(table + i * 16, true);
      const offset = dv.getUint32(table + i * 16 + 4, true);
      const length = dv.getUint32(table + i * 16 + 8, true);
      const count = dv.getUint32(table + i * 16 + 12, true);
      // Levels stay where they are during a call: (shard, level) names a host.
      const key = shardIndex * 0x1_0000_0000 + level;
      let h = this.hosts.get(key);
      if (!h) {
        h = { cluster: shard.levelName(shard.x.levelParent(level) >>> 0), host: shard.levelName(level), parts: [], count: 0 };
        this.hosts.set(key, h);
      }
      h.parts.push(bytes.slice(offset, offset + length));
      h.count += count;
    }
  }

  result(): WalAppend[] {
    const out: WalAppend[] = [];
    for (const h of this.hosts.values()) out.push({ cluster: h.cluster, host: h.host, records: join(h.parts), count: h.count });
    return out;
  }
}

function join(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
