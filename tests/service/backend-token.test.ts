import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readTextFile } from '../../src/runtime/index.ts';
import { resolveBackendToken } from '../../src/service/backend-token.ts';

const dir = mkdtempSync(join(tmpdir(), 'ccms-token-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const noEnv = () => undefined;
const env = (vars: Record<string, string>) => (name: string) => vars[name];
const none = { backendToken: '', backendTokenFile: '' };

describe('the token sent to cc-backend', () => {
  it('comes from main.backend-token first', async () => {
    const token = await resolveBackendToken({ ...none, backendToken: 'from-config' }, env({ CC_BACKEND_TOKEN: 'from-env' }), readTextFile);
    expect(token).toEqual({ token: 'from-config', source: 'main.backend-token' });
  });

  it('else from main.backend-token-file, without the trailing newline', async () => {
    const file = join(dir, 'backend.jwt');
    writeFileSync(file, 'eyJ.from.file\n');
    const token = await resolveBackendToken({ ...none, backendTokenFile: file }, env({ CC_BACKEND_TOKEN: 'from-env' }), readTextFile);
    expect(token).toEqual({ token: 'eyJ.from.file', source: `main.backend-token-file (${file})` });
  });

  it('else from CC_BACKEND_TOKEN; none at all is null', async () => {
    expect(await resolveBackendToken(none, env({ CC_BACKEND_TOKEN: ' eyJ.env \n' }), readTextFile)).toEqual({
      token: 'eyJ.env',
      source: 'the environment variable CC_BACKEND_TOKEN',
    });
    expect(await resolveBackendToken(none, env({ CC_BACKEND_TOKEN: '' }), readTextFile)).toBeNull();
    expect(await resolveBackendToken(none, noEnv, readTextFile)).toBeNull();
  });

  it('refuses a token file that is missing or empty, naming the key', async () => {
    const missing = join(dir, 'nope.jwt');
    await expect(resolveBackendToken({ ...none, backendTokenFile: missing }, noEnv, readTextFile)).rejects.toThrow(
      `main.backend-token-file: no such file: ${missing}`,
    );
    const empty = join(dir, 'empty.jwt');
    writeFileSync(empty, '\n');
    await expect(resolveBackendToken({ ...none, backendTokenFile: empty }, noEnv, readTextFile)).rejects.toThrow(
      `main.backend-token-file: ${empty} is empty`,
    );
  });
});
