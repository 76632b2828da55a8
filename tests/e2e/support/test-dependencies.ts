// What `npm test` needs besides Node and npm: a real nats-server (the NATS
// tests) and a headless Chromium (the viewer's browser test), the Debian
// packages `nats-server` and `chromium`. Each is looked for at its override
// variable, at the package's path, then on PATH. When one is missing and the
// run has root and apt-get (CI, a fresh container), it is installed, saying
// so; otherwise the run stops at once with one message naming what to install.

import { spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface TestDependency {
  /** As the message names it. */
  name: string;
  /** What needs it, for the message. */
  neededBy: string;
  debianPackage: string;
  /** Set to the executable found, for the tests (and to point at one by hand). */
  envVar: string;
  /** Where the Debian package puts it. */
  fixedPaths: readonly string[];
  /** Names looked up on PATH. */
  commands: readonly string[];
}

export const TEST_DEPENDENCIES: readonly TestDependency[] = [
  {
    name: 'nats-server',
    neededBy: 'the NATS tests',
    debianPackage: 'nats-server',
    envVar: 'NATS_SERVER_PATH',
    fixedPaths: ['/usr/sbin/nats-server', '/usr/bin/nats-server'],
    commands: ['nats-server'],
  },
  {
    name: 'Chromium',
    neededBy: "the viewer's browser test",
    debianPackage: 'chromium',
    envVar: 'CHROMIUM_PATH',
    fixedPaths: ['/usr/bin/chromium'],
    commands: ['chromium', 'chromium-browser'],
  },
];

/** The machine as the step sees it; tests pass another PATH, no fixed paths, a fake apt-get. */
export interface DependencyHost {
  env: NodeJS.ProcessEnv;
  isRoot: boolean;
  log(line: string): void;
  /** Runs an executable (apt-get), its output shown; resolves with the exit status. */
  run(executable: string, args: readonly string[]): number;
}

export const systemHost = (): DependencyHost => ({
  env: process.env,
  isRoot: process.getuid?.() === 0,
  log: (line) => process.stderr.write(`${line}\n`),
  run: (executable, args) =>
    spawnSync(executable, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status ?? 1,
});

export class MissingTestDependencies extends Error {}

/**
 * Finds (or installs) every dependency; returns { envVar: executable }.
 * Throws MissingTestDependencies with the one message to show otherwise.
 */
export function ensureTestDependencies(deps: readonly TestDependency[] = TEST_DEPENDENCIES, host: DependencyHost = systemHost()): Record<string, string> {
  let missing = deps.filter((d) => !locate(d, host.env));
  let installFailed: string | null = null;
  const aptGet = findOnPath('apt-get', host.env);
  if (missing.length > 0 && host.isRoot && aptGet && !missing.some((d) => host.env[d.envVar])) {
    const packages = missing.map((d) => d.debianPackage);
    host.log(`npm test: installing ${packages.join(' ')} (Debian packages the tests drive) with apt-get install -y ${packages.join(' ')}`);
    if (host.run(aptGet, ['install', '-y', ...packages]) !== 0) {
      host.log('npm test: apt-get install failed; running apt-get update and trying again');
      host.run(aptGet, ['update']);
      if (host.run(aptGet, ['install', '-y', ...packages]) !== 0) installFailed = `apt-get install -y ${packages.join(' ')} failed (its output is above)`;
    }
    missing = deps.filter((d) => !locate(d, host.env));
  }
  if (missing.length > 0) throw new MissingTestDependencies(missingMessage(missing, host, installFailed));

  const found: Record<string, string> = {};
  for (const d of deps) found[d.envVar] = locate(d, host.env)!;
  return found;
}

export function locate(dep: TestDependency, env: NodeJS.ProcessEnv): string | null {
  const override = env[dep.envVar];
  if (override) return isExecutable(override) ? override : null;
  for (const path of dep.fixedPaths) if (isExecutable(path)) return path;
  for (const command of dep.commands) {
    const path = findOnPath(command, env);
    if (path) return path;
  }
  return null;
}

function missingMessage(missing: readonly TestDependency[], host: DependencyHost, installFailed: string | null): string {
  const what = missing.map((d) => `${d.name} (${d.neededBy})`).join(' and ');
  const packages = missing.map((d) => d.debianPackage).join(' ');
  const overrides = missing.filter((d) => host.env[d.envVar]).map((d) => `${d.envVar}=${host.env[d.envVar]} is not an executable`);
  const lines = [`npm test needs ${what}, which ${missing.length > 1 ? 'are' : 'is'} not installed.`];
  if (overrides.length > 0) lines.push(`${overrides.join('; ')}.`);
  if (installFailed) lines.push(`${installFailed}.`);
  lines.push(
    `Install the Debian package${missing.length > 1 ? 's' : ''}: ${host.isRoot ? '' : 'sudo '}apt-get install -y ${packages}`,
    `(on another system its package manager's ${missing.map((d) => d.name).join(' and ')}, or point ${missing.map((d) => d.envVar).join(' / ')} at the executable${missing.length > 1 ? 's' : ''}).`,
  );
  return lines.join('\n');
}

function findOnPath(command: string, env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const path = join(dir, command);
    if (isExecutable(path)) return path;
  }
  return null;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
