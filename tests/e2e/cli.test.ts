// The command line on Node, Bun and Deno: flags, version, configuration
// errors, and -cleanup-checkpoints.

import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeParquetArchive } from '../../src/persist/format/index.ts';
import { copyTree } from '../support/persist-env.ts';
import { fixturesDir } from '../support/shared.ts';
import { ROOT, RUNTIMES, cliCommand } from './support/runtimes.ts';
import { send } from './support/raw-http.ts';
import { run, startProcess, tempDir, testConfig, writeTempConfig } from './support/server-process.ts';

/**
 * A config whose checkpoint directory (./var/checkpoints, relative to the
 * config's directory, the working directory of the run, unless `absolute`)
 * holds the fixtures of 2024-09-06: with 48h retention, their snapshot is due
 * for cleanup.
 */
function configWithOldCheckpoints(cleanup: Record<string, unknown>, options: { absolute?: boolean } = {}) {
  const { dir, path } = writeTempConfig(testConfig({}, { cleanup }));
  copyTree(join(fixturesDir(), 'checkpoints-wal'), join(dir, 'var/checkpoints'));
  const directory = options.absolute ? join(dir, 'var/checkpoints') : './var/checkpoints';
  writeFileSync(path, JSON.stringify(testConfig({}, { cleanup, checkpoints: { 'file-format': 'wal', directory } })));
  return { dir, path, host: join(dir, 'var/checkpoints/fritz/f0201') };
}

describe.each(RUNTIMES)('the CLI on %s', (runtime) => {
  const cli = cliCommand(runtime);

  it('prints the version and exits 0 with -version', async () => {
    const { code, stdout } = await run(cli, ['-version']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Version:\t\d+\.\d+\.\d+\n/);
    expect(stdout).toContain(`Runtime:\t${runtime} `);
  });

  it('prints the usage and exits 2 for an unknown flag', async () => {
    const { code, stderr } = await run(cli, ['-gops']);
    expect(code).toBe(2);
    expect(stderr).toContain('flag provided but not defined: -gops');
    expect(stderr).toContain('-config path');
  });

  it('exits 1 naming file and field for an invalid config', async () => {
    const config = testConfig({}, { 'retention-in-memory': 'two days' });
    const { path, dir } = writeTempConfig(config);
    const { code, stderr } = await run(cli, ['-config', path], dir);
    expect(code).toBe(1);
    expect(stderr).toContain(`${path}: metric-store.retention-in-memory: expected a duration string like "48h", got "two days"`);
  });

  it('exits 1 naming the key for an unknown config key', async () => {
    const { path, dir } = writeTempConfig({ ...testConfig(), 'http-api': {} });
    const { code, stderr } = await run(cli, ['-config', path], dir);
    expect(code).toBe(1);
    expect(stderr).toContain(`${path}: http-api: unknown key`);
  });

  it('exits 1 for a -config file that does not exist', async () => {
    const { code, stderr } = await run(cli, ['-config', '/nonexistent/config.json']);
    expect(code).toBe(1);
    expect(stderr).toContain('/nonexistent/config.json: no such file');
  });

  it('exits 2 for an unknown log level', async () => {
    const { code, stderr } = await run(cli, ['-loglevel', 'loud']);
    expect(code).toBe(2);
    expect(stderr).toContain('invalid value "loud" for -loglevel');
  });

  it('starts without a config file on the embedded default: 127.0.0.1:8082, no auth, checkpoints under ./var', async () => {
    const dir = tempDir();
    const server = await startProcess(cli, ['-loglevel', 'info'], dir);
    try {
      expect(server.port).toBe(8082);
      expect(server.stderr()).toContain('no main.jwt-public-key configured');
      const now = Math.floor(Date.now() / 1000);
      const write = await send(8082, { method: 'POST', path: '/api/write?cluster=fritz', body: `cpu_load,hostname=a value=1.5 ${now}` });
      expect(write.status).toBe(200);
      const query = JSON.stringify({ cluster: 'fritz', from: now - 60, to: now + 60, queries: [{ metric: 'cpu_load', host: 'a' }] });
      const read = await send(8082, { method: 'POST', path: '/api/query', body: query });
      expect(JSON.parse(read.body).results[0][0].data).toContain(1.5);
    } finally {
      expect(await server.stop('SIGTERM')).toBe(0);
    }
    // The default keeps its files in the working directory; the final checkpoint is there.
    expect(readdirSync(join(dir, 'var/checkpoints/fritz/a')).length).toBeGreaterThan(0);
  });

  describe('-cleanup-checkpoints', () => {
    it('deletes the checkpoint files older than the retention and exits 0, leaving the WAL', async () => {
      const { dir, path, host } = configWithOldCheckpoints({ mode: 'delete' });
      const { code, stdout, stderr } = await run(cli, ['-cleanup-checkpoints', '-config', path], dir);
      expect([code, stderr]).toEqual([0, '']);
      expect(stdout).toBe('Cleanup done: 1 checkpoint files deleted.\n');
      expect(readdirSync(host)).toEqual(['current.wal']);
    });

    it('archives them into one Parquet file per cluster, then deletes them', async () => {
      const { dir, path, host } = configWithOldCheckpoints({ mode: 'archive', directory: './var/archive' });
      const { code, stdout } = await run(cli, ['-cleanup-checkpoints', '-config', path], dir);
      expect(code).toBe(0);
      expect(stdout).toMatch(/^Cleanup done: 1 checkpoint files archived to parquet \(.*var\/archive\/fritz\/\d+\.parquet\)\.\n$/);
      expect(readdirSync(host)).toEqual(['current.wal']);
      const [archive] = readdirSync(join(dir, 'var/archive/fritz'));
      const columns = await decodeParquetArchive(readFileSync(join(dir, 'var/archive/fritz', archive!)));
      // 8 series of 60 slots (cpu_load, mem_used, 4 x cpu_user, 2 x mem_bw); the 2 missing samples of cpu_load are no rows.
      expect(columns.count).toBe(8 * 60 - 2);
    });

    it('exits 1 with a clear message when the archive cannot be written, and deletes nothing', async () => {
      const { dir, path, host } = configWithOldCheckpoints({ mode: 'archive', directory: './archive-file' });
      writeFileSync(join(dir, 'archive-file'), 'not a directory');
      const { code, stderr } = await run(cli, ['-cleanup-checkpoints', '-config', path], dir);
      expect(code).toBe(1);
      expect(stderr).toContain('cleanup: cannot create an archive for cluster fritz');
      expect(stderr).toContain('checkpoint cleanup: 1 files or clusters could not be cleaned up (see the errors above); 0 files were handled');
      expect(existsSync(join(host, '1725620000.bin'))).toBe(true);
    });

    it('exits 1 naming the key when the checkpoint directory does not exist', async () => {
      const { dir, path } = writeTempConfig(testConfig({}, { checkpoints: { directory: './nowhere' } }));
      const { code, stderr } = await run(cli, ['-cleanup-checkpoints', '-config', path], dir);
      expect(code).toBe(1);
      expect(stderr).toContain('checkpoint cleanup: metric-store.checkpoints.directory "./nowhere" is not a directory');
    });
  });
});

describe('the start scripts of the three runtimes', () => {
  it.each([
    ['npm start --', ['npm', 'start', '--']],
    ['npx bun run start', ['npx', 'bun', 'run', 'start']],
    ['npx deno task start', ['npx', 'deno', 'task', 'start']],
  ])('%s passes the flags to the CLI', async (_name, command) => {
    // The scripts run in the project's directory: the checkpoint directory is named in full.
    const { dir, path } = configWithOldCheckpoints({ mode: 'delete' }, { absolute: true });
    const { code, stdout } = await run(command, ['-cleanup-checkpoints', '-config', path], ROOT);
    expect(code).toBe(0);
    expect(stdout).toContain('Cleanup done: 1 checkpoint files deleted.\n');
    expect(readdirSync(join(dir, 'var/checkpoints/fritz/f0201'))).toEqual(['current.wal']);
  });
});
