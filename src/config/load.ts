// Finding and reading config.json. Runtime-neutral: the caller passes the
// function that reads a file (null when it does not exist).

import { DEFAULT_CONFIG_SOURCE, defaultConfig } from './default-config.ts';
import { ConfigError } from './fields.ts';
import type { ServiceConfig } from './types.ts';
import { SECTIONS, validateConfig } from './validate.ts';

export const DEFAULT_CONFIG_PATH = './config.json';

export type ReadTextFile = (path: string) => Promise<string | null>;

export interface LoadConfigOptions {
  /** The -config flag; undefined when it was not given. */
  path?: string;
  readTextFile: ReadTextFile;
}

/**
 * Loads the file named by -config, or ./config.json, or, when no flag was given
 * and ./config.json does not exist, the embedded default.
 */
export async function loadConfig({ path, readTextFile }: LoadConfigOptions): Promise<ServiceConfig> {
  const file = path ?? DEFAULT_CONFIG_PATH;
  const text = await readTextFile(file);
  if (text === null) {
    if (path !== undefined) throw new ConfigError(file, '', 'no such file');
    return validateConfig(defaultConfig, DEFAULT_CONFIG_SOURCE);
  }
  const raw = parseJson(text, file);
  return validateConfig(await resolveFileReferences(raw, file, readTextFile), file);
}

/**
 * Like the reference (cc-lib ccConfig), a top-level `<section>-file` key names a
 * JSON file (relative to the working directory) that holds that section.
 */
async function resolveFileReferences(raw: unknown, file: string, readTextFile: ReadTextFile): Promise<unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const resolved: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const section = key.endsWith('-file') ? key.slice(0, -'-file'.length) : null;
    if (section === null || !(SECTIONS as readonly string[]).includes(section)) {
      resolved[key] = value;
      continue;
    }
    if (section in raw) throw new ConfigError(file, key, `conflicts with the "${section}" section in the same file`);
    if (typeof value !== 'string') throw new ConfigError(file, key, 'expected the path of a JSON file');
    const text = await readTextFile(value);
    if (text === null) throw new ConfigError(file, key, `no such file: ${value}`);
    resolved[section] = parseJson(text, value);
  }
  return resolved;
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ConfigError(file, '', `not valid JSON: ${describeJsonError(e as Error, text)}`);
  }
}

/** Adds line and column to engines' "... at position N" messages. */
function describeJsonError(error: Error, text: string): string {
  const position = /at position (\d+)/.exec(error.message);
  if (!position || /line \d+/.test(error.message)) return error.message;
  const before = text.slice(0, Number(position[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `${error.message} (line ${line}, column ${column})`;
}
