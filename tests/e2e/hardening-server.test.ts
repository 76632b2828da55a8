// Through the real server: no client can stall or lock out the others, and
// start-up and shutdown tell the truth (issue 10, findings 5, 8 and 10).
//
// - A write of 100,000 new hosts (a directory and a WAL file each) leaves the
//   server answering small requests meanwhile.
// - Idle connections beyond main.max-connections do not lock out a real
//   client: the longest idle ones are closed; a silent connection is closed
//   after main.header-timeout. On Node, Bun and Deno.
// - An unwritable checkpoint directory stops the start with exit 1 naming it;
//   a shutdown that cannot save exits 1 naming what is unsaved; a WAL write on
//   a read-only file system answers 500 with the real OS error.

import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { send } from './support/raw-http.ts';
import { RUNTIMES, cliCommand } from './support/runtimes.ts';
import { type ServerProcess, startServer, tempDir, testConfig } from './support/server-process.ts';

const now = () => Math.floor(Date.now() / 1000);
const walStore = (directory: string, extra: Record<string, unknown> = {}) => ({ checkpoints: { 'file-format': 'wal', directory }, ...extra });

/** A GET on a fresh connection; resolves with the status, or the error code when the connection fails. */
function get(port: number, path: string): Promise<number | string> {
  return new Promise((resolve) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      })
      .on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

async function debugStatus(port: number): Promise<{ connections: { open: number; evicted: number; refused: number; timedOut: number } }> {
  const res = await send(port, { method: 'GET', path: '/api/debug' });
  return JSON.parse(res.body).service;
}

/** Waits (at most `ms`) until `done()` holds; returns whether it did. */
async function waitFor(done: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (!done() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  return done();
}

describe('a write of 100,000 new hosts (finding 5)', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    const config = testConfig({ 'max-hosts-per-write': 100_000, 'max-body-size': '64MB' }, walStore('./var/checkpoints'));
    server = await startServer(cliCommand('node'), config);
  });
  // Its final checkpoint of 100,000 hosts is not what this test is about.
  afterAll(() => server?.stop('SIGKILL'));

  it('is answered once its records are in the files, while small requests are answered meanwhile', { timeout: 180_000 }, async () => {
    const t = now();
    let body = '';
    for (let i = 0; i < 100_000; i++) body += `cpu_load,hostname=n${i} value=1 ${t}\n`;
    let writing = true;
    const write = send(server.port, { method: 'POST', path: '/api/write?cluster=big', body }).finally(() => (writing = false));
    let worst = 0;
    let answered = 0;
    await new Promise((r) => setTimeout(r, 200)); // the body is on its way
    while (writing) {
      const started = Date.now();
      expect(await get(server.port, '/api/healthcheck?cluster=big')).toBeTypeOf('number');
      worst = Math.max(worst, Date.now() - started);
      answered++;
      await new Promise((r) => setTimeout(r, 20));
    }
    const res = await write;
    expect([res.status, res.body]).toEqual([200, '']);
    // Today's code held the event loop for the whole write (11 to 25 s here).
    expect(worst).toBeLessThan(5_000);
    expect(answered).toBeGreaterThan(3);
    const status = (await debugStatus(server.port)) as unknown as { persistence: { wal: { hosts: number } } };
    expect(status.persistence.wal.hosts).toBe(100_000);
  });
});

describe.each(RUNTIMES)('connections on %s (finding 8)', (runtime) => {
  const sockets: Socket[] = [];
  afterEach(() => {
    for (const s of sockets.splice(0)) s.destroy();
  });

  /** Opens `count` connections that send nothing; counts those the server closes. */
  async function openIdle(port: number, count: number): Promise<{ closed(): number }> {
    let closed = 0;
    for (let i = 0; i < count; i++) {
      await new Promise<void>((resolve) => {
        const s = connect(port, '127.0.0.1', () => resolve());
        s.on('error', () => resolve());
        s.on('close', () => closed++);
        sockets.push(s);
      });
    }
    return { closed: () => closed };
  }

  describe('beyond main.max-connections', () => {
    let server: ServerProcess;
    beforeAll(async () => {
      const config = testConfig({ 'max-connections': 200, 'header-timeout': '120s', 'idle-timeout': '120s' }, walStore('./var/checkpoints'));
      server = await startServer(cliCommand(runtime), config);
    });
    afterAll(() => server?.stop('SIGKILL'));

    it('logs the effective cap at start', () => {
      expect(server.stderr()).toMatch(/HTTP connections: at most 200 at once \(main\.max-connections = 200; open-file limit \d+/);
    });

    it('answers a real client while 1,000 idle connections are open, closing the longest idle ones', async () => {
      const idle = await openIdle(server.port, 1000);
      expect(await get(server.port, '/api/healthcheck?cluster=c')).toBe(400); // answered: a healthcheck wants a node
      expect(await waitFor(() => idle.closed() >= 800, 10_000)).toBe(true);
      const { connections } = await debugStatus(server.port);
      expect(connections.open).toBeLessThanOrEqual(200);
      expect(connections.evicted).toBeGreaterThanOrEqual(800);
      expect(connections.refused).toBe(0);
    });
  });

  describe('with main.header-timeout = 1s', () => {
    let server: ServerProcess;
    beforeAll(async () => {
      server = await startServer(cliCommand(runtime), testConfig({ 'header-timeout': '1s' }, walStore('./var/checkpoints')));
    });
    afterAll(() => server?.stop('SIGKILL'));

    it('closes a silent connection and one that never finishes its headers', async () => {
      const silent = await openIdle(server.port, 1);
      const partial = await openIdle(server.port, 1);
      sockets[1]!.write('GET /api/healthcheck HTTP/1.1\r\nHost: x\r\n');
      // Node's own header timeout is checked every 30 s, Bun's idle timeout is 10 s.
      expect(await waitFor(() => silent.closed() + partial.closed() === 2, 6_000)).toBe(true);
      expect((await debugStatus(server.port)).connections.timedOut).toBeGreaterThanOrEqual(2);
    });
  });
});

describe('start-up and shutdown tell the truth (finding 10)', () => {
  it('refuses to start, exit 1, when the checkpoint directory cannot be written, naming it, its key and the OS error', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'var'), 'a regular file: no directory can be made below it, not even by root');
    const { path } = writeConfigIn(dir, testConfig({}, walStore('./var/checkpoints')));
    const result = await runBriefly(cliCommand('node'), ['-config', path], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/directory '\.\/var\/checkpoints' \(metric-store\.checkpoints\.directory\) is not writable: ENOTDIR: not a directory/);
    expect(result.stderr).not.toMatch(/listening at/);
  });

  it('with cleanup mode archive, checks the archive directory too', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'archive'), 'a regular file');
    const { path } = writeConfigIn(dir, testConfig({}, walStore('./var/checkpoints', { cleanup: { mode: 'archive', directory: './archive/old' } })));
    const result = await runBriefly(cliCommand('node'), ['-config', path], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/directory '\.\/archive\/old' \(metric-store\.cleanup\.directory\) is not writable: ENOTDIR/);
  });

  it('a shutdown that cannot save exits 1 and names the unsaved hosts and samples', async () => {
    const server = await startServer(cliCommand('node'), testConfig({}, walStore('./var/checkpoints')));
    const t = now();
    const lines = ['a', 'b', 'c'].flatMap((h) => [`cpu_load,hostname=${h} value=1 ${t - 60}`, `cpu_load,hostname=${h} value=2 ${t}`]);
    expect((await send(server.port, { method: 'POST', path: '/api/write?cluster=fritz', body: lines.join('\n') })).status).toBe(200);
    const checkpoints = join(server.dir, 'var', 'checkpoints');
    rmSync(checkpoints, { recursive: true });
    writeFileSync(checkpoints, 'the checkpoint directory is a file now');
    expect(await server.stop('SIGTERM')).toBe(1);
    expect(server.stderr()).toMatch(
      /shutdown incomplete: .*final checkpoint incomplete: 3 of 3 hosts with 6 samples not saved below \.\/var\/checkpoints \(fritz\/[abc], fritz\/[abc], fritz\/[abc]\): ENOTDIR/,
    );
    expect(server.stderr()).not.toContain('Graceful shutdown completed!');
  });

  it('a WAL write on a file system turned read-only answers 500 with the path and EROFS', async (ctx) => {
    const dir = tempDir();
    const mnt = join(dir, 'mnt');
    mkdirSync(mnt);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt], { stdio: 'ignore' });
    } catch {
      return ctx.skip(); // needs the right to mount (CAP_SYS_ADMIN)
    }
    let server: ServerProcess | null = null;
    try {
      server = await startServer(cliCommand('node'), testConfig({}, walStore(join(mnt, 'checkpoints'))), [], dir);
      execFileSync('mount', ['-o', 'remount,ro', mnt], { stdio: 'ignore' });
      const res = await send(server.port, { method: 'POST', path: '/api/write?cluster=fritz', body: `cpu_load,hostname=new value=1 ${now()}` });
      expect(res.status).toBe(500);
      // A recursive mkdir says ENOENT here, which today's code passed on.
      expect(JSON.parse(res.body).error).toContain(`WAL of fritz/new: EROFS: read-only file system, mkdir '${join(mnt, 'checkpoints', 'fritz')}'`);
    } finally {
      await server?.stop('SIGKILL');
      execFileSync('umount', ['-l', mnt], { stdio: 'ignore' });
    }
  });
});

/** Runs the CLI until it exits, or kills it after 20 s (a server that starts where it should not). */
function runBriefly(cmd: string[], args: string[], cwd: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd[0]!, [...cmd.slice(1), ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

function writeConfigIn(dir: string, config: unknown): { path: string } {
  const path = join(dir, 'config.json');
  writeFileSync(path, JSON.stringify(config, null, 2));
  return { path };
}
