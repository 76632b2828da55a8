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
