// NATS ingestion over ws:// and nats:// on Node, Bun and Deno, each running
// tests/nats/runtime-check.ts as its own process against one nats-server.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNatsServer, type NatsServer } from './helpers/nats-server.ts';

const root = join(import.meta.dirname, '..', '..');
let server: NatsServer;
let outDir: string;

beforeAll(async () => {
  server = await startNatsServer();
  // Node 20 cannot run .ts: a bundled copy inside the repo, so node_modules resolves from it.
  mkdirSync(join(root, 'test-output'), { recursive: true });
  outDir = mkdtempSync(join(root, 'test-output', 'nats-runtime-'));
  await build({
    entryPoints: [join(root, 'tests/nats/runtime-check.ts')],
    outfile: join(outDir, 'runtime-check.mjs'),
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'silent',
  });
});

afterAll(async () => {
  await server?.stop();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

function runCheck(command: string, args: string[]) {
  const run = spawnSync(command, args, {
    cwd: root,
    encoding: 'utf8',
    timeout: 90_000,
    env: {
      ...process.env,
      NATS_WS_URL: server.wsUrl,
      NATS_TCP_URL: server.tcpUrl,
      NATS_USER: server.user,
      NATS_PASSWORD: server.password,
      NO_COLOR: '1',
    },
  });
  const last = run.stdout.trim().split('\n').at(-1) ?? '';
  if (run.status !== 0 || !last.startsWith('{')) {
    throw new Error(`${command} ${args.join(' ')} exited with ${run.status}:\n${run.stdout}\n${run.stderr}`);
  }
  return JSON.parse(last);
}

const expectedStored = [
  // Both subscriptions get every message; each ingests it with its own cluster tag as default.
  ...['fritz', 'alex'].flatMap((cluster) => [
    { cluster, line: 'cpu_load,hostname=n1 value=1.5 1700000000' },
    { cluster, line: 'mem_used,hostname=n1 value=2 1700000000' },
    { cluster, line: 'cpu_load,cluster=other,hostname=n2 value=3 1700000060' },
  ]),
];

describe.each([
  ['node', 'node', () => [join(outDir, 'runtime-check.mjs')], 'ws package'],
  ['bun', 'npx', () => ['bun', 'tests/nats/runtime-check.ts'], 'built-in'],
  ['deno', 'npx', () => ['deno', 'run', '-A', 'tests/nats/runtime-check.ts'], 'built-in'],
])('on %s', (name, command, args, webSocket) => {
  it('ingests over ws:// and nats://', () => {
    const result = runCheck(command, args());
    expect(result.runtime).toMatch(new RegExp(`^${name} `));
    expect(result.webSocket).toBe(webSocket);
    for (const transport of ['ws', 'tcp']) {
      const { stored, counters } = result[transport];
      // Per subscription in order; the two subscriptions may interleave.
      for (const cluster of ['fritz', 'alex']) {
        expect(stored.filter((s: { cluster: string }) => s.cluster === cluster)).toEqual(
          expectedStored.filter((s) => s.cluster === cluster),
        );
      }
      expect(counters).toEqual({ connected: false, messages: 4, linesAccepted: 6, linesRejected: 0 });
    }
  });
});
