#!/usr/bin/env node
// `npm start` runs the compiled service (dist/) on Node; `bun run start`
// lands here too (bunfig.toml makes `node` mean bun) and runs src/ directly.
// `deno task start` runs src/cli.ts itself (deno.json).
import { existsSync } from 'node:fs';

if (process.versions.bun) {
  await import('../src/cli.ts');
} else {
  const compiled = new URL('../dist/cli.js', import.meta.url);
  if (!existsSync(compiled)) {
    console.error('dist/cli.js is missing: run `npm install` or `npm run build` first.');
    process.exit(1);
  }
  await import(compiled.href);
}
