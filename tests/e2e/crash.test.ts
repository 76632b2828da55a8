// kill -9 the real CLI the moment the 200s of concurrent writes are back,
// start it again on the same directory, and find every acknowledged sample
// over HTTP: persistence configured as a site would (WAL format, auth on), on
// Node, Bun and Deno.

import { describe, expect, it } from 'vitest';
import { REFERENCE_PUBLIC_KEY, REFERENCE_TOKEN } from '../support/reference.ts';
import { send } from './support/raw-http.ts';
import { RUNTIMES, cliCommand } from './support/runtimes.ts';
import { startServer, testConfig } from './support/server-process.ts';

const auth = { Authorization: `Bearer ${REFERENCE_TOKEN}` };
const HOSTS = 8;
const REQUESTS = 60;

describe.each(RUNTIMES)('crash of the CLI on %s', (runtime) => {
  it('loses no acknowledged sample to kill -9', async () => {
    const config = testConfig(
      { 'jwt-public-key': REFERENCE_PUBLIC_KEY },
      { checkpoints: { 'file-format': 'wal', directory: './var/checkpoints' }, 'checkpoint-interval': '12h', cleanup: { mode: 'delete' } },
    );
    let server = await startServer(cliCommand(runtime), config);
    const dir = server.dir;
    const t0 = Math.floor(Date.now() / 60_000) * 60 - REQUESTS * 60;
    // host -> slot -> value
    const acknowledged = new Map<string, Map<number, number>>();
    const write = async (r: number) => {
      const lines = Array.from({ length: HOSTS }, (_, h) => `cpu_load,hostname=n${h} value=${r + h / 10} ${t0 + 60 * r}`);
      const res = await send(server.port, { method: 'POST', path: '/api/write?cluster=fritz', body: lines.join('\n'), headers: auth });
      if (res.status !== 200) return;
      for (let h = 0; h < HOSTS; h++) {
        if (!acknowledged.has(`n${h}`)) acknowledged.set(`n${h}`, new Map());
        acknowledged.get(`n${h}`)!.set(r, Math.fround(r + h / 10));
      }
    };
    try {
      // The oldest samples first: the later requests then fill their series in order.
      await write(0);
      await Promise.all(Array.from({ length: REQUESTS - 1 }, (_, r) => write(r + 1)));
    } finally {
      // The moment the last 200 is back: no shutdown, no checkpoint.
      await server.stop('SIGKILL');
    }
    expect([...acknowledged.values()].reduce((n, m) => n + m.size, 0)).toBe(HOSTS * REQUESTS);

    server = await startServer(cliCommand(runtime), config, [], dir);
    try {
      for (const [host, samples] of acknowledged) {
        const body = JSON.stringify({ cluster: 'fritz', from: t0, to: t0 + 60 * REQUESTS, 'with-padding': false, queries: [{ metric: 'cpu_load', host }] });
        const res = await send(server.port, { method: 'GET', path: '/api/query?version=v2', body, headers: auth });
        const [result] = JSON.parse(res.body).results[0];
        expect(result.from, host).toBe(t0);
        // Values print as the shortest decimal of their 32-bit float.
        for (const [r, value] of samples) expect(Math.fround(result.data[r]), `${host} @ ${t0 + 60 * r}`).toBe(value);
      }
    } finally {
      expect(await server.stop('SIGTERM')).toBe(0);
    }
  });
});
