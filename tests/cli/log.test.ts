import { describe, expect, it } from 'vitest';
import { type LoggerOptions, createLogger, parseLogFormat } from '../../src/log.ts';

function capture(options: LoggerOptions) {
  const lines: string[] = [];
  const log = createLogger({ ...options, write: (line) => lines.push(line) });
  return { log, lines };
}

const AT = new Date('2025-03-04T05:06:07.089Z');

describe('log lines', () => {
  it('text: the reference systemd prefixes, fields as key=value after the message', () => {
    const { log, lines } = capture({ level: 'debug' });
    log.debug('d');
    log.info('listening', { port: 8082, tls: false });
    log.warn('w', { host: 'f01 01' });
    log.error('e');
    log.crit('c');
    expect(lines).toEqual([
      '<7>[DEBUG]    d',
      '<6>[INFO]     listening port=8082 tls=false',
      '<4>[WARNING]  w host="f01 01"',
      '<3>[ERROR]    e',
      '<2>[CRITICAL] c',
    ]);
  });

  it('json: one object per line with time, level and message, then the fields', () => {
    const { log, lines } = capture({ level: 'debug', format: 'json', now: () => AT });
    log.info('listening at 127.0.0.1:8082...', { port: 8082 });
    log.warn('w');
    log.error('first line\nsecond line "quoted"');
    log.crit('c', { message: 'cannot replace the message', level: 'nor the level', n: null });
    log.debug('d');
    expect(lines.every((l) => !l.includes('\n'))).toBe(true);
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { time: '2025-03-04T05:06:07.089Z', level: 'info', message: 'listening at 127.0.0.1:8082...', port: 8082 },
      { time: '2025-03-04T05:06:07.089Z', level: 'warning', message: 'w' },
      { time: '2025-03-04T05:06:07.089Z', level: 'error', message: 'first line\nsecond line "quoted"' },
      { time: '2025-03-04T05:06:07.089Z', level: 'critical', message: 'c', n: null },
      { time: '2025-03-04T05:06:07.089Z', level: 'debug', message: 'd' },
    ]);
    // time, level and message come first, so a human reading the raw lines sees them at once.
    expect(lines[0]).toMatch(/^\{"time":"[^"]+","level":"info","message":/);
  });

  it('json honours the level like text does, and ignores -logdate', () => {
    const { log, lines } = capture({ level: 'warn', format: 'json', date: true, now: () => AT });
    log.info('hidden');
    log.warn('shown');
    expect(lines).toEqual(['{"time":"2025-03-04T05:06:07.089Z","level":"warning","message":"shown"}']);
  });

  it('knows the two formats', () => {
    expect([parseLogFormat('text'), parseLogFormat('json'), parseLogFormat('JSON'), parseLogFormat('')]).toEqual(['text', 'json', null, null]);
  });
});
