import { describe, expect, it } from 'vitest';
import { FlagError, parseFlags, usage } from '../../src/cli/flags.ts';

describe('command-line flags, Go style', () => {
  it('has the reference defaults', () => {
    expect(parseFlags([])).toEqual({ config: undefined, dev: false, cleanupCheckpoints: false, loglevel: 'warn', logdate: false, logformat: 'text', version: false, help: false });
  });

  it.each([
    [['-config', 'a.json'], { config: 'a.json' }],
    [['-config=a.json'], { config: 'a.json' }],
    [['--config', 'a.json'], { config: 'a.json' }],
    [['-dev', '-logdate', '-loglevel', 'debug'], { dev: true, logdate: true, loglevel: 'debug' }],
    [['-dev=false'], { dev: false }],
    [['-dev=true', '-version'], { dev: true, version: true }],
    [['-h'], { help: true }],
    [['--help'], { help: true }],
    [['-dev', '--'], { dev: true }],
    [['-cleanup-checkpoints', '-config', 'a.json'], { cleanupCheckpoints: true, config: 'a.json' }],
    [['--cleanup-checkpoints=false'], { cleanupCheckpoints: false }],
    [['-logformat', 'json'], { logformat: 'json' }],
    [['-logformat=text'], { logformat: 'text' }],
  ])('%j', (args, expected) => {
    expect(parseFlags(args)).toMatchObject(expected);
  });

  it.each([
    [['-bogus'], 'flag provided but not defined: -bogus'],
    [['-config'], 'flag needs an argument: -config'],
    [['-dev=maybe'], 'invalid boolean value "maybe" for -dev'],
    [['stray'], 'unexpected argument: stray'],
    [['-cleanupCheckpoints'], 'flag provided but not defined: -cleanupCheckpoints'],
    [['-dev', '--', 'stray'], 'unexpected argument: stray'],
    [['-logformat'], 'flag needs an argument: -logformat'],
  ])('refuses %j', (args, message) => {
    expect(() => parseFlags(args)).toThrow(new FlagError(message));
  });

  it('lists every flag in the usage text', () => {
    const text = usage('cc-metric-store');
    for (const flag of ['-cleanup-checkpoints', '-config', '-dev', '-logdate', '-logformat', '-loglevel', '-version']) expect(text).toContain(`  ${flag}`);
  });
});
