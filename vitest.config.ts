import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/e2e/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // vitest's default (one worker fewer than cores) runs a single file at a time on a
    // 2-core machine, and most of the e2e files' time is spent waiting on the servers
    // they start: two workers there took the suite from 1 file at a time to 2 (CI's
    // 10-minute budget; `npm test` ran 565 s on CI's machine with one).
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
