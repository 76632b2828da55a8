import { describe, expect, it } from 'vitest';
import { NatsConfigError, readNatsSettings } from '../../src/nats/settings.ts';
import type { NatsIngestConfig } from '../../src/nats/types.ts';

const subs = [{ 'subscribe-to': 'hpc-nats', 'cluster-tag': 'fritz' }];

function withAddress(address: string): NatsIngestConfig {
  return { nats: { address }, 'metric-store': { 'nats-subscriptions': subs } };
}

describe('readNatsSettings', () => {
  it('reads the NATS part of the reference config.json unchanged', () => {
    // Verbatim from the reference config.json (other sections left out).
    const config = JSON.parse(`{
      "nats": { "address": "nats://0.0.0.0:4222", "username": "root", "password": "root" },
      "metric-store": {
        "checkpoints": { "file-format": "wal", "directory": "./var/checkpoints" },
        "nats-subscriptions": [
          { "subscribe-to": "hpc-nats", "cluster-tag": "fritz" },
          { "subscribe-to": "hpc-nats", "cluster-tag": "alex" }
        ]
      }
    }`) as NatsIngestConfig;
    expect(readNatsSettings(config)).toEqual({
      connection: {
        servers: ['nats://0.0.0.0:4222'],
        transport: 'tcp',
        requireTls: false,
        username: 'root',
        password: 'root',
        token: '',
        credsFilePath: '',
      },
      subscriptions: [
        { subject: 'hpc-nats', clusterTag: 'fritz' },
        { subject: 'hpc-nats', clusterTag: 'alex' },
      ],
    });
  });

  it('picks the transport from the scheme; a bare host:port is nats://', () => {
    expect(readNatsSettings(withAddress('ws://nats.example:8080'))).toMatchObject({
      connection: { servers: ['ws://nats.example:8080'], transport: 'websocket' },
    });
    expect(readNatsSettings(withAddress('wss://nats.example'))).toMatchObject({ connection: { transport: 'websocket' } });
    expect(readNatsSettings(withAddress('tls://nats.example:4222'))).toMatchObject({
      connection: { transport: 'tcp', requireTls: true },
    });
    expect(readNatsSettings(withAddress('nats.example:4222'))).toMatchObject({
      connection: { servers: ['nats://nats.example:4222'], transport: 'tcp', requireTls: false },
    });
    expect(readNatsSettings(withAddress('nats://a:4222, nats://b:4222'))).toMatchObject({
      connection: { servers: ['nats://a:4222', 'nats://b:4222'] },
    });
  });

  it('stays off without a nats section, an address or subscriptions, and says why', () => {
    expect(readNatsSettings({ 'metric-store': { 'nats-subscriptions': subs } })).toEqual({
      off: 'no nats section in the config',
    });
    expect(readNatsSettings(withAddress(''))).toEqual({ off: 'nats.address is empty' });
    expect(readNatsSettings({ nats: { address: 'nats://x:4222' } })).toEqual({
      off: 'metric-store.nats-subscriptions is empty',
    });
  });

  it('names the key that is wrong', () => {
    const cases: Array<[NatsIngestConfig, string]> = [
      [withAddress('http://x:4222'), 'nats.address "http://x:4222": scheme http:// is not supported'],
      [withAddress('nats://a:4222,ws://b:80'), 'nats.address mixes WebSocket'],
      [withAddress(' , '), 'nats.address names no server'],
      [{ nats: { address: 'nats://x', password: 'p' }, 'metric-store': { 'nats-subscriptions': subs } }, 'nats.password is set but nats.username is not'],
      [{ nats: { address: 'nats://x', username: 7 as unknown as string }, 'metric-store': { 'nats-subscriptions': subs } }, 'nats.username must be a string'],
      [{ nats: { address: 'nats://x' }, 'metric-store': { 'nats-subscriptions': [{ 'subscribe-to': '' }] } }, 'metric-store.nats-subscriptions[0].subscribe-to must be a non-empty NATS subject'],
      [{ nats: { address: 'nats://x' }, 'metric-store': { 'nats-subscriptions': [subs[0]!, { 'subscribe-to': 'a..b' }] } }, 'metric-store.nats-subscriptions[1].subscribe-to "a..b" is not a valid NATS subject'],
    ];
    for (const [config, message] of cases) {
      expect(() => readNatsSettings(config)).toThrow(NatsConfigError);
      expect(() => readNatsSettings(config)).toThrow(message);
    }
  });

  it('takes a subscription without cluster-tag as having an empty default cluster', () => {
    const settings = readNatsSettings({ nats: { address: 'nats://x' }, 'metric-store': { 'nats-subscriptions': [{ 'subscribe-to': 'metrics.>' }] } });
    expect(settings).toMatchObject({ subscriptions: [{ subject: 'metrics.>', clusterTag: '' }] });
  });
});
