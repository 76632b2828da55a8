// Builds the crash server with esbuild and runs it as a child process.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { repoRoot } from './shared.ts';

let built: Promise<string> | undefined;

/** Bundles tests/support/crash-server.ts next to node_modules (bare imports stay imports). */
export function buildCrashServer(): Promise<string> {
  built ??= (async () => {
    const outDir = join(repoRoot, 'test-output');
    mkdirSync(outDir, { recursive: true });
    const outfile = join(outDir, 'crash-server.mjs');
    await build({
      entryPoints: [join(repoRoot, 'tests/support/crash-server.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      outfile,
      logLevel: 'error',
    });
    return outfile;
  })();
  return built;
}

export interface RunningServer {
  child: ChildProcess;
  url: string;
}

export async function startCrashServer(script: string, dir: string, kind: 'fake' | 'engine'): Promise<RunningServer> {
  const child = spawn(process.execPath, [script, dir, kind, repoRoot], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`crash server exited (${code}) before listening: ${stderr}`)));
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

export function killHard(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}
