// `npm start` and `npx cc-metric-store` stopped the way service managers and
// terminals stop them: SIGTERM to the npm process alone (Docker, systemd with
// KillMode=main), SIGINT to the whole process group (Ctrl-C). Each time the
// store shuts down completely (final checkpoint on disk, lock released,
// "Graceful shutdown completed!") and no process is left. A second signal
// that is not such a repeat still ends the store at once.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { send } from './support/raw-http.ts';
import { ROOT, cliCommand } from './support/runtimes.ts';
import { startServer, tempDir, testConfig } from './support/server-process.ts';

const T = Math.floor(Date.now() / 1000) - 600;

interface Launched {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `npm <args>` in its own process group (as a terminal or service manager would start it). */
function launch(args: string[], cwd: string): Launched {
  const child = spawn('npm', args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exited };
}

// 60 s: under a full parallel `npm test` on two loaded cores npm's own start-up
// and the store's module loading took past 30 s once; what is tested is the stop.
async function until<T>(what: string, probe: () => T | null | undefined, launched: Launched): Promise<T> {
  for (let i = 0; i < 1200; i++) {
    const value = probe();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no ${what} within 60 s:\n${launched.output()}`);
}

function processExists(pid: number): boolean {
  return existsSync(`/proc/${pid}`);
}

function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** A store configured with absolute paths (npm runs scripts in the package directory). */
function storeConfig(): { dir: string; path: string; checkpoints: string } {
  const dir = tempDir();
  const checkpoints = join(dir, 'checkpoints');
  const config = testConfig({}, { checkpoints: { 'file-format': 'json', directory: checkpoints } });
  const path = join(dir, 'config.json');
  writeFileSync(path, JSON.stringify(config));
  return { dir, path, checkpoints };
}

async function startedStore(launched: Launched, checkpoints: string): Promise<{ pid: number; port: number }> {
  const port = Number(await until('"listening at"', () => /listening at 127\.0\.0\.1:(\d+)/.exec(launched.output())?.[1], launched));
  const pid = (JSON.parse(readFileSync(join(checkpoints, '.lock'), 'utf8')) as { pid: number }).pid;
  const res = await send(port, { method: 'POST', path: '/api/write?cluster=fritz', body: `cpu_load,hostname=f0101,type=node value=1.5 ${T}` });
  expect(res.status).toBe(200);
  return { pid, port };
}

async function expectCompleteShutdown(launched: Launched, store: { pid: number }, checkpoints: string): Promise<void> {
  await launched.exited;
  await until('exit of the store process', () => !processExists(store.pid), launched);
  expect(launched.output()).toContain('Graceful shutdown completed!');
  const snapshots = readdirSync(join(checkpoints, 'fritz', 'f0101')).filter((f) => f.endsWith('.json'));
  expect(snapshots).toHaveLength(1);
  expect(readFileSync(join(checkpoints, 'fritz', 'f0101', snapshots[0]!), 'utf8')).toContain('1.5');
  expect(existsSync(join(checkpoints, '.lock'))).toBe(false);
}

describe('stopping npm start', { timeout: 150_000 }, () => {
  it('SIGTERM to npm: npm passes it to the store (its direct child), waits for the shutdown, nothing is left', async () => {
    const { dir, path, checkpoints } = storeConfig();
    const npm = launch(['--prefix', ROOT, 'start', '--', '-config', path, '-loglevel', 'info'], dir);
    const store = await startedStore(npm, checkpoints);
    // No shell in between: the store is npm's child, so npm's forwarded signal reaches it.
    expect(parentOf(store.pid)).toBe(npm.child.pid);

    npm.child.kill('SIGTERM');
    await expectCompleteShutdown(npm, store, checkpoints);
    expect(npm.output()).not.toContain('CRITICAL');
  });

  it('Ctrl-C (SIGINT to the process group): one graceful shutdown, though the store gets the signal twice', async () => {
    const { dir, path, checkpoints } = storeConfig();
    const npm = launch(['--prefix', ROOT, 'start', '--', '-config', path, '-loglevel', 'info'], dir);
    const store = await startedStore(npm, checkpoints);
    process.kill(-npm.child.pid!, 'SIGINT');
    await expectCompleteShutdown(npm, store, checkpoints);
    expect(npm.output().match(/SIGINT received, shutting down/g)).toHaveLength(1);
  });

  it('SIGTERM to npx cc-metric-store: the shell in between dies, the store notices and shuts down itself', async () => {
    const { path, checkpoints } = storeConfig();
    const npx = launch(['exec', '--', 'cc-metric-store', '-config', path, '-loglevel', 'info'], ROOT);
    const store = await startedStore(npx, checkpoints);
    expect(parentOf(store.pid)).not.toBe(npx.child.pid);

    npx.child.kill('SIGTERM');
    await expectCompleteShutdown(npx, store, checkpoints);
  });

  it('a second signal, not a repeat of the first, still ends the store at once', async () => {
    const server = await startServer(cliCommand('node'), testConfig());
    // Answered only once start-up has finished, signal handlers included.
    expect((await send(server.port, { method: 'GET', path: '/api/debug' })).status).toBe(200);
    // A write whose body never completes keeps the HTTP drain, and so the shutdown, going.
    const socket = connect(server.port, '127.0.0.1');
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('POST /api/write?cluster=fritz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\ncpu_load');
    process.kill(server.pid, 'SIGTERM');
    await until('"shutting down"', () => server.stderr().includes('SIGTERM received, shutting down'), { output: server.stderr } as Launched);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await server.stop('SIGTERM')).toBe(130);
    expect(server.stderr()).not.toContain('Graceful shutdown completed!');
    socket.destroy();
  });
});

