// Swagger UI for -dev at /swagger/, served from the swagger-ui-dist package on
// disk (no CDN: it works offline), pointed at our OpenAPI document.

import type { Hono } from 'hono';
import { openApiDocument } from './openapi.ts';
import type { AppEnv } from './routes/context.ts';

/** Reads one file of swagger-ui-dist; null when it does not exist. */
export type SwaggerAssetReader = (name: string) => Promise<Uint8Array | null>;

const ASSETS: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'index.css': 'text/css; charset=utf-8',
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-16x16.png': 'image/png',
  'favicon-32x32.png': 'image/png',
  'oauth2-redirect.html': 'text/html; charset=utf-8',
  'oauth2-redirect.js': 'text/javascript; charset=utf-8',
};

// Replaces the package's initializer, which points at the petstore demo.
const INITIALIZER = `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: './doc.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: 'StandaloneLayout',
  });
};
`;

export function mountSwagger(app: Hono<AppEnv>, readAsset: SwaggerAssetReader): void {
  const cache = new Map<string, Uint8Array>();
  const doc = JSON.stringify(openApiDocument, null, 2);

  app.get('/swagger', (c) => c.redirect('/swagger/', 301));
  app.get('/swagger/doc.json', (c) => c.body(doc, 200, { 'content-type': 'application/json' }));
  app.get('/swagger/swagger-initializer.js', (c) =>
    c.body(INITIALIZER, 200, { 'content-type': 'text/javascript; charset=utf-8' }),
  );
  app.get('/swagger/:file{.*}', async (c) => {
    const name = c.req.param('file') || 'index.html';
    const type = ASSETS[name];
    if (!type) return c.notFound();
    let bytes = cache.get(name);
    if (!bytes) {
      const read = await readAsset(name);
      if (!read) throw new Error(`swagger-ui-dist has no ${name}`);
      cache.set(name, (bytes = read));
    }
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, { 'content-type': type, 'cache-control': 'max-age=3600' });
  });
}
