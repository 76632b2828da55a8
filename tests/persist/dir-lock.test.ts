// The checkpoint directory's lock in-process: who may take it, when a lock
// left behind is stale, and waiting for a holder that is stopping. Another
// process is simulated by another identity; the e2e test (tests/e2e/dir-lock)
// runs real stores.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DirLockError, type LockHolder, isLockFile, lockDirectory } from '../../src/persist/dir-lock.ts';
import { type ProcessIdentity, selfIdentity } from '../../src/persist/process-identity.ts';
import { testEnv, type TestEnv } from '../support/persist-env.ts';

let env: TestEnv;
beforeEach(() => {
  env = testEnv();
  mkdirSync(env.checkpoints, { recursive: true });
});
afterEach(() => env.cleanup());

const lockPath = () => join(env.checkpoints, '.lock');
const self = () => selfIdentity();
/** Another process on this machine, as seen by a lock taken in its name. */
const other = (pid: number): ProcessIdentity => ({ ...selfIdentity(), pid });

function writeLock(holder: Partial<LockHolder>): void {
  const full: LockHolder = { program: 'cc-metric-store', ...selfIdentity(), role: 'store', state: 'running', since: '2026-01-01T00:00:00.000Z', ...holder };
  writeFileSync(lockPath(), JSON.stringify(full));
}

function readLock(): LockHolder {
  return JSON.parse(readFileSync(lockPath(), 'utf8')) as LockHolder;
}

/** The PID of a process that has exited (and, right after, is not reused). */
function deadPid(): number {
  const result = spawnSync('true');
  return result.pid!;
}

describe('checkpoint directory lock', () => {
  it('is a file naming this process while held, and gone once released', async () => {
    const lock = await lockDirectory({ dir: env.checkpoints, role: 'store', log: env.log });
    expect(readLock()).toMatchObject({ program: 'cc-metric-store', pid: process.pid, role: 'store', state: 'running' });
    expect(readdirSync(env.checkpoints)).toEqual(['.lock']);
    await lock.markStopping();
    expect(readLock().state).toBe('stopping');
    await lock.release();
    expect(existsSync(lockPath())).toBe(false);
  });

  it('creates a missing directory only when asked to', async () => {
    const dir = join(env.dir, 'new', 'checkpoints');
    await expect(lockDirectory({ dir, role: 'cleanup', log: env.log })).rejects.toThrow(
      new RegExp(`^cannot lock metric-store.checkpoints.directory ${dir}: ENOENT`),
    );
    const lock = await lockDirectory({ dir, role: 'store', log: env.log, create: true });
    expect(existsSync(join(dir, '.lock'))).toBe(true);
    await lock.release();
  });

  it('refuses a second store while the first runs, naming the directory and its PID', async () => {
    const first = await lockDirectory({ dir: env.checkpoints, role: 'store', log: env.log });
    const second = lockDirectory({ dir: env.checkpoints, role: 'store', log: env.log, self: other(process.pid + 100_000) });
    await expect(second).rejects.toThrow(DirLockError);
    await expect(second).rejects.toThrow(
      `checkpoint directory ${env.checkpoints} is in use by another cc-metric-store (PID ${process.pid}), running since`,
    );
    expect(readLock().pid).toBe(process.pid);
    await first.release();
  });

  it('refuses a cleanup pass beside a running store', async () => {
    const store = await lockDirectory({ dir: env.checkpoints, role: 'store', log: env.log });
    await expect(lockDirectory({ dir: env.checkpoints, role: 'cleanup', log: env.log, self: other(process.pid + 100_000) })).rejects.toThrow(
      /in use by a running cc-metric-store \(PID \d+\), which cleans it up itself .* run -cleanup-checkpoints only while no store runs on it/,
    );
    await store.release();
  });

  it('takes over the lock of a process that no longer runs', async () => {
    const pid = deadPid();
    writeLock({ pid });
    const lock = await lockDirectory({ dir: env.checkpoints, role: 'store', log: env.log });
    expect(readLock().pid).toBe(process.pid);
    expect(env.log.lines).toContainEqual(`warn checkpoint lock: took over ${lockPath()} from cc-metric-store (PID ${pid}): it is no longer running`);
    await lock.release();
  });

  it('takes over when the PID now belongs to another process (reused PID)', async () => {
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      writeLock({ pid: sleeper.pid!, startTicks: '1' });
      const lock = await lockDirectory({ dir: env.checkpoints, role: 'store', log: env.log });
      expect(env.log.lines.join('\n')).toContain(`PID ${sleeper.pid} now belongs to another process`);
      await lock.release();
    } finally {
      sleeper.kill('SIGKILL');
    }
  });

  it('takes over a lock written before the last boot, and one naming this very PID (a container restarted)', async () => {
    writeLock({ pid: process.pid, bootId: 'a-previous-boot' });
    const afterBoot = await lockDirectory({ dir: env.checkpoints, role: 'store', log: env.log });
    expect(env.log.lines.join('\n')).toContain('the machine has restarted since');
    await afterBoot.release();

    writeLock({ pid: process.pid, startTicks: '1' });
    const samePid = await lockDirectory({ dir: env.checkpoints, role: 'store', log: env.log });
    expect(env.log.lines.join('\n')).toContain('its PID is now this process');
    await samePid.release();
  });

  it('does not guess about a holder on another host', async () => {
    writeLock({ pid: 4242, host: 'other-node' });
    await expect(lockDirectory({ dir: env.checkpoints, role: 'store', log: env.log })).rejects.toThrow(
      `checkpoint directory ${env.checkpoints} is locked by cc-metric-store (PID 4242) on host "other-node", which cannot be checked from host "${self().host}": if no store runs there any more, remove ${lockPath()}`,
    );
    expect(readLock().pid).toBe(4242);
  });

  it('waits for a store that is writing its final checkpoint, then takes the lock', async () => {
    const first = await lockDirectory({ dir: env.checkpoints, role: 'store', log: env.log });
    await first.markStopping();
    const second = lockDirectory({ dir: env.checkpoints, role: 'store', log: env.log, self: other(process.pid + 100_000), pollMs: 20 });
    // The second start is waiting (it logged so) and has not taken the lock.
    for (let i = 0; i < 200 && !env.log.lines.some((l) => l.includes('waiting up to 60 s')); i++) await new Promise((r) => setTimeout(r, 10));
    expect(env.log.lines).toContainEqual(
      `warn checkpoint lock: waiting up to 60 s for cc-metric-store (PID ${process.pid}) to finish its final checkpoint in ${env.checkpoints}`,
    );
    expect(readLock().pid).toBe(process.pid);
    await first.release();
    const lock = await second;
    expect(readLock().pid).toBe(process.pid + 100_000);
    expect(env.log.lines.join('\n')).toMatch(/cc-metric-store \(PID \d+\) finished; waited [\d.]+ s/);
    await lock.release();
  });

  it('gives up waiting after the bound, naming it', async () => {
    const first = await lockDirectory({ dir: env.checkpoints, role: 'cleanup', log: env.log });
    await expect(
      lockDirectory({ dir: env.checkpoints, role: 'store', log: env.log, self: other(process.pid + 100_000), waitSeconds: 0.2, pollMs: 20 }),
    ).rejects.toThrow(
      `checkpoint directory ${env.checkpoints} is still held by cc-metric-store -cleanup-checkpoints (PID ${process.pid}) (cleaning up) after waiting 0.2 s (limit of the checkpoint lock wait)`,
    );
    await first.release();
  });

  it('replaces a lock file that stays unreadable', async () => {
    writeFileSync(lockPath(), '{"pid": 12');
    const lock = await lockDirectory({ dir: env.checkpoints, role: 'store', log: env.log, pollMs: 5 });
    expect(env.log.lines).toContainEqual(`warn checkpoint lock: removed the unreadable lock file ${lockPath()}`);
    expect(readLock().pid).toBe(process.pid);
    await lock.release();
  });

  it('leaves a lock alone on release that is no longer its own', async () => {
    const lock = await lockDirectory({ dir: env.checkpoints, role: 'store', log: env.log });
    writeLock({ pid: 4242 });
    await lock.release();
    expect(readLock().pid).toBe(4242);
    expect(env.log.lines).toContainEqual(`warn checkpoint lock: ${lockPath()} no longer names this process; left as it is`);
  });

  it('names the lock file and its working files, which restore and cleanup pass over', () => {
    expect(['.lock', '.lock.123.new', '.lock.123.stale'].every(isLockFile)).toBe(true);
    expect(['lock', 'fritz', '.locked-cluster'].some(isLockFile)).toBe(false);
  });
});
