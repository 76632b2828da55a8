// Command-line options of the profiling scripts (bench/*-profile.mjs).

/** The word after `name` in `args`, or `dflt` when `name` is absent. */
export function option(args, name, dflt) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
}
