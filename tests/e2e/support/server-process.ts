// Starting a server process on a free port with a temporary config, waiting
// until it listens, and stopping it with a signal.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';

export interface ServerProcess {
  readonly pid: number;
  readonly port: number;
  readonly dir: string;
  stderr(): string;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A config for tests: listens on 127.0.0.1, port chosen by the system. */
export function testConfig(main: Record<string, unknown> = {}, metricStore: Record<string, unknown> = {}) {
  return {
    main: { addr: '127.0.0.1:0', ...main },
    metrics: {
      cpu_load: { frequency: 60, aggregation: null },
      flops_any: { frequency: 60, aggregation: 'sum' },
      clock: { frequency: 60, aggregation: 'avg' },
    },
    'metric-store': {
      'retention-in-memory': '48h',
      'memory-cap': 0,
      checkpoints: { 'file-format': 'json', directory: './var/checkpoints' },
      ...metricStore,
    },
  };
}

/** A new directory for one server's files, removed with the others when the test run ends. */
export function tempDir(): string {
  return mkdtempSync(join(inject('e2eTempRoot'), 'server-'));
}

/** Writes `config` into a new temporary directory, which is also the server's working directory. */
export function writeTempConfig(config: unknown): { dir: string; path: string } {
  return writeConfigIn(tempDir(), config);
}

function writeConfigIn(dir: string, config: unknown): { dir: string; path: string } {
  const path = join(dir, 'config.json');
  writeFileSync(path, JSON.stringify(config, null, 2));
  return { dir, path };
}

export function run(cmd: string[], args: string[], cwd?: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd[0]!, [...cmd.slice(1), ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const LISTENING = /listening at (?:\[[^\]]+\]|[^\s:]+):(\d+)/;

/**
 * Starts `cmd` with `-config <file> -loglevel info` and waits for its "listening at" line.
 * The config goes into a new temporary directory, or into `dir` (a restart on the same files).
 */
export function startServer(cmd: string[], config: unknown, extraArgs: string[] = [], inDir?: string, env?: Record<string, string>): Promise<ServerProcess> {
  const { dir, path } = inDir ? writeConfigIn(inDir, config) : writeTempConfig(config);
  return startProcess(cmd, ['-config', path, '-loglevel', 'info', ...extraArgs], dir, env);
}

/** Starts `cmd` with exactly `args` in `dir` (`env` added to this process's environment) and waits for its "listening at" line. */
export function startProcess(cmd: string[], args: string[], dir: string, env?: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(cmd[0]!, [...cmd.slice(1), ...args], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(env ? { env: { ...process.env, ...env } } : {}),
  });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error('server did not start within 30 s')), 30_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${error.message}\n--- stderr ---\n${stderr}`));
    };
    child.stdout.resume();
    child.stderr.on('data', (d) => {
      stderr += d;
      const match = LISTENING.exec(stderr);
      if (!match) return;
      clearTimeout(timer);
      resolve(handle(child, Number(match[1]), dir, () => stderr, exited));
    });
    child.on('exit', (code) => fail(new Error(`server exited with ${code} before listening`)));
  });
}

function handle(
  child: ChildProcess,
  port: number,
  dir: string,
  stderr: () => string,
  exited: Promise<number | null>,
): ServerProcess {
  return {
    pid: child.pid!,
    port,
    dir,
    stderr,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      const timeout = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(timeout);
      return code;
    },
  };
}
