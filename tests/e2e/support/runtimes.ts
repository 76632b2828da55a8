// How each runtime runs the service: Node the tsc output in dist/, Bun and
// Deno the TypeScript sources, exactly as `npm start`, `bun run start` and
// `deno task start` do.

import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export type Runtime = 'node' | 'bun' | 'deno';
export const RUNTIMES: readonly Runtime[] = ['node', 'bun', 'deno'];

const BUN = `${ROOT}node_modules/bun/bin/bun.exe`;
const DENO = `${ROOT}node_modules/deno/deno`;

function command(runtime: Runtime, script: string): string[] {
  switch (runtime) {
    case 'node':
      return [process.execPath, script];
    case 'bun':
      return [BUN, script];
    case 'deno':
      return [DENO, 'run', '-A', script];
  }
}

/** The service's own entry point on `runtime`. */
export function cliCommand(runtime: Runtime): string[] {
  return command(runtime, runtime === 'node' ? `${ROOT}dist/cli.js` : `${ROOT}src/cli.ts`);
}
