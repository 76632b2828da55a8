// Reading one JSON object of config.json with the reference's strictness:
// unknown keys are errors (Go's DisallowUnknownFields), types are checked
// like its JSON schemas, and every message names the file and the field path.

import { parseByteSize } from './byte-size.ts';
import { parseDuration } from './duration.ts';

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    readonly reason: string,
  ) {
    super(field ? `${file}: ${field}: ${reason}` : `${file}: ${reason}`);
    this.name = 'ConfigError';
  }
}

export class ObjectReader {
  private readonly obj: Record<string, unknown>;

  /** Checks that `value` is an object whose keys are all in `known` (any key when `known` is null). */
  constructor(
    readonly file: string,
    readonly path: string,
    value: unknown,
    known: readonly string[] | null,
  ) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ConfigError(file, path, `expected an object, got ${describe(value)}`);
    }
    this.obj = value as Record<string, unknown>;
    if (known === null) return;
    for (const key of Object.keys(this.obj)) {
      if (!known.includes(key)) {
        throw new ConfigError(file, this.field(key), `unknown key (known keys here: ${known.join(', ')})`);
      }
    }
  }

  field(key: string): string {
    return this.path ? `${this.path}.${key}` : key;
  }

  fail(key: string, reason: string): never {
    throw new ConfigError(this.file, this.field(key), reason);
  }

  has(key: string): boolean {
    return this.obj[key] !== undefined;
  }

  raw(key: string): unknown {
    return this.obj[key];
  }

  keys(): string[] {
    return Object.keys(this.obj);
  }

  require(key: string): void {
    if (!this.has(key)) this.fail(key, 'is required');
  }

  string(key: string, fallback: string): string {
    const v = this.obj[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'string') this.fail(key, `expected a string, got ${describe(v)}`);
    return v;
  }

  boolean(key: string, fallback: boolean): boolean {
    const v = this.obj[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') this.fail(key, `expected true or false, got ${describe(v)}`);
    return v;
  }

  integer(key: string, fallback: number, min = Number.MIN_SAFE_INTEGER): number {
    const v = this.obj[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) this.fail(key, `expected an integer, got ${describe(v)}`);
    if (v < min) this.fail(key, `must be at least ${min}, got ${v}`);
    return v;
  }

  /** A finite number (fractions allowed), at least `min`. */
  number(key: string, fallback: number, min = -Number.MAX_VALUE): number {
    const v = this.obj[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(key, `expected a number, got ${describe(v)}`);
    if (v < min) this.fail(key, `must be at least ${min}, got ${v}`);
    return v;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const v = this.obj[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
      this.fail(key, `expected one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${describe(v)}`);
    }
    return v as T;
  }

  /** Seconds of a Go duration string such as "48h", "12h30m" or "1.5h"; must be positive. */
  duration(key: string, fallback: number): number {
    const v = this.obj[key];
    if (v === undefined) return fallback;
    const seconds = typeof v === 'string' ? parseDuration(v) : null;
    if (seconds === null) this.fail(key, `expected a duration string like "48h", got ${describe(v)}`);
    if (seconds <= 0) this.fail(key, `must be a positive duration, got ${describe(v)}`);
    return seconds;
  }

  /** Bytes: a whole number or a string like "256MiB". */
  byteSize(key: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const v = this.obj[key];
    if (v === undefined) return fallback;
    const bytes = parseByteSize(v);
    if (bytes === null) this.fail(key, `expected a number of bytes or a size like "256MiB", got ${describe(v)}`);
    if (bytes < min || bytes > max) this.fail(key, `must be between ${min} and ${max} bytes, got ${bytes}`);
    return bytes;
  }

  object(key: string, known: readonly string[] | null): ObjectReader | null {
    const v = this.obj[key];
    return v === undefined ? null : new ObjectReader(this.file, this.field(key), v, known);
  }

  array(key: string): unknown[] | null {
    const v = this.obj[key];
    if (v === undefined) return null;
    if (!Array.isArray(v)) this.fail(key, `expected an array, got ${describe(v)}`);
    return v;
  }
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value);
  return `${typeof value} ${String(value)}`;
}
