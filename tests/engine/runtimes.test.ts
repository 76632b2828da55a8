// The engine loads from bytes on Node, Bun, Deno and in a browser (no Node
// APIs inside src/engine): the same small check in each.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const check = fileURLToPath(new URL('./fixtures/runtime-check.ts', import.meta.url));
const bin = (name: string) => `${root}node_modules/.bin/${name}`;
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);

const want = {
  accepted: 2,
  wal: [2],
  answer: { results: [[{ data: [0.1, 2], from: 1000, to: 1120, resolution: 60, avg: 1.05, min: 0.1, max: 2 }]] },
};

function run(cmd: string, args: string[]): unknown {
  const out = execFileSync(cmd, args, { cwd: root, encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

describe('runtimes', () => {
  it.skipIf(!existsSync(bin('bun')))('loads and answers on Bun', () => {
    expect(run(bin('bun'), [check])).toEqual(want);
  });

  it.skipIf(!existsSync(bin('deno')))('loads and answers on Deno', () => {
    expect(run(bin('deno'), ['run', '--quiet', '--allow-read', check])).toEqual(want);
  });

  it.skipIf(!CHROMIUM)('loads and answers in a browser', async () => {
    const { build } = await import('esbuild');
    const bundle = await build({
      entryPoints: [`${root}src/engine/index.ts`], bundle: true, write: false, format: 'iife', globalName: 'Engine', platform: 'browser',
    });
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      await page.addScriptTag({ content: bundle.outputFiles[0].text });
      const wasm = readFileSync(`${root}build/engine.wasm`).toString('base64');
      const got = await page.evaluate(async (b64) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const { Store } = (globalThis as any).Engine;
        const store = await Store.create(bytes, { metrics: { cpu_load: { frequency: 60, aggregation: null } }, shards: 2, wal: true });
        const r = store.ingest(new TextEncoder().encode('cpu_load,cluster=c,hostname=h value=0.1 1000\ncpu_load,cluster=c,hostname=h value=2 1060\n'), 'c', 2000);
        const answer = new TextDecoder().decode(store.query({ cluster: 'c', from: 1000, to: 2000, queries: [{ metric: 'cpu_load', host: 'h' }] }));
        return { accepted: r.accepted, wal: r.wal.map((w: { count: number }) => w.count), answer: JSON.parse(answer) };
      }, wasm);
      expect(got).toEqual(want);
    } finally {
      await browser.close();
    }
  });
});

describe('Node loader', () => {
  it('reads build/engine.wasm and creates a store', async () => {
    const { createStore } = await import('../../src/runtime/engine-wasm.ts');
    const store = await createStore({ metrics: { cpu_load: { frequency: 60, aggregation: null } } });
    expect(store.ingest(new TextEncoder().encode('cpu_load,cluster=c,hostname=h value=1 1000\n'), 'c', 2000).accepted).toBe(1);
  });
});
