// Node runs the service from dist/ and cannot run TypeScript: compile dist/
// when any source is newer than the last build (so no test runs stale code),
// and bundle the test-store server for it.

import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { NODE_TEST_STORE_SERVER, ROOT } from './runtimes.ts';

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

export default async function setup(): Promise<void> {
  if (builtAt(join(ROOT, 'dist/cli.js')) < newestSource(join(ROOT, 'src'))) {
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')], {
      stdio: 'inherit',
    });
  }
  await build({
    entryPoints: [join(ROOT, 'tests/e2e/support/test-store-server.ts')],
    outfile: NODE_TEST_STORE_SERVER,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
}
