#!/usr/bin/env node
// The store's production entry point, the package's `cc-metric-store` bin:
// this process is the store (no child, no shell), so a service manager's
// SIGTERM reaches it directly. It runs the compiled service (dist/) on Node;
// `bun run start` lands here too (bunfig.toml makes `node` mean bun) and runs
// src/ directly. `deno task start` runs src/cli.ts itself (deno.json).
import { existsSync } from 'node:fs';
import process from 'node:process';

// Started by npm (`npx cc-metric-store`, or `npm start` whose npm is killed):
// npm passes SIGTERM to the shell it starts a bin through, and that shell
// dies without passing it on, leaving the store running with no one to stop
// it. So when the parent goes away, stop as if signalled.
if (process.env.npm_lifecycle_event) {
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watch);
    process.kill(process.pid, 'SIGTERM');
  }, 250);
  watch.unref();
}

// As PID 1 (a container's ENTRYPOINT) a signal nobody handles is ignored, so
// `docker stop` during a long restore would wait out its whole timeout. Until
// the store installs its own handlers (once it listens), end at once, as any
// other process would.
if (process.pid === 1) {
  for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]]) {
    process.on(signal, () => {
      if (process.listenerCount(signal) === 1) process.exit(code);
    });
  }
}

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
