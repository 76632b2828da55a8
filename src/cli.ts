// Entry point: `node dist/cli.js`, `bun src/cli.ts`, `deno run -A src/cli.ts`.
import { main } from './cli/main.ts';
import { commandLineArgs } from './runtime/index.ts';

await main(commandLineArgs());
