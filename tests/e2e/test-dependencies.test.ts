// The step of `npm test` that finds nats-server and Chromium, run with both
// hidden: PATH is an empty directory and the Debian paths are left out. It
// stops with one message naming what to install, or, as root with apt-get (a
// fake one here, a shell script on that PATH), installs them, saying so, and
// runs `apt-get update` when the first install fails for a missing list.

import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type DependencyHost,
  MissingTestDependencies,
  TEST_DEPENDENCIES,
  ensureTestDependencies,
  locate,
} from './support/test-dependencies.ts';
import { ROOT } from './support/runtimes.ts';
import { tempDir } from './support/server-process.ts';

/** The real dependencies, but without their Debian paths: only PATH and the override variables count. */
const HIDDEN = TEST_DEPENDENCIES.map((d) => ({ ...d, fixedPaths: [] }));

function fakeMachine(options: { isRoot: boolean; aptGet?: 'works' | 'needs-update' | 'fails' }) {
  const dir = tempDir();
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const calls = join(dir, 'apt-get.calls');
  if (options.aptGet) {
    // Installs by creating the executables in bin/; "needs-update" fails until `update` has run.
    writeFileSync(
      join(bin, 'apt-get'),
      `#!/bin/sh
echo "$*" >> '${calls}'
case "$1" in
  update) touch '${dir}/lists'; exit 0 ;;
  install)
    ${options.aptGet === 'fails' ? 'exit 100' : options.aptGet === 'needs-update' ? `[ -e '${dir}/lists' ] || { echo "E: Unable to locate package nats-server" >&2; exit 100; }` : ':'}
    shift
    for p in "$@"; do [ "$p" = -y ] || { printf '#!/bin/sh\\n' > '${bin}'/"$p"; chmod +x '${bin}'/"$p"; }; done ;;
esac
`,
    );
    chmodSync(join(bin, 'apt-get'), 0o755);
  }
  const logged: string[] = [];
  const host: DependencyHost = {
    env: { PATH: bin },
    isRoot: options.isRoot,
    log: (line) => logged.push(line),
    run: (executable, args) => spawnSync(executable, args, { env: { PATH: `${bin}:/usr/bin:/bin` }, stdio: 'ignore' }).status ?? 1,
  };
  return { bin, host, logged, aptCalls: () => (existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n') : []) };
}

function failure(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(MissingTestDependencies);
    return (e as Error).message;
  }
  throw new Error('expected the step to fail');
}

describe('the test dependencies of npm test', () => {
  it('without root: one message naming both packages and the command that installs them', () => {
    const machine = fakeMachine({ isRoot: false, aptGet: 'works' });
    expect(failure(() => ensureTestDependencies(HIDDEN, machine.host))).toBe(
      [
        "npm test needs nats-server (the NATS tests) and Chromium (the viewer's browser test), which are not installed.",
        'Install the Debian packages: sudo apt-get install -y nats-server chromium',
        "(on another system its package manager's nats-server and Chromium, or point NATS_SERVER_PATH / CHROMIUM_PATH at the executables).",
      ].join('\n'),
    );
    expect(machine.aptCalls()).toEqual([]);
  });

  it('as root without apt-get: the same message, nothing run', () => {
    const machine = fakeMachine({ isRoot: true });
    expect(failure(() => ensureTestDependencies(HIDDEN, machine.host))).toContain('Install the Debian packages: apt-get install -y nats-server chromium\n');
    expect(machine.logged).toEqual([]);
  });

  it('names only what is missing, and an override that points nowhere', () => {
    const machine = fakeMachine({ isRoot: true, aptGet: 'works' });
    writeFileSync(join(machine.bin, 'chromium'), '#!/bin/sh\n');
    chmodSync(join(machine.bin, 'chromium'), 0o755);
    machine.host.env.NATS_SERVER_PATH = '/nowhere/nats-server';
    const message = failure(() => ensureTestDependencies(HIDDEN, machine.host));
    expect(message).toMatch(/^npm test needs nats-server \(the NATS tests\), which is not installed\.\nNATS_SERVER_PATH=\/nowhere\/nats-server is not an executable\./);
    expect(message).toContain('Install the Debian package: apt-get install -y nats-server\n');
    // An explicit override is the user's choice: not overruled by an install.
    expect(machine.aptCalls()).toEqual([]);
  });

  it('as root with apt-get: installs the missing packages, saying so, and hands their paths to the tests', () => {
    const machine = fakeMachine({ isRoot: true, aptGet: 'works' });
    expect(ensureTestDependencies(HIDDEN, machine.host)).toEqual({
      NATS_SERVER_PATH: join(machine.bin, 'nats-server'),
      CHROMIUM_PATH: join(machine.bin, 'chromium'),
    });
    expect(machine.aptCalls()).toEqual(['install -y nats-server chromium']);
    expect(machine.logged).toEqual([
      'npm test: installing nats-server chromium (Debian packages the tests drive) with apt-get install -y nats-server chromium',
    ]);
  });

  it('runs apt-get update when the first install fails (a fresh machine without package lists)', () => {
    const machine = fakeMachine({ isRoot: true, aptGet: 'needs-update' });
    ensureTestDependencies(HIDDEN, machine.host);
    expect(machine.aptCalls()).toEqual(['install -y nats-server chromium', 'update', 'install -y nats-server chromium']);
    expect(machine.logged[1]).toBe('npm test: apt-get install failed; running apt-get update and trying again');
  });

  it('says so when the install fails for good', () => {
    const machine = fakeMachine({ isRoot: true, aptGet: 'fails' });
    expect(failure(() => ensureTestDependencies(HIDDEN, machine.host))).toContain(
      'which are not installed.\napt-get install -y nats-server chromium failed (its output is above).\n',
    );
  });

  it('on this machine, finds what the global setup handed to the tests', () => {
    for (const dep of TEST_DEPENDENCIES) {
      const found = locate(dep, process.env);
      expect(found, dep.name).not.toBeNull();
      expect(process.env[dep.envVar]).toBe(found);
    }
  });

  it('stops a test run at once, with just the message', () => {
    const vitest = join(ROOT, 'node_modules/vitest/vitest.mjs');
    const result = spawnSync(process.execPath, [vitest, 'run', 'tests/cli/flags.test.ts'], {
      cwd: ROOT,
      env: { ...process.env, NATS_SERVER_PATH: '/nowhere/nats-server' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('\nnpm test needs nats-server (the NATS tests), which is not installed.\nNATS_SERVER_PATH=/nowhere/nats-server is not an executable.\n');
    expect(result.stdout + result.stderr).not.toMatch(/Tests\s+\d+ passed/);
  });
});

