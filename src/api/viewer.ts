// The checkpoint viewer (build/viewer/, see README "Viewer") at /viewer/. It is
// a static page that decodes files in the browser, so it needs no API access
// and no token.

import type { Hono } from 'hono';
import { viewerAsset } from '../viewer/assets.ts';
import type { AppEnv } from './routes/context.ts';

/** Reads a built viewer file; null when it does not exist. */
export type ViewerFileReader = (file: URL) => Promise<Uint8Array | null>;

export function mountViewer(app: Hono<AppEnv>, readFile: ViewerFileReader): void {
  app.get('/viewer', (c) => c.redirect('/viewer/', 301));
  app.get('/viewer/:file{.*}', async (c) => {
    const asset = viewerAsset(c.req.param('file'));
    if (!asset) return c.notFound();
    const bytes = await readFile(asset.file);
    if (!bytes) throw new Error(`the viewer is not built (${asset.file.pathname} is missing): run npm run build:viewer`);
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, { 'content-type': asset.contentType });
  });
}
