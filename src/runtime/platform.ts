// Process-level facts and controls on Node, Bun and Deno (all three provide
// node:process; only the names and versions differ).

import process from 'node:process';

export type RuntimeName = 'node' | 'bun' | 'deno';

export function runtimeName(): RuntimeName {
  const versions = process.versions as Record<string, string | undefined>;
  if (versions.bun) return 'bun';
  if (versions.deno) return 'deno';
  return 'node';
}

export function runtimeVersion(): string {
  const versions = process.versions as Record<string, string | undefined>;
  return versions[runtimeName()] ?? process.version;
}

/** Command-line arguments after the script. */
export function commandLineArgs(): string[] {
  return process.argv.slice(2);
}

/** An environment variable, or undefined when it is not set. */
export function environmentVariable(name: string): string | undefined {
  return process.env[name];
}

export function writeStdout(text: string): void {
  process.stdout.write(text);
}

export function writeStderr(text: string): void {
  process.stderr.write(text);
}

export function exitProcess(code: number): never {
  process.exit(code);
}

export type ShutdownSignal = 'SIGINT' | 'SIGTERM';

/**
 * A repeat of the first signal this soon is the same request delivered twice:
 * Ctrl-C under `npm start` reaches the store from the terminal (it signals the
 * whole process group) and again from npm, which passes it on; systemd signals
 * every process of the unit, npm included, the same way.
 */
const REPEAT_WINDOW_MS = 1000;

/** Calls `handler` on the first SIGINT or SIGTERM; a second one (not a repeat, see above) ends the process at once. */
export function onShutdownSignal(handler: (signal: ShutdownSignal) => void): void {
  let first: { signal: ShutdownSignal; at: number } | null = null;
  const listener = (signal: ShutdownSignal) => {
    const now = performance.now();
    if (first) {
      if (signal === first.signal && now - first.at < REPEAT_WINDOW_MS) return;
      exitProcess(130);
    }
    first = { signal, at: now };
    handler(signal);
  };
  process.on('SIGINT', listener);
  process.on('SIGTERM', listener);
}

/**
 * Like the reference: bind the port as root, then continue as `user`/`group`
 * (when set). Group first, since a non-root user may no longer change it.
 */
export function dropPrivileges(user: string, group: string): void {
  if (!user && !group) return;
  if (typeof process.setgid !== 'function' || typeof process.setuid !== 'function') {
    throw new Error(`dropping privileges to user "${user}" / group "${group}" is not supported on ${runtimeName()}`);
  }
  if (group) process.setgid(group);
  if (user) process.setuid(user);
}

/** The resident set size of the process in bytes (process.memoryUsage on Node, Bun and Deno), null where the runtime does not tell. */
export function processRssBytes(): number | null {
  try {
    const usage = process.memoryUsage as { rss?: () => number } & (() => { rss: number });
    const rss = typeof usage.rss === 'function' ? usage.rss() : usage().rss;
    return Number.isFinite(rss) && rss > 0 ? rss : null;
  } catch {
    return null;
  }
}
