// No test runs stale code: build/engine.wasm is rebuilt when a file under
// assembly/ is newer, and dist/ (Node runs the service from there: it cannot
// run TypeScript) is recompiled when a file under src/ is newer. And no test
// runs without nats-server and Chromium: they are found (or installed) first,
// and the test workers get their paths in NATS_SERVER_PATH and CHROMIUM_PATH.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ROOT } from './runtimes.ts';
import { MissingTestDependencies, ensureTestDependencies } from './test-dependencies.ts';

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function builtAt(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** The directory the servers' working directories of this run go into (removed at the end). */
    e2eTempRoot: string;
  }
}

export default function setup(project: TestProject): () => void {
  try {
    // The workers inherit this process's environment.
    Object.assign(process.env, ensureTestDependencies());
  } catch (e) {
    if (!(e instanceof MissingTestDependencies)) throw e;
    // The message alone, not a stack trace: it says all there is to do.
    process.stderr.write(`\n${e.message}\n\n`);
    process.exit(1);
  }
  if (builtAt(join(ROOT, 'build/engine.wasm')) < newestSource(join(ROOT, 'assembly'))) {
    execFileSync(process.execPath, [join(ROOT, 'node_modules/assemblyscript/bin/asc.js'), 'assembly/index.ts', '--target', 'release'], {
      cwd: ROOT,
      stdio: 'inherit',
    });
  }
  if (builtAt(join(ROOT, 'dist/cli.js')) < newestSource(join(ROOT, 'src'))) {
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')], {
      stdio: 'inherit',
    });
  }
  const tempRoot = mkdtempSync(join(tmpdir(), 'ccms-e2e-run-'));
  project.provide('e2eTempRoot', tempRoot);
  return () => rmSync(tempRoot, { recursive: true, force: true });
}
