import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/config/duration.ts';
import { parseByteSize } from '../../src/config/byte-size.ts';

describe('Go durations', () => {
  it.each([
    ['48h', 172800],
    ['12h30m', 45000],
    ['90s', 90],
    ['1.5h', 5400],
    ['500ms', 0.5],
    ['1h0m0s', 3600],
    ['.5m', 30],
    ['0', 0],
    ['-2m', -120],
    ['100us', 0.0001],
    ['100µs', 0.0001],
  ])('%s is %d s', (text, seconds) => {
    expect(parseDuration(text)).toBeCloseTo(seconds, 9);
  });

  it.each(['', '48', 'h', '48 h', '48hours', '1d', '1h-2m', '--1h', '1..5h'])('"%s" is not a duration', (text) => {
    expect(parseDuration(text)).toBeNull();
  });
});

describe('byte sizes', () => {
  it.each([
    [1024, 1024],
    ['256MiB', 256 * 1024 ** 2],
    ['1GiB', 1024 ** 3],
    ['64M', 64 * 1024 ** 2],
    ['512MB', 512e6],
    ['100', 100],
    ['1.5k', 1536],
  ])('%s is %d bytes', (value, bytes) => {
    expect(parseByteSize(value)).toBe(bytes);
  });

  it.each([-1, 1.5, '12 parsecs', 'MiB', true, null])('%s is not a size', (value) => {
    expect(parseByteSize(value)).toBeNull();
  });
});
