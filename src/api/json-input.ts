// Decoding the small JSON bodies of query, free and healthcheck with the
// leniency of Go's encoding/json in the reference: keys match field names
// case-insensitively, unknown fields are ignored (unless the route forbids
// them), null leaves the default in place, and a value of the wrong type is a
// 400 that names the field.

import { badRequest } from './errors.ts';

export const utf8 = new TextDecoder();

/** Parses a JSON body; `what` describes the expected document in the error. */
export function parseJsonBody(body: Uint8Array, what: string): unknown {
  return parseJsonText(body.byteLength === 0 ? '' : utf8.decode(body), what);
}

/** parseJsonBody of a body already decoded (an empty one is ''). */
export function parseJsonText(text: string, what: string): unknown {
  if (text.length === 0) throw badRequest(`empty request body: expected ${what}`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw badRequest(`request body is not valid JSON (expected ${what}): ${(e as Error).message}`);
  }
}

export type JsonObject = Record<string, unknown>;

export function expectObject(value: unknown, path: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw wrongType(path, 'an object', value);
  }
  return value as JsonObject;
}

/**
 * The members of a JSON object under the names in `fields`, matched like Go's
 * encoding/json matches keys to struct tags: exactly or case-insensitively, so
 * `"From"` sets `from` as it does on the reference. Keys that match no field are
 * kept as they are (for rejectUnknownFields). Members count in document order,
 * a later one winning, except that null never clears a value set before it (null
 * leaves a Go field as it is).
 */
export function expectFields(value: unknown, path: string, fields: readonly string[]): JsonObject {
  const obj = expectObject(value, path);
  const out: JsonObject = Object.create(null);
  for (const key in obj) {
    if (!Object.hasOwn(obj, key)) continue;
    const member = obj[key];
    // Our field names are lower-case ASCII, so a key spelled as one needs no folding (the common case).
    const name = fields.includes(key) ? key : (fields.find((field) => field === foldKey(key)) ?? key);
    if (member !== null || !(name in out)) out[name] = member;
  }
  return out;
}

/**
 * A key folded for comparison with our field names (lower-case ASCII), with the
 * result of Go's bytes.EqualFold: ASCII letters in either case, and the two other
 * runes that fold to ASCII letters, the Kelvin sign U+212A (toLowerCase gives k)
 * and the long s U+017F (s).
 */
function foldKey(key: string): string {
  return key.toLowerCase().replaceAll('\u017f', 's');
}

/** `obj[key]` when it passes `accepts`, null when absent or null, else a 400 naming the field. */
function optional<T>(obj: JsonObject, key: string, path: string, expected: string, accepts: (v: unknown) => boolean): T | null {
  const v = obj[key];
  if (v === undefined || v === null) return null;
  if (!accepts(v)) throw wrongType(join(path, key), expected, v);
  return v as T;
}

export const optionalString = (obj: JsonObject, key: string, path: string) =>
  optional<string>(obj, key, path, 'a string', (v) => typeof v === 'string');

export const optionalBoolean = (obj: JsonObject, key: string, path: string) =>
  optional<boolean>(obj, key, path, 'true or false', (v) => typeof v === 'boolean');

export const optionalNumber = (obj: JsonObject, key: string, path: string) =>
  optional<number>(obj, key, path, 'a number', (v) => typeof v === 'number');

export const optionalInteger = (obj: JsonObject, key: string, path: string) =>
  optional<number>(obj, key, path, 'an integer', (v) => Number.isSafeInteger(v));

export const optionalArray = (obj: JsonObject, key: string, path: string) =>
  optional<unknown[]>(obj, key, path, 'an array', Array.isArray);

export function optionalStringArray(obj: JsonObject, key: string, path: string): string[] | null {
  const list = optionalArray(obj, key, path);
  if (list) expectStrings(list, join(path, key));
  return list as string[] | null;
}

export function expectStrings(list: unknown[], path: string): asserts list is string[] {
  list.forEach((item, i) => {
    if (typeof item !== 'string') throw wrongType(`${path}[${i}]`, 'a string', item);
  });
}

export function rejectUnknownFields(obj: JsonObject, known: readonly string[], path: string): void {
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) throw badRequest(`unknown field "${join(path, key)}" (known: ${known.join(', ')})`);
  }
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function wrongType(path: string, expected: string, value: unknown) {
  const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'string' ? `"${value}"` : typeof value === 'object' ? 'an object' : String(value);
  return badRequest(`${path || 'request body'}: expected ${expected}, got ${got}`);
}
