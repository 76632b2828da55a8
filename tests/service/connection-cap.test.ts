import { describe, expect, it } from 'vitest';
import { parseFileLimit, readFileLimit } from '../../src/runtime/file-limit.ts';
import { FILES_FOR_THE_REST, connectionCap } from '../../src/service/connection-cap.ts';

describe('the connection cap', () => {
  it('is main.max-connections when the file limit leaves room for it', () => {
    const cap = connectionCap(10_000, { soft: 1 << 20, hard: 1 << 20, raised: false, before: 1 << 20 });
    expect(cap.cap).toBe(10_000);
    expect(cap.message).toMatch(/^HTTP connections: at most 10000 at once \(main.max-connections = 10000; open-file limit 1048576, \d+ kept/);
    expect(cap.warning).toBeUndefined();
  });

  it('stays below the file limit minus the WAL files and the rest, and says so', () => {
    const cap = connectionCap(10_000, { soft: 4096, hard: 4096, raised: true, before: 1024 });
    expect(cap.cap).toBe(4096 - FILES_FOR_THE_REST);
    expect(cap.message).toContain('lowered to fit the open-file limit 4096, raised from 1024');
    expect(cap.warning).toMatch(/allows only \d+ of main.max-connections = 10000/);
  });

  it('is the configured one where the file limit is unknown', () => {
    expect(connectionCap(500, null)).toMatchObject({ cap: 500, message: expect.stringContaining('open-file limit unknown') });
  });
});

describe('the open-file limit', () => {
  it('is read from /proc/self/limits', () => {
    const text = 'Limit                     Soft Limit           Hard Limit           Units     \nMax open files            1024                 524288               files     \n';
    expect(parseFileLimit(text)).toEqual({ soft: 1024, hard: 524288 });
    expect(parseFileLimit('Max open files            unlimited            unlimited            files')).toEqual({ soft: Infinity, hard: Infinity });
    expect(parseFileLimit('nothing')).toBeNull();
  });

  it.runIf(process.platform === 'linux')('of this process is known on Linux, soft at most hard', () => {
    const limit = readFileLimit();
    expect(limit).not.toBeNull();
    expect(limit!.soft).toBeLessThanOrEqual(limit!.hard);
  });
});
