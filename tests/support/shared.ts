// The shared material (spec fixtures, reference config): ../shared beside the
// clone when it is there (the source of truth), else the copy committed under
// tests/fixtures/shared, so a clone anywhere runs every test.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export function sharedDir(): string {
  const candidates = [
    process.env.CCMS_SHARED_DIR,
    join(repoRoot, '../shared'),
    join(repoRoot, '../../shared'),
    join(repoRoot, 'tests/fixtures/shared'),
  ];
  for (const c of candidates) if (c && existsSync(join(c, 'fixtures'))) return c;
  throw new Error(`shared fixtures not found (looked in ${candidates.filter(Boolean).join(', ')}); set CCMS_SHARED_DIR`);
}

export const fixturesDir = (): string => join(sharedDir(), 'fixtures');
