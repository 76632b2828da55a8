// Where ../shared (spec, reference config, fixtures) is: beside the clone in CI
// and in /work/main, two levels up from a worktree under /work/wt/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export function sharedDir(): string {
  const candidates = [process.env.CCMS_SHARED_DIR, join(repoRoot, '../shared'), join(repoRoot, '../../shared')];
  for (const c of candidates) if (c && existsSync(join(c, 'fixtures'))) return c;
  throw new Error(`../shared not found (looked in ${candidates.filter(Boolean).join(', ')}); set CCMS_SHARED_DIR`);
}

export const fixturesDir = (): string => join(sharedDir(), 'fixtures');

/** True once the storage engine (another branch) is merged in. */
export const engineAvailable = existsSync(join(repoRoot, 'src/engine/index.ts'));
