// Decoding the small JSON bodies of query, free and healthcheck with the
// leniency of Go's encoding/json in the reference: unknown fields are ignored
// (unless the route forbids them), null leaves the default in place, and a value
// of the wrong type is a 400 that names the field.

import { badRequest } from './errors.ts';

const utf8 = new TextDecoder();

/** Parses a JSON body; `what` describes the expected document in the error. */
export function parseJsonBody(body: Uint8Array, what: string): unknown {
  if (body.byteLength === 0) throw badRequest(`empty request body: expected ${what}`);
  try {
    return JSON.parse(utf8.decode(body));
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

export function optionalString(obj: JsonObject, key: string, path: string): string | null {
  const v = obj[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw wrongType(join(path, key), 'a string', v);
  return v;
}

export function optionalBoolean(obj: JsonObject, key: string, path: string): boolean | null {
  const v = obj[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'boolean') throw wrongType(join(path, key), 'true or false', v);
  return v;
}

export function optionalNumber(obj: JsonObject, key: string, path: string): number | null {
  const v = obj[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number') throw wrongType(join(path, key), 'a number', v);
  return v;
}

export function optionalInteger(obj: JsonObject, key: string, path: string): number | null {
  const v = obj[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw wrongType(join(path, key), 'an integer', v);
  return v;
}

export function optionalArray(obj: JsonObject, key: string, path: string): unknown[] | null {
  const v = obj[key];
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v)) throw wrongType(join(path, key), 'an array', v);
  return v;
}

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
