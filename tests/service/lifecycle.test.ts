import { describe, expect, it } from 'vitest';
import type { Logger } from '../../src/log.ts';
import { Lifecycle, type Service } from '../../src/service/lifecycle.ts';

const quiet = { debug() {}, info() {}, warn() {}, error() {}, crit() {} } as unknown as Logger;

describe('Lifecycle', () => {
  it('stops every service newest first, and a failed stop makes the whole stop fail, naming it', async () => {
    const stopped: string[] = [];
    const service = (name: string, fail = false): Service => ({
      name,
      start() {},
      stop() {
        stopped.push(name);
        if (fail) throw new Error(`${name} lost 3 samples`);
      },
    });
    const lifecycle = new Lifecycle(quiet);
    await lifecycle.start([service('persistence', true), service('nats'), service('http')]);
    await expect(lifecycle.stop()).rejects.toThrow('stopping persistence: persistence lost 3 samples');
    expect(stopped).toEqual(['http', 'nats', 'persistence']);
  });
});
