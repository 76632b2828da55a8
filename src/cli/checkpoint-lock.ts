// The store holds the lock of its checkpoint directory (src/persist/dir-lock.ts)
// from before the restore until after the final checkpoint.

import type { ServiceConfig } from '../config/types.ts';
import type { Logger } from '../log.ts';
import { type DirLock, lockDirectory } from '../persist/dir-lock.ts';
import type { RunningService } from '../service/start.ts';

export function lockCheckpointDirectory(config: ServiceConfig, log: Logger): Promise<DirLock> {
  return lockDirectory({ dir: config.metricStore.checkpoints.directory, role: 'store', log, create: true });
}

/** `service`, whose stop() first tells a waiting successor it is stopping and finally releases the lock. */
export function releasingLockOnStop(service: RunningService, lock: DirLock): RunningService {
  return {
    ...service,
    async stop() {
      await lock.markStopping();
      try {
        await service.stop();
      } finally {
        await lock.release();
      }
    },
  };
}
