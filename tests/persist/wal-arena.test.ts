// The WAL records of a body in pieces are copied into the store's WalArena,
// reused by the next ingest call: views of it must reach the files intact,
// also when they wait for a host's file to be opened (queued, copied by the
// appender) while later requests overwrite the arena.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WAL_ARENA_MAX_BYTES, WalArena } from '../../src/engine/wal-parts.ts';
import { openPersistence } from '../../src/persist/index.ts';
import { TEST_METRICS } from '../support/fake-store.ts';
import { type TestEnv, testEnv } from '../support/persist-env.ts';
import { makeStore } from '../engine/helpers.ts';

const T = 1725623600;
const envs: TestEnv[] = [];
afterEach(() => envs.splice(0).forEach((e) => e.cleanup()));

/** Lines of `hosts` hosts interleaved, so that each host's records come in several pieces. */
function body(step: number, hosts: number): Uint8Array {
  const lines: string[] = [];
  for (let i = 0; i < 40; i++) {
    for (let h = 0; h < hosts; h++) lines.push(`cpu_load,cluster=fritz,hostname=n${h} value=${(step * 40 + i + h) % 97} ${T + 60 * (step * 40 + i)}`);
  }
  return new TextEncoder().encode(`${lines.join('\n')}\n`);
}

/**
 * Every host's current.wal after `steps` bodies sent without waiting (the first ones to cold hosts), in pieces of `pieceBytes`;
 * `releaseBetween`: the store lets go of its arena after each (records still queued keep theirs).
 */
async function walFiles(pieceBytes: number, steps: number, releaseBetween = false): Promise<Record<string, string>> {
  const env = testEnv(T + 60 * 40 * steps);
  envs.push(env);
  const store = makeStore({ metrics: TEST_METRICS, wal: true, ingestPieceBytes: pieceBytes, ingestWindow: { pastSeconds: 1e9, futureSeconds: 1e9 } });
  const p = openPersistence({ store, settings: env.settings(), log: env.log, now: env.now });
  const written: Array<Promise<unknown>> = [];
  for (let s = 0; s < steps; s++) {
    written.push(p.ingest(body(s, 5), 'fritz'));
    if (releaseBetween) store.releaseIdleMemory();
  }
  const results = (await Promise.all(written)) as Array<{ accepted: number; rejected: number }>;
  for (const r of results) expect(r).toMatchObject({ accepted: 200, rejected: 0 });
  const out: Record<string, string> = {};
  for (const host of readdirSync(join(env.checkpoints, 'fritz')).sort()) {
    out[host] = readFileSync(join(env.checkpoints, 'fritz', host, 'current.wal')).toString('hex');
  }
  return out;
}

describe('WAL records copied into the arena', () => {
  it('reach the files as those of one piece do, queued behind cold opens while later bodies reuse the arena', async () => {
    const whole = await walFiles(2 ** 40, 6);
    expect(Object.keys(whole)).toHaveLength(5);
    for (const pieceBytes of [61, 500, 4096]) expect(await walFiles(pieceBytes, 6), `pieces of ${pieceBytes}`).toEqual(whole);
  });

  it('hands out views that never span their whole buffer, reused after reset', () => {
    const arena = new WalArena();
    const a = arena.take(10);
    const b = arena.take(2 ** 20);
    for (const v of [a, b]) expect(v.byteLength).toBeLessThan(v.buffer.byteLength);
    expect(b.byteOffset >= a.byteOffset + a.byteLength || b.buffer !== a.buffer).toBe(true);
    arena.reset();
    const c = arena.take(8);
    expect(c.buffer).toBe(b.buffer);
    expect(c.byteOffset).toBe(0);
    const big = arena.take(WAL_ARENA_MAX_BYTES);
    expect(big.byteLength).toBe(WAL_ARENA_MAX_BYTES);
    expect(big.byteLength).toBeLessThan(big.buffer.byteLength);
    // The arena itself stays as it was.
    expect(arena.take(8).buffer).toBe(c.buffer);
    expect(arena.join([c])).toBe(c);
    const joined = arena.join([Uint8Array.of(1, 2), Uint8Array.of(3)]);
    expect([...joined]).toEqual([1, 2, 3]);
  });
});

describe('WalArena.release', () => {
  it('lets go of its buffer; views handed out before and still in use keep their bytes', () => {
    const arena = new WalArena();
    const a = arena.copy(Uint8Array.of(7, 8, 9), 0, 3);
    expect(arena.heldBytes()).toBeGreaterThan(0);
    arena.release(true);
    expect(arena.heldBytes()).toBe(0);
    expect([...a]).toEqual([7, 8, 9]);
    const b = arena.take(3);
    expect(b.buffer).not.toBe(a.buffer);
    b.fill(1);
    expect([...a]).toEqual([7, 8, 9]);
  });

  it('detaches its buffer when no view is in use (its memory left to the next scavenge), and starts a new one', () => {
    const arena = new WalArena();
    const a = arena.copy(Uint8Array.of(7, 8, 9), 0, 3);
    const old = a.buffer;
    arena.release(false);
    expect(arena.heldBytes()).toBe(0);
    expect(old.byteLength).toBe(0);
    expect(a.byteLength).toBe(0);
    const b = arena.copy(Uint8Array.of(4, 5), 0, 2);
    expect([...b]).toEqual([4, 5]);
    expect(arena.heldBytes()).toBeGreaterThan(0);
  });

  it('changes no WAL record written after it (the store gone quiet between bodies)', async () => {
    const whole = await walFiles(2 ** 40, 6);
    expect(await walFiles(500, 6, true)).toEqual(whole);
  });
});
