import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backendNodeProvider, openPersistence } from '../../src/persist/index.ts';
import { FakeStore, TEST_METRICS } from '../support/fake-store.ts';
import { filesIn, testEnv } from '../support/persist-env.ts';
import { join } from 'node:path';
import type { TestEnv } from '../support/persist-env.ts';

let env: TestEnv;
let server: Server | undefined;
const requests: string[] = [];
const authorizations: Array<string | undefined> = [];
let reply: { status: number; body: string } = { status: 200, body: '{}' };
/** When set, the fake backend answers 401 to requests without `Authorization: Bearer <requiredToken>`, as cc-backend does. */
let requiredToken: string | undefined;

beforeEach(() => {
  env = testEnv();
  requests.length = 0;
  authorizations.length = 0;
  reply = { status: 200, body: '{}' };
  requiredToken = undefined;
});
afterEach(async () => {
  env.cleanup();
  if (server) await new Promise((r) => server!.close(r));
  server = undefined;
});

/** A stand-in for cc-backend's /api/jobs/used_nodes on 127.0.0.1, port chosen by the OS. */
async function fakeBackend(): Promise<string> {
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    authorizations.push(req.headers.authorization);
    if (requiredToken !== undefined && req.headers.authorization !== `Bearer ${requiredToken}`) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{"status":"Unauthorized","error":"missing or invalid JWT"}');
      return;
    }
    res.writeHead(reply.status, { 'content-type': 'application/json' });
    res.end(reply.body);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

const H = 3600;
const enc = (s: string) => new TextEncoder().encode(s);

/** Hosts a and b (fritz) and c (alex), each with one sample 60 h ago and one now. */
async function filledStore(): Promise<FakeStore> {
  const store = new FakeStore({ metrics: TEST_METRICS, wal: false });
  const now = env.clock.now;
  for (const [cluster, host] of [['fritz', 'a'], ['fritz', 'b'], ['alex', 'c']]) {
    store.ingest(enc(`cpu_load,cluster=${cluster},hostname=${host} value=1 ${now - 60 * H}\ncpu_load,cluster=${cluster},hostname=${host} value=2 ${now}`), cluster);
  }
  return store;
}

const oldestPerHost = (store: FakeStore) => {
  const out: Record<string, number> = {};
  for (const s of store.samples()) {
    const k = `${s.cluster}/${s.host}`;
    out[k] = Math.min(out[k] ?? Infinity, s.ts);
  }
  return out;
};

describe('retention', () => {
  it('frees data older than now - retention except on hosts the backend reports busy', async () => {
    const url = await fakeBackend();
    reply = { status: 200, body: JSON.stringify({ fritz: ['a'], emmy: ['x'] }) };
    const store = await filledStore();
    const p = openPersistence({ store, settings: env.settings(), backendUrl: url, log: env.log, now: env.now, wal: false });
    const r = await p.retentionOnce();
    expect(requests).toEqual([`/api/jobs/used_nodes?ts=${env.clock.now - 48 * H}`]);
    expect(r.kept).toBe(1);
    const oldest = oldestPerHost(store);
    expect(oldest['fritz/a']).toBeLessThan(env.clock.now - 48 * H);
    expect(oldest['fritz/b']).toBeGreaterThanOrEqual(env.clock.now - 48 * H);
    expect(oldest['alex/c']).toBeGreaterThanOrEqual(env.clock.now - 48 * H);
  });

  it('frees everything old when the backend reports no busy hosts', async () => {
    const url = await fakeBackend();
    reply = { status: 200, body: '{}' };
    const store = await filledStore();
    const p = openPersistence({ store, settings: env.settings(), backendUrl: url, log: env.log, now: env.now, wal: false });
    await p.retentionOnce();
    expect(Object.values(oldestPerHost(store)).every((ts) => ts >= env.clock.now - 48 * H)).toBe(true);
  });

  it('frees nothing when the backend cannot be asked, and says why', async () => {
    const url = await fakeBackend();
    reply = { status: 500, body: 'oops' };
    const store = await filledStore();
    const p = openPersistence({ store, settings: env.settings(), backendUrl: url, log: env.log, now: env.now, wal: false });
    expect(await p.retentionOnce()).toEqual({ freed: 0, kept: 0 });
    expect(oldestPerHost(store)['fritz/b']).toBeLessThan(env.clock.now - 48 * H);
    expect(env.log.lines.filter((l) => l.startsWith('error '))).toEqual([
      expect.stringMatching(/^error retention: cannot ask cc-backend .*\(attempt 1 of 3, 600 s apart\): .*status 500; nothing freed/),
    ]);
    expect(p.status().nodeProvider).toMatchObject({ consecutiveFailures: 1, failures: 1, passesWithoutProvider: 0, lastError: expect.stringMatching(/status 500/) });
  });

  it('rejects a malformed backend answer with a clear message', async () => {
    const url = await fakeBackend();
    reply = { status: 200, body: '{"fritz": "a"}' };
    await expect(backendNodeProvider(url).usedNodes(1)).rejects.toThrow(/cluster "fritz" is not a list/);
  });

  it('without a backend, frees every host', async () => {
    const store = await filledStore();
    const p = openPersistence({ store, settings: env.settings(), log: env.log, now: env.now, wal: false });
    const r = await p.retentionOnce();
    expect(r.freed).toBe(3);
  });
});

describe('retention with a cc-backend that wants a JWT', () => {
  const TOKEN = 'eyJhbGciOiJFZERTQSJ9.eyJyb2xlcyI6WyJST0xFX0FQSSJdfQ.c2ln';

  it('sends main.backend-token as a bearer token and keeps the hosts running jobs', async () => {
    const url = await fakeBackend();
    requiredToken = TOKEN;
    reply = { status: 200, body: JSON.stringify({ fritz: ['a'] }) };
    const store = await filledStore();
    const p = openPersistence({ store, settings: env.settings(), backendUrl: url, backendToken: TOKEN, log: env.log, now: env.now, wal: false });
    expect(await p.retentionOnce()).toMatchObject({ kept: 1 });
    expect(authorizations).toEqual([`Bearer ${TOKEN}`]);
    const oldest = oldestPerHost(store);
    expect(oldest['fritz/a']).toBeLessThan(env.clock.now - 48 * H);
    expect(oldest['fritz/b']).toBeGreaterThanOrEqual(env.clock.now - 48 * H);
    expect(oldest['alex/c']).toBeGreaterThanOrEqual(env.clock.now - 48 * H);
    expect(p.status().nodeProvider).toMatchObject({ consecutiveFailures: 0, failures: 0, lastAnswerAt: env.clock.now });
  });

  it('without a token, names the keys to set when cc-backend answers 401', async () => {
    const url = await fakeBackend();
    requiredToken = TOKEN;
    const p = openPersistence({ store: await filledStore(), settings: env.settings(), backendUrl: url, log: env.log, now: env.now, wal: false });
    await p.retentionOnce();
    expect(authorizations).toEqual([undefined]);
    expect(p.status().nodeProvider!.lastError).toMatch(/status 401 \(cc-backend wants a JWT: set main\.backend-token, main\.backend-token-file or CC_BACKEND_TOKEN\)/);
  });

  it('with the backend down, frees by retention alone after 3 failed attempts, then asks afresh', async () => {
    const url = await fakeBackend();
    await new Promise((r) => server!.close(r));
    server = undefined;
    const store = await filledStore();
    const p = openPersistence({ store, settings: env.settings(), backendUrl: url, backendToken: TOKEN, log: env.log, now: env.now, wal: false });
    const old = () => Object.values(oldestPerHost(store)).filter((ts) => ts < env.clock.now - 48 * H).length;
    expect(await p.retentionOnce()).toEqual({ freed: 0, kept: 0 });
    expect(await p.retentionOnce()).toEqual({ freed: 0, kept: 0 });
    expect(old()).toBe(3);
    expect((await p.retentionOnce()).freed).toBe(3);
    expect(old()).toBe(0);
    const errors = env.log.lines.filter((l) => l.startsWith('error '));
    expect(errors).toHaveLength(3);
    expect(errors[2]).toMatch(/3 times in a row \(limit: 3 attempts, 600 s apart\): freeing by retention alone/);
    expect(p.status().nodeProvider).toMatchObject({ consecutiveFailures: 0, failures: 3, passesWithoutProvider: 1 });
    // The next pass asks again, with three attempts of its own.
    expect(await p.retentionOnce()).toEqual({ freed: 0, kept: 0 });
    expect(p.status().nodeProvider).toMatchObject({ consecutiveFailures: 1, failures: 4 });
  });

  it('a failed attempt is retried on a timer while the service runs; an answer ends the failures', async () => {
    const url = await fakeBackend();
    reply = { status: 503, body: '' };
    const store = await filledStore();
    const p = openPersistence({
      store,
      settings: env.settings(),
      backendUrl: url,
      backendToken: TOKEN,
      log: env.log,
      now: env.now,
      wal: false,
      nodeProviderRetrySeconds: 0.05,
    });
    p.start();
    try {
      await p.retentionOnce();
      expect(requests).toHaveLength(1);
      reply = { status: 200, body: JSON.stringify({ fritz: ['a', 'b'] }) };
      await vi.waitFor(() => expect(p.status().lastRetention).toMatchObject({ kept: 2 }), { timeout: 20_000, interval: 20 });
      expect(requests).toHaveLength(2);
      expect(p.status().nodeProvider).toMatchObject({ consecutiveFailures: 0, failures: 1 });
      expect(Object.values(oldestPerHost(store)).filter((ts) => ts < env.clock.now - 48 * H)).toHaveLength(2);
    } finally {
      await p.stop();
    }
  });
});

describe('memory cap', () => {
  it('frees 75 %, then 50 %, then 25 % of the retention window until under the cap', async () => {
    const store = new FakeStore({ metrics: TEST_METRICS, wal: false });
    const now = env.clock.now;
    // Host n<h> holds one sample h hours old: every host is one 4-byte slot.
    const lines: string[] = [];
    for (let h = 0; h <= 48; h++) lines.push(`cpu_load,cluster=fritz,hostname=n${h} value=${h} ${now - h * H}`);
    store.ingest(enc(lines.join('\n')), 'fritz');
    expect(store.stats().usedBytes).toBe(49 * 4);
    // Freeing older than 36 h leaves 37 hosts (too many), older than 24 h leaves 25 (enough).
    const p = openPersistence({ store, settings: env.settings({ memoryCapBytes: 30 * 4 }), log: env.log, now: env.now, wal: false });
    const r = p.memoryCheckOnce();
    expect(r).toMatchObject({ before: 49 * 4, after: 25 * 4, freed: 24 });
    expect(store.hosts().map(([, h]) => Number(h.slice(1))).sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, h) => h));
    expect(env.log.lines.some((l) => /exceeds the cap/.test(l))).toBe(true);
  });

  it('does nothing under the cap or without one', async () => {
    const store = new FakeStore({ metrics: TEST_METRICS, wal: false });
    store.ingest(enc(`cpu_load,cluster=fritz,hostname=a value=1 ${env.clock.now - 40 * H}`), 'fritz');
    const p = openPersistence({ store, settings: env.settings({ memoryCapBytes: 100e9 }), log: env.log, now: env.now, wal: false });
    expect(p.memoryCheckOnce().freed).toBe(0);
    const q = openPersistence({ store, settings: env.settings(), log: env.log, now: env.now, wal: false });
    expect(q.memoryCheckOnce().freed).toBe(0);
  });
});

describe('timers', () => {
  it('start() and stop() leave no timer behind, even for a retention of months', async () => {
    const store = new FakeStore({ metrics: TEST_METRICS, wal: true });
    const p = openPersistence({ store, settings: env.settings({ retention: 2160 * 3600, memoryCapBytes: 1e9 }), log: env.log, now: env.now });
    p.start();
    await new Promise((r) => setTimeout(r, 20));
    // A month-long interval must not fire at once (setTimeout overflow).
    expect(env.log.lines.filter((l) => /retention|cleanup|checkpoint:/.test(l))).toEqual([]);
    await p.stop();
    expect(env.log.lines.some((l) => /checkpoint done/.test(l))).toBe(true);
  });

  it('runs checkpoint, retention and cleanup on their own, every interval', async () => {
    // Intervals of a fraction of a second (the config takes durations like "300ms").
    const store = new FakeStore({ metrics: TEST_METRICS, wal: true });
    const p = openPersistence({ store, settings: env.settings({ checkpointInterval: 0.3, retention: 0.6 }), log: env.log, now: env.now });
    await p.restore();
    await p.ingest(enc(`cpu_load,cluster=fritz,hostname=a value=1 ${env.clock.now}`), 'fritz');
    p.start();
    const deadline = Date.now() + 10_000;
    const ran = () => {
      const s = p.status();
      return s.lastCheckpoint !== null && s.lastRetention !== null && s.lastCleanup !== null;
    };
    while (!ran() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const s = p.status();
    expect(s.lastCheckpoint).toMatchObject({ hosts: 1 });
    expect(s.lastRetention).not.toBeNull();
    expect(s.lastCleanup).not.toBeNull();
    expect(filesIn(join(env.checkpoints, 'fritz/a')).some((f) => f.endsWith('.bin'))).toBe(true);
    await p.stop();
  });

  it('checks the memory cap every 5 minutes, every 30 s while above 80 % of it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    try {
      const store = new FakeStore({ metrics: TEST_METRICS, wal: false });
      const now = env.clock.now;
      const lines: string[] = [];
      for (let h = 0; h <= 48; h++) lines.push(`cpu_load,cluster=fritz,hostname=n${h} value=${h} ${now - h * H}`);
      store.ingest(enc(lines.join('\n')), 'fritz');
      // 30 slots allowed; freeing down to 25 leaves it above 80 % (24 slots): the next check comes in 30 s.
      const p = openPersistence({ store, settings: env.settings({ memoryCapBytes: 30 * 4 }), log: env.log, now: env.now, wal: false });
      p.start();
      vi.advanceTimersByTime(5 * 60 * 1000 - 1);
      expect(store.hosts()).toHaveLength(49);
      vi.advanceTimersByTime(1);
      expect(store.hosts()).toHaveLength(25);
      const checks = () => env.log.lines.filter((l) => /exceeds the cap/.test(l)).length;
      const before = checks();
      for (let h = 49; h <= 60; h++) store.ingest(enc(`cpu_load,cluster=fritz,hostname=n${h} value=${h} ${now - 30 * H}`), 'fritz');
      vi.advanceTimersByTime(30 * 1000);
      expect(checks()).toBeGreaterThan(before);
      expect(store.hosts().length).toBeLessThanOrEqual(30);
      vi.useRealTimers();
      await p.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});
