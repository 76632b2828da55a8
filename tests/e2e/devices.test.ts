// (ours) Devices under a node through the real CLI, with the lines
// cc-metric-collector's netstat collector sends: `type=node` with
// `stype=network,stype-id=<device>`. The reference drops the stype, so the
// devices of a node overwrite each other; ours reads each one back by
// subtype and subtype-id, combines them at node level with the metric's
// aggregation, and keeps them across a restart on another runtime.

import { describe, expect, it } from 'vitest';
import { send } from './support/raw-http.ts';
import { cliCommand } from './support/runtimes.ts';
import { type ServerProcess, startServer } from './support/server-process.ts';

const CONFIG = {
  main: { addr: '127.0.0.1:0' },
  metrics: {
    net_bytes_in: { frequency: 60, aggregation: 'sum' },
    net_pkts_in: { frequency: 60, aggregation: 'avg' },
    net_state: { frequency: 60, aggregation: null },
  },
  'metric-store': {
    'retention-in-memory': '48h',
    'memory-cap': 0,
    checkpoints: { 'file-format': 'wal', directory: './var/checkpoints' },
  },
};

const base = Math.floor(Date.now() / 60_000) * 60 - 30 * 60;
const at = (i: number) => base + 60 * i;

/** Minute i of host h as the collector writes it: eth0 and lo of every metric, type=node on each line. */
function minute(i: number): string {
  const line = (metric: string, device: string, unit: string, value: number) =>
    `${metric},cluster=c,hostname=h,type=node,stype=network,stype-id=${device},unit=${unit} value=${value} ${at(i)}`;
  return [
    line('net_bytes_in', 'eth0', 'bytes/s', 123.5 + i),
    line('net_bytes_in', 'lo', 'bytes/s', 7),
    line('net_pkts_in', 'eth0', 'packets/s', 10 + i),
    line('net_pkts_in', 'lo', 'packets/s', 2),
    line('net_state', 'eth0', 'state', 1),
    line('net_state', 'lo', 'state', 1),
  ].join('\n');
}

async function write(server: ServerProcess, body: string): Promise<void> {
  const res = await send(server.port, { method: 'POST', path: '/api/write?cluster=c', body });
  expect([res.status, res.body]).toEqual([200, '']);
}

async function row(server: ServerProcess, q: Record<string, unknown>): Promise<any[]> {
  const body = JSON.stringify({ cluster: 'c', from: at(0), to: at(10), 'with-padding': false, queries: [{ host: 'h', ...q }] });
  const res = await send(server.port, { method: 'GET', path: '/api/query?version=v2', body });
  expect(res.status).toBe(200);
  return JSON.parse(res.body).results[0];
}

const ten = (f: (i: number) => number) => Array.from({ length: 10 }, (_, i) => f(i));

async function check(server: ServerProcess): Promise<void> {
  expect(await row(server, { metric: 'net_bytes_in', subtype: 'network', 'subtype-ids': ['eth0'] }))
    .toMatchObject([{ data: ten((i) => 123.5 + i), from: at(0), to: at(10), resolution: 60 }]);
  expect(await row(server, { metric: 'net_bytes_in', subtype: 'network', 'subtype-ids': ['lo'] }))
    .toMatchObject([{ data: ten(() => 7) }]);
  expect((await row(server, { metric: 'net_bytes_in', subtype: 'network', 'subtype-ids': ['eth0', 'lo'] })).map((e) => e.data))
    .toEqual([ten((i) => 123.5 + i), ten(() => 7)]);
  // Node level: the devices combined with the metric's aggregation.
  expect(await row(server, { metric: 'net_bytes_in' })).toMatchObject([{ data: ten((i) => 130.5 + i) }]);
  expect(await row(server, { metric: 'net_pkts_in' })).toMatchObject([{ data: ten((i) => 6 + i / 2) }]);
  expect(await row(server, { metric: 'net_bytes_in', subtype: 'network', 'subtype-ids': ['eth0', 'lo'], aggreg: true }))
    .toMatchObject([{ data: ten((i) => 130.5 + i) }]);
  expect(await row(server, { metric: 'net_state' })).toEqual([
    { error: '[METRICSTORE]> invalid aggregation', from: 0, to: 0, resolution: 0, avg: 0, min: 0, max: 0 }]);
  expect(await row(server, { metric: 'net_state', subtype: 'network', 'subtype-ids': ['lo'] })).toMatchObject([{ data: ten(() => 1) }]);
}

describe('devices under a node through the real CLI', () => {
  it('reads the collector\'s netstat lines back per device and aggregated, before and after a restart', async () => {
    let server = await startServer(cliCommand('node'), CONFIG);
    try {
      // The exact lines of the issue first, then minutes 1..9 in one body.
      await write(server, [
        `net_bytes_in,cluster=c,hostname=h,type=node,stype=network,stype-id=eth0,unit=bytes/s value=123.5 ${at(0)}`,
        `net_bytes_in,cluster=c,hostname=h,type=node,stype=network,stype-id=lo,unit=bytes/s value=7 ${at(0)}`,
      ].join('\n'));
      expect(await row(server, { metric: 'net_bytes_in', subtype: 'network', 'subtype-ids': ['eth0'] })).toMatchObject([{ data: [123.5] }]);
      expect(await row(server, { metric: 'net_bytes_in', subtype: 'network', 'subtype-ids': ['lo'] })).toMatchObject([{ data: [7] }]);
      expect(await row(server, { metric: 'net_bytes_in' })).toMatchObject([{ data: [130.5] }]);
      await write(server, minute(0) + '\n' + ten((i) => i + 1).slice(0, 9).map(minute).join('\n'));
      await check(server);

      // Killed: the WAL alone (2 + 60 samples, minute 0 twice) brings the devices back, here on Bun.
      expect(await server.stop('SIGKILL')).toBe(null);
      server = await startServer(cliCommand('bun'), CONFIG, [], server.dir);
      expect(server.stderr()).toMatch(/restore done: 1 hosts, \d+ files, 62 WAL samples/);
      await check(server);

      // Stopped: the final checkpoint holds them, read back on Deno.
      expect(await server.stop('SIGTERM')).toBe(0);
      server = await startServer(cliCommand('deno'), CONFIG, [], server.dir);
      expect(server.stderr()).toMatch(/restore done: 1 hosts, [1-9]\d* files, 0 WAL samples/);
      await check(server);
    } finally {
      await server.stop('SIGTERM');
    }
  });
});
