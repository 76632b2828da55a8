import { describe, expect, it } from 'vitest';
import { API_ROUTES, createApp } from '../../src/api/app.ts';
import { swaggerAssetReader } from '../../src/runtime/index.ts';
import { call, json } from '../support/app-client.ts';
import { createTestStore } from '../support/test-store.ts';

const devApp = () => createApp({ store: createTestStore(), dev: { readSwaggerAsset: swaggerAssetReader() } });

describe('Swagger UI (-dev)', () => {
  it('serves the UI at /swagger/ from local files, without any remote script or stylesheet', async () => {
    const res = await call(devApp(), '/swagger/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('swagger-ui-bundle.js');
    const references = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(references.length).toBeGreaterThan(3);
    for (const ref of references) expect(ref).not.toMatch(/^(https?:)?\/\//);
  });

  it('serves every file the page loads', async () => {
    const app = devApp();
    const html = await (await call(app, '/swagger/')).text();
    for (const [, ref] of html.matchAll(/(?:src|href)="\.\/([^"]+)"/g)) {
      const res = await call(app, `/swagger/${ref}`);
      expect(res.status, ref).toBe(200);
      expect((await res.arrayBuffer()).byteLength, ref).toBeGreaterThan(0);
    }
  });

  it('points the UI at our document instead of the petstore demo', async () => {
    const js = await (await call(devApp(), '/swagger/swagger-initializer.js')).text();
    expect(js).toContain("url: './doc.json'");
    expect(js).not.toContain('petstore');
  });

  it('describes every endpoint with the methods it really serves', async () => {
    const doc = (await json(await call(devApp(), '/swagger/doc.json'))) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    const described = Object.entries(doc.paths).map(([path, ops]) => ({
      path: path.replace(/\/$/, ''),
      methods: Object.keys(ops).map((m) => m.toUpperCase()),
    }));
    expect(described).toEqual(API_ROUTES.map(({ path, methods }) => ({ path, methods: [...methods] })));
    for (const ops of Object.values(doc.paths)) {
      for (const op of Object.values(ops)) expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '400', '401']));
    }
  });

  it('redirects /swagger to /swagger/ and refuses files outside the UI', async () => {
    const app = devApp();
    const redirect = await call(app, '/swagger');
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe('/swagger/');
    expect((await call(app, '/swagger/package.json')).status).toBe(404);
    expect((await call(app, '/swagger/..%2Fpackage.json')).status).toBe(404);
  });

  it('is not there without -dev', async () => {
    const res = await call(createApp({ store: createTestStore() }), '/swagger/');
    expect(res.status).toBe(404);
  });
});
