// The command line on Node, Bun and Deno: flags, version, configuration errors.

import { describe, expect, it } from 'vitest';
import { RUNTIMES, cliCommand } from './support/runtimes.ts';
import { run, testConfig, writeTempConfig } from './support/server-process.ts';

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
});
