// The built viewer page (npm run build:viewer -> build/viewer/) as the service serves it
// at /viewer/. Only these names are served, so a request path can never leave the folder.

export interface ViewerAsset {
  /** Where the built file is: build/viewer/<name>. */
  file: URL;
  contentType: string;
}

const CONTENT_TYPES = new Map([
  ['index.html', 'text/html; charset=utf-8'],
  ['viewer.js', 'text/javascript; charset=utf-8'],
  ['viewer.css', 'text/css; charset=utf-8'],
  ['decoders.mjs', 'text/javascript; charset=utf-8'],
]);

/** build/viewer/, the same from src/viewer/ (Bun, Deno) and dist/viewer/ (Node). */
export const VIEWER_DIR = new URL('../../build/viewer/', import.meta.url);

/** The names of the built files, for a service that wants to list or preload them. */
export const VIEWER_FILES = [...CONTENT_TYPES.keys()];

/**
 * The file for a path below /viewer/ ("" or "index.html" -> the page), or null for
 * anything else, which the service answers with 404.
 */
export function viewerAsset(pathBelowViewer: string): ViewerAsset | null {
  const name = pathBelowViewer.replace(/^\/+/, '') || 'index.html';
  const contentType = CONTENT_TYPES.get(name);
  if (contentType === undefined) return null;
  return { file: new URL(name, VIEWER_DIR), contentType };
}
