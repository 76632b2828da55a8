// Command-line options of the profiling scripts (bench/*-profile.mjs).
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const CHECKOUT = fileURLToPath(new URL('../../', import.meta.url));

/** The word after `name` in `args`, or `dflt` when `name` is absent. */
export function option(args, name, dflt) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
}

/**
 * `--builds A,B`: the directories of the builds to compare, absolute (so the
 * inner half run elsewhere and the printed tables name the same ones); this
 * checkout when absent.
 */
export function buildDirs(args) {
  return option(args, '--builds', CHECKOUT).split(',').map((d) => resolve(d));
}

/**
 * What every profiling script reads first: its arguments, `opt(name, dflt)`,
 * the builds, and the flags that pick its half and mode (`--inner`: the half
 * run under callgrind; `--time`; `--callgrind`).
 */
export function profileArgs(args = process.argv.slice(2)) {
  return {
    args,
    opt: (name, dflt) => option(args, name, dflt),
    builds: buildDirs(args),
    inner: args.includes('--inner'),
    time: args.includes('--time'),
    callgrind: args.includes('--callgrind'),
  };
}
