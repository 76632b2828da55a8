// The composition of the service in-process: extensions (where persistence and
// NATS plug in) start before the HTTP server and stop after it, and the write
// path an extension provides serves /api/write and the other extensions.

import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/validate.ts';
import { silentLogger } from '../../src/log.ts';
import type { ExtensionFactory } from '../../src/service/extensions.ts';
import { startService } from '../../src/service/start.ts';
import { createTestStore } from '../support/test-store.ts';

const config = validateConfig(
  { main: { addr: '127.0.0.1:0' }, metrics: {}, 'metric-store': { 'retention-in-memory': '1h', 'memory-cap': 0 } },
  'test',
);

function recordingExtension(name: string, events: string[]): ExtensionFactory {
  return () => ({
    service: {
      name,
      start: () => void events.push(`${name} start`),
      stop: () => void events.push(`${name} stop`),
    },
  });
}

describe('startService', () => {
  it('starts extensions in order before listening and stops them in reverse after the HTTP server', async () => {
    const events: string[] = [];
    const service = await startService({
      config,
      log: silentLogger,
      store: createTestStore(),
      extensions: [recordingExtension('persistence', events), recordingExtension('nats', events)],
    });
    expect(events).toEqual(['persistence start', 'nats start']);
    expect((await fetch(`${service.url}/api/debug?selector=x`)).status).toBe(400);

    await service.stop();
    expect(events).toEqual(['persistence start', 'nats start', 'nats stop', 'persistence stop']);
    await expect(fetch(`${service.url}/api/debug`)).rejects.toThrow();
  });

  it('answers a write only after the provided write path has finished, for HTTP and for other extensions', async () => {
    const seen: string[] = [];
    // An fs append takes a while.
    const slowAppend = () => new Promise((resolve) => setTimeout(resolve, 10));
    const wal: ExtensionFactory = ({ store }) => ({
      writePath: {
        ingest: async (body: Uint8Array, cluster: string) => {
          const result = store.ingest(body, cluster);
          await slowAppend();
          seen.push(`${cluster}:${result.accepted}`);
          return result;
        },
        openBatch: () => {
          const stored: string[] = [];
          return {
            ingest: (body: Uint8Array, cluster: string) => {
              const result = store.ingest(body, cluster);
              stored.push(`${cluster}:${result.accepted}`);
              return result;
            },
            commit: async () => {
              await slowAppend();
              seen.push(...stored);
            },
          };
        },
      },
    });
    const nats: ExtensionFactory = ({ writePath }) => ({
      service: {
        name: 'nats',
        start: async () => {
          const batch = writePath.openBatch();
          batch.ingest(new TextEncoder().encode('m value=1\nm value=2'), 'from-nats');
          batch.ingest(new TextEncoder().encode('m value=3'), 'from-nats');
          await batch.commit();
        },
        stop: () => {},
      },
    });
    const service = await startService({ config, log: silentLogger, store: createTestStore(), extensions: [wal, nats] });
    expect(seen).toEqual(['from-nats:2', 'from-nats:1']);

    const res = await fetch(`${service.url}/api/write?cluster=http`, { method: 'POST', body: 'm value=1' });
    expect(res.status).toBe(200);
    expect(seen).toEqual(['from-nats:2', 'from-nats:1', 'http:1']);
    await service.stop();
  });

  it('refuses two extensions that both provide the write path', async () => {
    const provider: ExtensionFactory = ({ store }) => ({
      writePath: {
        ingest: async (body, cluster) => store.ingest(body, cluster),
        openBatch: () => ({ ingest: (body, cluster) => store.ingest(body, cluster), commit: async () => {} }),
      },
    });
    await expect(startService({ config, log: silentLogger, store: createTestStore(), extensions: [provider, provider] })).rejects.toThrow(
      'more than one extension provides the write path',
    );
  });

  it('stops what it started when a later extension fails to start', async () => {
    const events: string[] = [];
    const failing: ExtensionFactory = () => ({
      service: {
        name: 'nats',
        start: () => {
          throw new Error('no server at nats://127.0.0.1:1');
        },
        stop: () => void events.push('nats stop'),
      },
    });
    await expect(
      startService({ config, log: silentLogger, store: createTestStore(), extensions: [recordingExtension('persistence', events), failing] }),
    ).rejects.toThrow('starting nats: no server at nats://127.0.0.1:1');
    expect(events).toEqual(['persistence start', 'persistence stop']);
  });
});
