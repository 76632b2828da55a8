// What deploy/ ships, checked in every test run: the systemd unit (by
// `systemd-analyze verify` where systemd is installed, and by its keys), the
// Dockerfile (its instructions, and its runtime stage assembled from this
// checkout and started as the image would start it), the compose file and
// the example config (loaded by the real config loader).

import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { type Stage, execForm, parseDockerfile, parseUnit, unitSeconds } from './support/deploy-files.ts';
import { selfIdentity } from '../../src/persist/process-identity.ts';
import { send } from './support/raw-http.ts';
import { ROOT } from './support/runtimes.ts';
import { startProcess, tempDir, testConfig } from './support/server-process.ts';

const deployFile = (name: string) => readFileSync(join(ROOT, 'deploy', name), 'utf8');
const STATE_DIR = '/var/lib/cc-metric-store';
const BIN = 'bin/cc-metric-store.mjs';
/** At least this long for the final checkpoint of a large store. */
const MIN_STOP_SECONDS = 300;

async function exampleConfig() {
  return loadConfig({ path: join(ROOT, 'deploy/config.json'), readTextFile: async (p) => readFileSync(p, 'utf8') });
}

describe('deploy/config.json', () => {
  it('loads, and keeps checkpoints and archives in the state directory the unit and the image provide', async () => {
    const config = await exampleConfig();
    expect(config.metricStore.checkpoints.directory).toBe(`${STATE_DIR}/checkpoints`);
    expect(config.metricStore.cleanup.directory).toBe(`${STATE_DIR}/archive`);
    expect(config.main.addr).toEqual({ host: '0.0.0.0', port: 8082 });
  });
});

describe('deploy/cc-metric-store.service', () => {
  const text = deployFile('cc-metric-store.service');
  const unit = parseUnit(text);
  const service = unit.Service!;
  const one = (key: string) => {
    expect(service[key], key).toHaveLength(1);
    return service[key]![0]!;
  };

  it('runs the store with node directly, no npm or shell in between', () => {
    const [node, script, ...args] = one('ExecStart').split(/\s+/);
    expect(node).toBe('/usr/bin/node');
    expect(script).toBe(`/opt/cc-metric-store/${BIN}`);
    expect(existsSync(join(ROOT, BIN))).toBe(true);
    expect(args).toEqual(['-config', '/etc/cc-metric-store/config.json']);
    expect(one('Type')).toBe('exec');
  });

  it('stops with SIGTERM and gives the final checkpoint time', () => {
    expect(one('KillSignal')).toBe('SIGTERM');
    expect(one('KillMode')).toBe('mixed');
    expect(unitSeconds(one('TimeoutStopSec'))).toBeGreaterThanOrEqual(MIN_STOP_SECONDS);
    expect(one('Restart')).toBe('on-failure');
  });

  it('runs hardened as a dedicated user, writing only the checkpoint and archive directories', async () => {
    expect(one('User')).toBe('cc-metric-store');
    expect(one('Group')).toBe('cc-metric-store');
    expect(Number(one('LimitNOFILE'))).toBeGreaterThanOrEqual(65536);
    expect(one('ProtectSystem')).toBe('strict');
    expect(one('NoNewPrivileges')).toBe('yes');
    expect(one('CapabilityBoundingSet')).toBe('');
    expect(one('StateDirectory')).toBe('cc-metric-store');
    const writable = one('ReadWritePaths').split(/\s+/);
    const config = await exampleConfig();
    for (const dir of [config.metricStore.checkpoints.directory, config.metricStore.cleanup.directory]) {
      expect(writable.some((w) => dir === w || dir.startsWith(`${w}/`)), dir).toBe(true);
    }
    // V8 needs writable executable memory; the lock needs to see its predecessor in /proc.
    expect(service.MemoryDenyWriteExecute).toBeUndefined();
    expect(service.ProtectProc).toBeUndefined();
    expect(unit.Install!.WantedBy).toEqual(['multi-user.target']);
  });

  const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
  it.runIf(analyze.status === 0)('passes systemd-analyze verify', () => {
    const dir = tempDir();
    const path = join(dir, 'cc-metric-store.service');
    // verify checks that ExecStart's program exists: point it at this machine's node.
    writeFileSync(path, text.replace('/usr/bin/node', process.execPath));
    const result = spawnSync('systemd-analyze', ['verify', path], { encoding: 'utf8' });
    // Unknown keys and bad values are only warnings: any line about the unit fails the check.
    expect(result.stderr.split('\n').filter((l) => l.includes('cc-metric-store.service'))).toEqual([]);
    expect(result.status).toBe(0);
  });
});

describe('deploy/Dockerfile', () => {
  const stages = parseDockerfile(deployFile('Dockerfile'));
  const runtime = stages.at(-1)!;
  const all = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
  const last = (stage: Stage, keyword: string) => all(stage, keyword).at(-1);

  it('builds in one stage and runs Node >= 20 as an unprivileged user in another', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', null]);
    for (const stage of stages) expect(Number(/^node:(\d+)/.exec(stage.from)?.[1])).toBeGreaterThanOrEqual(20);
    expect(all(stages[0]!, 'RUN')).toEqual(['npm ci --ignore-scripts', 'npm run build && npm prune --omit=dev']);
    expect(last(runtime, 'USER')).toBe('node');
  });

  it('starts the store with node directly, stops it with SIGTERM, keeps its data on a volume', async () => {
    expect(execForm(last(runtime, 'ENTRYPOINT')!)).toEqual(['node', `/opt/cc-metric-store/${BIN}`]);
    expect(execForm(last(runtime, 'CMD')!)).toEqual(['-config', '/etc/cc-metric-store/config.json']);
    expect(last(runtime, 'STOPSIGNAL')).toBe('SIGTERM');
    expect(last(runtime, 'EXPOSE')).toBe(String((await exampleConfig()).main.addr.port));
    expect(execForm(last(runtime, 'VOLUME')!)).toEqual([STATE_DIR]);
    expect(last(runtime, 'WORKDIR')).toBe(STATE_DIR);
  });

  it('leaves what it builds itself out of the build context', () => {
    const ignored = deployFile('Dockerfile.dockerignore').split('\n').filter((l) => l && !l.startsWith('#'));
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', 'build', '.git']));
  });

  it('copies everything the store needs into the runtime stage: assembled from this checkout, it starts and stops', async () => {
    const opt = join(tempDir(), 'opt', 'cc-metric-store');
    mkdirSync(opt, { recursive: true });
    const copied: string[] = [];
    for (const args of all(runtime, 'COPY')) {
      const [from, source, target] = args.split(/\s+/);
      if (!from!.startsWith('--from=build')) continue;
      expect(source!.startsWith('/src/')).toBe(true);
      const name = source!.slice('/src/'.length);
      copied.push(name);
      // node_modules: the shared one, but the import check below holds the image to the dependencies.
      const into = join(opt, target!.endsWith('/') ? join(target!, name) : target!);
      if (name === 'node_modules') symlinkSync(join(ROOT, name), into);
      else cpSync(join(ROOT, name), into, { recursive: true });
    }
    expect(copied.sort()).toEqual(['bin', 'build', 'dist', 'node_modules', 'package.json']);

    const state = tempDir();
    const config = JSON.parse(deployFile('config.json')) as { main: Record<string, string>; 'metric-store': any };
    config.main.addr = '127.0.0.1:0';
    config['metric-store'].checkpoints.directory = join(state, 'checkpoints');
    config['metric-store'].cleanup.directory = join(state, 'archive');
    writeFileSync(join(state, 'config.json'), JSON.stringify(config));
    const [node, script] = execForm(last(runtime, 'ENTRYPOINT')!)!;
    const server = await startProcess(
      [node === 'node' ? process.execPath : node!, script!.replace('/opt/cc-metric-store', opt)],
      ['-config', join(state, 'config.json'), '-loglevel', 'info'],
      state,
    );
    // Answered once start-up, the shutdown handler included, has finished.
    expect((await send(server.port, { method: 'GET', path: '/api/debug' })).status).toBe(200);
    expect(await server.stop('SIGTERM')).toBe(0);
    expect(server.stderr()).toContain('Graceful shutdown completed!');
  });

  it('needs no devDependency at run time (npm prune --omit=dev removes them)', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const imported = new Set<string>();
    const scan = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) scan(path);
        else if (entry.name.endsWith('.js') || entry.name.endsWith('.mjs')) {
          const text = readFileSync(path, 'utf8');
          const statements = text.matchAll(/^\s*(?:import|export)\s[^;]*?\bfrom\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm);
          for (const m of statements) {
            const spec = m[1] ?? m[2] ?? m[3]!;
            if (spec.startsWith('node:') || spec.startsWith('.')) continue;
            imported.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
          }
        }
      }
    };
    scan(join(ROOT, 'dist'));
    scan(join(ROOT, 'bin'));
    expect(imported.size).toBeGreaterThan(3);
    expect([...imported].filter((name) => !(name in pkg.dependencies))).toEqual([]);
  });
});

// The image runs the bin as PID 1, for which the kernel ignores a signal with no
// handler. `unshare` gives it a PID namespace of its own, as Docker does.
const unshare = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']);
describe.runIf(unshare.status === 0)('the bin as PID 1 (a container)', () => {
  /** `command` (default: the bin) as PID 1 of a new PID namespace. */
  function asPid1(command: string[], cwd: string) {
    const child = spawn('unshare', ['--pid', '--fork', '--mount-proc', ...command], {
      cwd,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    /** The store's PID outside its namespace: unshare's only child. */
    const storePid = () => Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim());
    return { child, stderr: () => stderr, exited, storePid };
  }

  async function until(what: string, probe: () => boolean, output: () => string): Promise<void> {
    for (let i = 0; i < 600 && !probe(); i++) await new Promise((r) => setTimeout(r, 50));
    if (!probe()) throw new Error(`no ${what} within 30 s:\n${output()}`);
  }

  it('SIGTERM after start-up: the graceful shutdown, exit 0', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'config.json'), JSON.stringify(testConfig()));
    const store = asPid1([process.execPath, join(ROOT, BIN), '-config', join(dir, 'config.json'), '-loglevel', 'info'], dir);
    await until('"listening at"', () => /listening at/.test(store.stderr()), store.stderr);
    const port = Number(/listening at 127\.0\.0\.1:(\d+)/.exec(store.stderr())![1]);
    expect((await send(port, { method: 'GET', path: '/api/debug' })).status).toBe(200);
    expect(JSON.parse(readFileSync(join(dir, 'var/checkpoints/.lock'), 'utf8')).pid).toBe(1);
    process.kill(store.storePid(), 'SIGTERM');
    expect(await store.exited).toBe(0);
    expect(store.stderr()).toContain('Graceful shutdown completed!');
  });

  it('SIGTERM during start-up ends it at once instead of being ignored', async () => {
    // Start-up held at a known point: the lock names PID 2 of the namespace (a sleep started
    // beside the store) as a store writing its final checkpoint, so the store waits for it.
    const dir = tempDir();
    writeFileSync(join(dir, 'config.json'), JSON.stringify(testConfig()));
    mkdirSync(join(dir, 'var/checkpoints'), { recursive: true });
    const { pid, startTicks, ...machine } = selfIdentity();
    const holder = { program: 'cc-metric-store', ...machine, pid: 2, startTicks: null, role: 'store', state: 'stopping', since: new Date().toISOString() };
    writeFileSync(join(dir, 'var/checkpoints/.lock'), JSON.stringify(holder));
    const store = asPid1(['sh', '-c', `sleep 120 & exec "$0" "$@"`, process.execPath, join(ROOT, BIN), '-config', join(dir, 'config.json'), '-loglevel', 'info'], dir);
    await until('"waiting"', () => store.stderr().includes('waiting up to 60 s for cc-metric-store (PID 2)'), store.stderr);
    process.kill(store.storePid(), 'SIGTERM');
    // Ignored, it would wait out the 60 s and exit 1.
    expect(await store.exited).toBe(143);
    expect(store.stderr()).not.toContain('listening at');
  });
});

describe('deploy/compose.yaml', () => {
  const text = deployFile('compose.yaml');
  it('builds deploy/Dockerfile, gives the final checkpoint time, fixes the hostname the lock names', () => {
    expect(text).toMatch(/^\s+dockerfile: deploy\/Dockerfile$/m);
    const grace = /^\s+stop_grace_period: (\d+)m$/m.exec(text);
    expect(Number(grace?.[1]) * 60).toBeGreaterThanOrEqual(MIN_STOP_SECONDS);
    expect(text).toMatch(/^\s+hostname: cc-metric-store$/m);
    expect(text).toContain(`cc-metric-store:${STATE_DIR}\n`);
    expect(text).toMatch(/^\s+nofile: 65536$/m);
  });
});
