// NATS takes the `nats` section and the subscriptions as src/config validated
// them (tests/config checks addresses and subjects); here: when it stays off.

import { describe, expect, it } from 'vitest';
import { startNatsIngest } from '../../src/nats/index.ts';
import { whyOff } from '../../src/nats/settings.ts';
import { fakeIngest, recordingLogger } from './helpers/fake-ingest.ts';
import { natsConfig } from './helpers/nats-config.ts';

const subs = [{ 'subscribe-to': 'hpc-nats', 'cluster-tag': 'fritz' }];

describe('NATS on or off', () => {
  it('stays off without a nats section, with an empty address or without subscriptions, and says why', () => {
    const off = (raw: Parameters<typeof natsConfig>[0]) => {
      const { nats, subscriptions } = natsConfig(raw);
      return whyOff(nats, subscriptions);
    };
    expect(off({ 'nats-subscriptions': subs })).toBe('no nats section in the config');
    expect(off({ nats: { address: '' }, 'nats-subscriptions': subs })).toBe('nats.address is empty');
    expect(off({ nats: { address: 'nats://x:4222' } })).toBe('metric-store.nats-subscriptions is empty');
    expect(off({ nats: { address: 'nats://x:4222' }, 'nats-subscriptions': subs })).toBeNull();
  });

  it('logs why it is off and starts nothing', async () => {
    const log = recordingLogger();
    const started = await startNatsIngest({ ...natsConfig({ nats: { address: '' }, 'nats-subscriptions': subs }), openBatch: fakeIngest().openBatch, log });
    expect(started).toBeNull();
    expect(log.text()).toBe('info: NATS: off (nats.address is empty)');
  });
});
