// A temp directory, a controllable clock and a log sink for persistence tests.
import { cpSync, mkdtempSync, readdirSync, rmSync, chmodSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PersistLogger } from '../../src/persist/log.ts';
import { type PersistSettings, walStoreSettings } from '../../src/persist/settings.ts';

export interface TestEnv {
  dir: string;
  checkpoints: string;
  archive: string;
  clock: { now: number };
  now: () => number;
  log: PersistLogger & { lines: string[] };
  /** Settings as a validated config.json would give them (48h retention, 12h checkpoints, wal, delete). */
  settings(over?: Partial<PersistSettings>): PersistSettings;
  cleanup(): void;
}

export function testEnv(start = 1725623600): TestEnv {
  const dir = mkdtempSync(join(tmpdir(), 'ccms-persist-'));
  const clock = { now: start };
  const lines: string[] = [];
  const log = {
    lines,
    debug: () => {},
    info: (m: string) => lines.push(`info ${m}`),
    warn: (m: string) => lines.push(`warn ${m}`),
    error: (m: string) => lines.push(`error ${m}`),
  };
  const checkpoints = join(dir, 'checkpoints');
  const archive = join(dir, 'archive');
  return {
    dir,
    checkpoints,
    archive,
    clock,
    now: () => clock.now,
    log,
    settings: (over = {}) => walStoreSettings(checkpoints, over),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Copies a fixture tree (read-only in ../shared) to a writable place. */
export function copyTree(from: string, to: string): void {
  cpSync(from, to, { recursive: true });
  const walk = (d: string) => {
    chmodSync(d, 0o755);
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else chmodSync(p, 0o644);
    }
  };
  walk(to);
}

export function filesIn(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}
