import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.ts';
import { call } from '../support/app-client.ts';
import { createTestStore } from '../support/test-store.ts';

const files = new Map([
  ['index.html', '<!doctype html><title>viewer</title>'],
  ['viewer.js', 'console.log(1)'],
]);
const readFile = async (file: URL) => {
  const text = files.get(file.pathname.split('/').pop()!);
  return text === undefined ? null : new TextEncoder().encode(text);
};

describe('/viewer/', () => {
  it('serves the page and its script with their content types, without a token', async () => {
    const app = createApp({ store: createTestStore(), viewer: { readFile }, auth: { check: async () => 'no token' } });
    const page = await call(app, '/viewer/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('<title>viewer</title>');
    const script = await call(app, '/viewer/viewer.js');
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  });

  it('redirects /viewer to /viewer/ so relative asset URLs resolve', async () => {
    const res = await call(createApp({ store: createTestStore(), viewer: { readFile } }), '/viewer');
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('/viewer/');
  });

  it('answers 404 for names that are not viewer files, so no path leaves the folder', async () => {
    const app = createApp({ store: createTestStore(), viewer: { readFile } });
    for (const path of ['/viewer/../package.json', '/viewer/%2e%2e/package.json', '/viewer/secret.txt']) {
      expect((await call(app, path)).status).toBe(404);
    }
  });
});
