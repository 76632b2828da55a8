// A minimal write server for the crash test, run as a child process (bundled by
// esbuild): POST /api/write?cluster=C goes through Persistence.ingest and is
// answered 200 only after the WAL append; GET /dump?cluster=C&host=H returns
// every sample the store holds for that host. Usage:
//   node crash-server.mjs <checkpoint dir> <fake|engine> <repo root>
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Store } from '../../src/engine/index.ts';
import type { MetricStore, StoreOptions } from '../../src/engine/types.ts';
import { openPersistence, walStoreSettings } from '../../src/persist/index.ts';
import { forEachSeries } from '../../src/persist/format/checkpoint-file.ts';
import { FakeStore, TEST_METRICS } from './fake-store.ts';

const [dir, kind, repo] = process.argv.slice(2);

async function makeStore(opts: StoreOptions): Promise<MetricStore> {
  if (kind === 'fake') return new FakeStore(opts);
  // The bundle lives in test-output/, so the engine's own path to build/engine.wasm does not hold here.
  return Store.create(readFileSync(join(repo, 'build/engine.wasm')), opts);
}

const store = await makeStore({ metrics: TEST_METRICS, wal: true });
const quiet = { debug() {}, info() {}, warn: (m: string) => console.error(m), error: (m: string) => console.error(m) };
const settings = walStoreSettings(dir);
const persistence = openPersistence({ store, settings, log: quiet });
await persistence.restore();

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    if (req.method === 'POST' && url.pathname === '/api/write') {
      persistence.ingest(new Uint8Array(Buffer.concat(chunks)), url.searchParams.get('cluster') ?? '').then(
        (r) => {
          res.writeHead(r.error ? 400 : 200).end(r.error ? JSON.stringify(r.error) : '');
        },
        (err) => res.writeHead(500).end(String(err)),
      );
    } else if (url.pathname === '/dump') {
      const exp = store.exportHost(url.searchParams.get('cluster') ?? '', url.searchParams.get('host') ?? '', { unsavedOnly: false });
      const samples: Array<[string, string, number, number]> = [];
      if (exp) {
        for (const file of exp.files) {
          forEachSeries(file, (path, metric, s) => {
            s.values.forEach((v, i) => {
              if (!Number.isNaN(v)) samples.push([path.join('/'), metric, s.start + i * s.frequency, v]);
            });
          });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(samples));
    } else {
      res.writeHead(404).end();
    }
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`PORT ${(server.address() as AddressInfo).port}\n`);
});
