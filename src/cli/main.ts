// The command: flags, configuration, start-up, and a graceful shutdown on
// SIGINT/SIGTERM; or, with -cleanup-checkpoints, one cleanup pass. Exit codes:
// 0 after a clean run, -version/-help or a cleanup, 1 when start-up, the
// cleanup or the shutdown fails (bad config, port taken, an unwritable
// checkpoint directory, samples the final checkpoint could not save), 2 for
// bad flags.

import { loadConfig } from '../config/load.ts';
import { createLogger, parseLogFormat, parseLogLevel, type Logger } from '../log.ts';
import {
  exitProcess,
  onShutdownSignal,
  projectRoot,
  readTextFile,
  runtimeName,
  runtimeVersion,
  writeStderr,
  writeStdout,
} from '../runtime/index.ts';
import { assertWritableDirectory } from '../persist/writable.ts';
import { type RunningService, startService } from '../service/start.ts';
import { lockCheckpointDirectory, releasingLockOnStop } from './checkpoint-lock.ts';
import { cleanupCheckpoints } from './cleanup.ts';
import { FlagError, parseFlags, usage } from './flags.ts';

const PROGRAM = 'cc-metric-store';

export async function main(args: readonly string[]): Promise<void> {
  let flags;
  try {
    flags = parseFlags(args);
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    writeStderr(`${e.message}\n${usage(PROGRAM)}`);
    exitProcess(2);
  }
  if (flags.help) {
    writeStderr(usage(PROGRAM));
    exitProcess(0);
  }
  if (flags.version) {
    writeStdout(await versionText());
    exitProcess(0);
  }
  const level = parseLogLevel(flags.loglevel);
  if (!level) {
    writeStderr(`invalid value "${flags.loglevel}" for -loglevel: use debug, info, warn, err or crit\n`);
    exitProcess(2);
  }
  const format = parseLogFormat(flags.logformat);
  if (!format) {
    writeStderr(`invalid value "${flags.logformat}" for -logformat: use text or json\n`);
    exitProcess(2);
  }
  const log = createLogger({ level, date: flags.logdate, format, write: (line) => writeStderr(line + '\n') });

  try {
    if (flags.cleanupCheckpoints) {
      const config = await loadConfig({ path: flags.config, readTextFile });
      writeStdout(`${await cleanupCheckpoints(config, log)}\n`);
      exitProcess(0);
    }
    await run(flags.config, flags.dev, log);
  } catch (e) {
    log.crit((e as Error).message);
    exitProcess(1);
  }
}

async function run(configPath: string | undefined, dev: boolean, log: Logger): Promise<void> {
  const config = await loadConfig({ path: configPath, readTextFile });
  log.info(`configuration: ${config.source}`);
  // Before the lock, which lives in it: an unwritable directory is named as such.
  await assertWritableDirectory(config.metricStore.checkpoints.directory, 'metric-store.checkpoints.directory');
  const lock = await lockCheckpointDirectory(config, log);
  const service = await startService({ config, log, dev }).catch(async (e: unknown) => {
    await lock.release();
    throw e;
  });
  stopOnSignal(releasingLockOnStop(service, lock), log);
}

/** On SIGINT or SIGTERM: a graceful stop, then exit 0; 1, saying what is unsaved, when stopping failed. */
export function stopOnSignal(service: RunningService, log: Logger): void {
  onShutdownSignal(async (signal) => {
    log.info(`${signal} received, shutting down...`);
    try {
      await service.stop();
      log.info('Graceful shutdown completed!');
      exitProcess(0);
    } catch (e) {
      log.crit(`shutdown incomplete: ${(e as Error).message}`);
      exitProcess(1);
    }
  });
}

async function versionText(): Promise<string> {
  const pkg = JSON.parse((await readTextFile(`${projectRoot()}package.json`)) ?? '{}') as { version?: string };
  return `Version:\t${pkg.version ?? 'unknown'}\nRuntime:\t${runtimeName()} ${runtimeVersion()}\n`;
}
