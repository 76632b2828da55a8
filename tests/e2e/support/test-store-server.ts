// The real service (config loading, startService, the runtime layer) around
// the test store instead of the engine, so the end-to-end tests of HTTP,
// auth and shutdown run on every runtime whether or not the engine is built.
// Usage: <runtime> test-store-server.ts -config FILE [-loglevel L] [-dev]

import { parseFlags } from '../../../src/cli/flags.ts';
import { stopOnSignal } from '../../../src/cli/main.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { createLogger, parseLogLevel } from '../../../src/log.ts';
import { commandLineArgs, readTextFile, writeStderr } from '../../../src/runtime/index.ts';
import { startService } from '../../../src/service/start.ts';
import { createTestStore } from '../../support/test-store.ts';

const flags = parseFlags(commandLineArgs());
const log = createLogger({ level: parseLogLevel(flags.loglevel) ?? 'info', write: (line) => writeStderr(line + '\n') });
const config = await loadConfig({ path: flags.config, readTextFile });

// Answers every query with one entry per query that echoes from and to, which
// shows that the body reached the handler.
const store = createTestStore({
  query: (req) => ({ results: req.queries.map(() => [{ from: req.from, to: req.to, resolution: 60, avg: null, min: null, max: null }]) }),
  freed: 2,
  debug: { 'fritz:f0101': '{"data":{}}' },
});

stopOnSignal(await startService({ config, log, dev: flags.dev, store }), log);
