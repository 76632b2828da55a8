// (ours) The JWT the node provider sends to cc-backend. It may sit in
// config.json (main.backend-token), in a file of its own
// (main.backend-token-file, e.g. a systemd credential or a Docker secret) or
// in the environment (CC_BACKEND_TOKEN), so config.json can stay readable
// without handing out the token.

import type { MainConfig } from '../config/types.ts';
import type { ReadTextFile } from '../config/load.ts';

export const BACKEND_TOKEN_ENV = 'CC_BACKEND_TOKEN';

export interface BackendToken {
  token: string;
  /** Where it came from, for the start-up log (never the token itself). */
  source: string;
}

/**
 * The first of main.backend-token, main.backend-token-file and CC_BACKEND_TOKEN
 * that is set; null when none is. A token file that is missing or empty is an
 * error: the admin meant to give one.
 */
export async function resolveBackendToken(
  main: Pick<MainConfig, 'backendToken' | 'backendTokenFile'>,
  env: (name: string) => string | undefined,
  readTextFile: ReadTextFile,
): Promise<BackendToken | null> {
  if (main.backendToken !== '') return { token: main.backendToken, source: 'main.backend-token' };
  if (main.backendTokenFile !== '') {
    const text = await readTextFile(main.backendTokenFile);
    if (text === null) throw new Error(`main.backend-token-file: no such file: ${main.backendTokenFile}`);
    const token = text.trim();
    if (token === '') throw new Error(`main.backend-token-file: ${main.backendTokenFile} is empty`);
    return { token, source: `main.backend-token-file (${main.backendTokenFile})` };
  }
  const fromEnv = env(BACKEND_TOKEN_ENV)?.trim();
  return fromEnv ? { token: fromEnv, source: `the environment variable ${BACKEND_TOKEN_ENV}` } : null;
}
