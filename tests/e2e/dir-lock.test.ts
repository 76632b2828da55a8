// One store per checkpoint directory, through the real CLI: a second store
// (or a -cleanup-checkpoints pass) beside a running one exits 1 naming the
// directory and the holder's PID; after kill -9 the next start takes the lock
// over; a start while the first store is still shutting down waits for it and
// then restores what the first one wrote last.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseResponse, send } from './support/raw-http.ts';
import { RUNTIMES, cliCommand } from './support/runtimes.ts';
import { type ServerProcess, run, startServer, tempDir, testConfig } from './support/server-process.ts';

const T = Math.floor(Date.now() / 1000) - 600;

async function write(server: ServerProcess, body: string): Promise<void> {
  const res = await send(server.port, { method: 'POST', path: '/api/write?cluster=fritz', body });
  expect([res.status, res.body]).toEqual([200, '']);
}

async function cpuLoad(server: ServerProcess): Promise<unknown> {
  const body = { cluster: 'fritz', from: T - 60, to: T + 60, queries: [{ metric: 'cpu_load', host: 'f0101' }], 'with-padding': false };
  const res = await send(server.port, { method: 'GET', path: '/api/query?version=v2', body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return (JSON.parse(res.body) as { results: Array<Array<{ data: unknown }>> }).results[0]![0]!.data;
}

const lockFile = (dir: string) => join(dir, 'var/checkpoints/.lock');
const lockHolder = (dir: string) => JSON.parse(readFileSync(lockFile(dir), 'utf8')) as { pid: number; state: string };

/** Resolves once `child`'s stderr matches `pattern` (bounded: 30 s); rejects if it exits first. */
function stderrMatches(child: ChildProcess, output: { text: string }, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = pattern.exec(output.text);
      if (!match) return false;
      clearTimeout(timer);
      child.stderr!.off('data', check);
      child.off('exit', exited);
      resolve(match);
      return true;
    };
    const exited = (code: number | null) => reject(new Error(`exited with ${code} before ${pattern}:\n${output.text}`));
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within 30 s:\n${output.text}`)), 30_000);
    child.stderr!.on('data', check);
    child.on('exit', exited);
    check();
  });
}

function spawnStore(args: string[], cwd: string): { child: ChildProcess; output: { text: string }; exit: Promise<number | null> } {
  const [cmd, ...rest] = cliCommand('node');
  const child = spawn(cmd!, [...rest, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  const output = { text: '' };
  child.stderr!.on('data', (d) => (output.text += d));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output, exit };
}

describe.each(RUNTIMES)('the checkpoint directory lock on %s', (runtime) => {
  const cli = cliCommand(runtime);

  it('refuses a second store and a cleanup pass while one runs, and is released at shutdown', async () => {
    const config = testConfig();
    const first = await startServer(cli, config);
    try {
      expect(lockHolder(first.dir)).toMatchObject({ pid: first.pid, state: 'running' });
      const second = await run(cli, ['-config', join(first.dir, 'config.json')], first.dir);
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(
        `checkpoint directory ${join(first.dir, 'var/checkpoints')} is in use by another cc-metric-store (PID ${first.pid}), running since`,
      );
      const cleanup = await run(cli, ['-config', join(first.dir, 'config.json'), '-cleanup-checkpoints'], first.dir);
      expect(cleanup.code).toBe(1);
      expect(cleanup.stderr).toContain(`is in use by a running cc-metric-store (PID ${first.pid}), which cleans it up itself`);
      await write(first, `cpu_load,hostname=f0101,type=node value=1.5 ${T}`);
    } finally {
      expect(await first.stop()).toBe(0);
    }
    expect(existsSync(lockFile(first.dir))).toBe(false);
    const cleanup = await run(cli, ['-config', join(first.dir, 'config.json'), '-cleanup-checkpoints'], first.dir);
    expect([cleanup.code, cleanup.stdout]).toEqual([0, 'Cleanup done: 0 checkpoint files deleted.\n']);
    expect(existsSync(lockFile(first.dir))).toBe(false);
  });

  it('takes over the lock a killed store left behind', async () => {
    const config = testConfig();
    const first = await startServer(cli, config);
    await write(first, `cpu_load,hostname=f0101,type=node value=2.5 ${T}`);
    expect(await first.stop('SIGKILL')).toBe(null);
    expect(lockHolder(first.dir).pid).toBe(first.pid);

    const next = await startServer(cli, config, [], first.dir);
    try {
      expect(next.stderr()).toContain(
        `checkpoint lock: took over ${lockFile(first.dir)} from cc-metric-store (PID ${first.pid}): it is no longer running`,
      );
      expect(lockHolder(first.dir).pid).toBe(next.pid);
      expect(await cpuLoad(next)).toEqual([2.5]);
    } finally {
      expect(await next.stop()).toBe(0);
    }
  });
});

describe('a start while the previous store shuts down', () => {
  it('waits for its final checkpoint, then restores it', async () => {
    const dir = tempDir();
    const first = await startServer(cliCommand('node'), testConfig(), [], dir);
    await write(first, `clock,hostname=f0101,type=node value=1 ${T}`); // answered once start-up (signal handlers included) is done
    // A write whose body is still arriving holds the first store's shutdown (HTTP drains before the final checkpoint).
    const line = `cpu_load,hostname=f0101,type=node value=3.5 ${T}`;
    const socket = connect(first.port, '127.0.0.1');
    const response = new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      socket.on('data', (d) => chunks.push(d));
      socket.on('close', () => resolve(Buffer.concat(chunks)));
      socket.on('error', reject);
    });
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(`POST /api/write?cluster=fritz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${line.length}\r\nConnection: close\r\n\r\n${line.slice(0, 10)}`);

    const stopped = first.stop();
    for (let i = 0; i < 300 && lockHolder(dir).state !== 'stopping'; i++) await new Promise((r) => setTimeout(r, 20));
    expect(lockHolder(dir)).toMatchObject({ pid: first.pid, state: 'stopping' });

    const next = spawnStore(['-config', join(dir, 'config.json'), '-loglevel', 'info'], dir);
    try {
      await stderrMatches(next.child, next.output, /waiting up to 60 s for cc-metric-store \(PID (\d+)\) to finish its final checkpoint/);
      expect(next.output.text).toContain(`(PID ${first.pid})`);
      expect(lockHolder(dir).pid).toBe(first.pid);

      socket.write(line.slice(10));
      expect(parseResponse(await response).status).toBe(200);
      expect(await stopped).toBe(0);
      const [, port] = await stderrMatches(next.child, next.output, /listening at 127\.0\.0\.1:(\d+)/);
      expect(next.output.text).toMatch(/checkpoint lock: cc-metric-store \(PID \d+\) finished; waited [\d.]+ s/);
      expect(lockHolder(dir).pid).toBe(next.child.pid);
      expect(await cpuLoad({ port: Number(port) } as ServerProcess)).toEqual([3.5]);
    } finally {
      next.child.kill('SIGTERM');
      expect(await next.exit).toBe(0);
    }
  });
});
