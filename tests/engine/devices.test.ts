// (ours) Devices under a node (behaviour.md section 5): cc-metric-collector
// sends a node's network devices as `type=node,stype=network,stype-id=eth0`.
// Each device is the level `<stype><stype-id>` below the host, read back by
// `subtype`/`subtype-ids` without a type, and a node-level query combines the
// devices with the metric's aggregation.
import { describe, expect, it } from 'vitest';
import { encodeWalRecords } from '../../src/persist/format/wal.ts';
import { levelOf, lp, makeStore, queryJson, samplesOf } from './helpers.ts';

const T = 1725620400;

/** The collector's lines for one device: the node, its stype and id, and a unit tag it adds. */
function netLines(metric: string, host: string, device: string, values: number[], type = 'type=node,'): string {
  return values.map((v, i) => `${metric},cluster=fritz,hostname=${host},${type}stype=network,stype-id=${device},unit=bytes/s value=${v} ${T + 60 * i}\n`).join('');
}

function body(hosts: string[]): string {
  let text = '';
  hosts.forEach((h, k) => {
    text += netLines('mem_bw', h, 'eth0', [100 + k, 200 + k, 300 + k]);
    text += netLines('mem_bw', h, 'lo', [7, 8, 9], '');
    text += netLines('cpu_user', h, 'eth0', [1, 2, 3]);
    text += netLines('cpu_user', h, 'lo', [3, 4, 5]);
    text += netLines('mem_used', h, 'eth0', [10, 10, 10]);
    text += netLines('mem_used', h, 'lo', [20, 20, 20]);
  });
  return text;
}

const rowOf = (store: ReturnType<typeof makeStore>, q: Record<string, unknown>) =>
  queryJson(store, { cluster: 'fritz', from: T, to: T + 180, 'with-padding': false, queries: [{ host: 'h0', ...q } as never] }).results[0];

describe('devices under a node', () => {
  for (const shards of [1, 3]) {
    describe(`${shards} shard(s)`, () => {
      const hosts = Array.from({ length: 8 }, (_, i) => `h${i}`);
      const store = makeStore({ shards });
      const result = store.ingest(lp(body(hosts)), 'fritz', T);

      it('stores each device in its own series below the host', () => {
        expect(result).toMatchObject({ accepted: hosts.length * 18, rejected: 0, error: null });
        hosts.forEach((h, k) => {
          expect([...levelOf(store, 'fritz', h)!.children.keys()].sort()).toEqual(['networketh0', 'networklo']);
          expect(levelOf(store, 'fritz', h)!.metrics.size).toBe(0);
          expect(samplesOf(store, 'fritz', h, ['networketh0'], 'mem_bw').map(([, v]) => v)).toEqual([100 + k, 200 + k, 300 + k]);
          expect(samplesOf(store, 'fritz', h, ['networklo'], 'mem_bw').map(([, v]) => v)).toEqual([7, 8, 9]);
        });
      });

      it('reads each device back by subtype and subtype-id', () => {
        const eth0 = rowOf(store, { metric: 'mem_bw', subtype: 'network', 'subtype-ids': ['eth0'] });
        expect(eth0).toMatchObject([{ data: [100, 200, 300], from: T, to: T + 180 }]);
        const lo = rowOf(store, { metric: 'mem_bw', subtype: 'network', 'subtype-ids': ['lo'] });
        expect(lo).toMatchObject([{ data: [7, 8, 9] }]);
        const both = rowOf(store, { metric: 'mem_bw', subtype: 'network', 'subtype-ids': ['lo', 'eth0'] });
        expect(both.map((e: any) => e.data)).toEqual([[7, 8, 9], [100, 200, 300]]);
      });

      it('aggregates the devices at node level: sum adds, avg divides, null is an error entry', () => {
        expect(rowOf(store, { metric: 'mem_bw' })).toMatchObject([{ data: [107, 208, 309], avg: 208, min: 107, max: 309 }]);
        expect(rowOf(store, { metric: 'cpu_user' })).toMatchObject([{ data: [2, 3, 4] }]);
        expect(rowOf(store, { metric: 'mem_used' })).toEqual([
          { error: '[METRICSTORE]> invalid aggregation', from: 0, to: 0, resolution: 0, avg: 0, min: 0, max: 0 }]);
        // a group of devices with aggreg combines the same way
        expect(rowOf(store, { metric: 'mem_bw', subtype: 'network', 'subtype-ids': ['eth0', 'lo'], aggreg: true }))
          .toMatchObject([{ data: [107, 208, 309] }]);
      });

      it('answers for-all-nodes at node level per host', () => {
        const r = queryJson(store, { cluster: 'fritz', from: T, to: T + 180, 'with-padding': false, queries: [], 'for-all-nodes': ['mem_bw'] });
        r.queries.forEach((q: any, i: number) => {
          const k = Number(q.host.slice(1));
          expect(r.results[i][0].data).toEqual([107 + k, 208 + k, 309 + k]);
        });
        expect(r.queries).toHaveLength(hosts.length);
      });
    });
  }

  it('logs a device sample in the WAL with its level below the host, as a type level', () => {
    const store = makeStore({ wal: true, shards: 2 });
    const r = store.ingest(lp(netLines('mem_bw', 'h', 'eth0', [1]) + netLines('mem_bw', 'h', 'lo', [2], '') +
      `mem_bw,cluster=fritz,hostname=h,type=socket,type-id=0,stype=memctrl,stype-id=1 value=3 ${T}\n`), 'fritz', T);
    expect(r.wal).toHaveLength(1);
    expect(Buffer.from(r.wal[0].records)).toEqual(Buffer.from(encodeWalRecords([
      { ts: T, metric: 'mem_bw', path: ['networketh0'], value: 1 },
      { ts: T, metric: 'mem_bw', path: ['networklo'], value: 2 },
      { ts: T, metric: 'mem_bw', path: ['socket0', 'memctrl1'], value: 3 },
    ])));
  });
});
