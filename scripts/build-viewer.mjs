// Bundles the viewer page into build/viewer/: index.html, one classic script with the
// decoding worker inside it, one stylesheet with uPlot's. No ES modules and no fetches,
// so the page opens from file:// as well as from the store's /viewer/. Beside it,
// decoders.mjs: the decoding library (src/viewer/index.ts) as one ES module for other pages.
import { build } from 'esbuild';
import { mkdir, readFile, writeFile, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = new URL('../', import.meta.url);
const at = (path) => fileURLToPath(new URL(path, root));

export async function buildViewer({ outdir = at('build/viewer/'), minify = true } = {}) {
  const common = { bundle: true, format: 'iife', platform: 'browser', target: 'es2022', minify, legalComments: 'none', logLevel: 'warning' };
  const worker = await build({ ...common, entryPoints: [at('src/viewer/worker.ts')], write: false });
  await mkdir(outdir, { recursive: true });
  await build({
    ...common,
    entryPoints: [at('src/viewer/app.ts')],
    outfile: join(outdir, 'viewer.js'),
    define: { __VIEWER_WORKER__: JSON.stringify(worker.outputFiles[0].text) },
  });
  await build({ ...common, format: 'esm', entryPoints: [at('src/viewer/index.ts')], outfile: join(outdir, 'decoders.mjs') });
  const css = [await readFile(at('node_modules/uplot/dist/uPlot.min.css'), 'utf8'), await readFile(at('viewer/viewer.css'), 'utf8')];
  await writeFile(join(outdir, 'viewer.css'), css.join('\n'));
  await copyFile(at('viewer/index.html'), join(outdir, 'index.html'));
  return outdir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outdir = await buildViewer();
  console.log(`viewer built in ${outdir}`);
}
