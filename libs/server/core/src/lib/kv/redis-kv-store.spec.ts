import type { EventEmitter } from 'node:events';
import { describeWithServices, testRedisUrl } from '@sentinel/testing-support';
import { RedisKvStore } from './redis-kv-store';

describe('RedisKvStore: one topology', () => {
  it('refuses both a URL and a sentinel group, and neither', () => {
    expect(
      () =>
        new RedisKvStore({
          url: testRedisUrl(), // never connected: the options are refused first
          sentinel: { nodes: [{ host: '127.0.0.1', port: 26379 }], masterName: 'm' },
          keyPrefix: 'x:',
        }),
    ).toThrow('exactly one of url and sentinel');
    expect(() => new RedisKvStore({ keyPrefix: 'x:' })).toThrow('exactly one of url and sentinel');
  });
});

describeWithServices(['redis'], 'RedisKvStore: up is what the connection says', () => {
  it('an error event while the connection stays ready does not mark Redis down (no ready event may follow)', async () => {
    const changes: boolean[] = [];
    const kv = new RedisKvStore({
      url: testRedisUrl(),
      keyPrefix: 'kv-up-spec:',
      onStateChange: (up) => changes.push(up),
    });
    try {
      await kv.waitReady();
      expect(kv.isUp()).toBe(true);
      // ioredis emits 'error' for problems that leave the connection usable (a sentinel that went
      // away, the failover detector's own reconnects).
      (kv as unknown as { client: EventEmitter }).client.emit('error', new Error('a sentinel went away'));
      expect(kv.isUp()).toBe(true);
      await kv.ping();
      expect(changes).toEqual([true]);
    } finally {
      await kv.close();
    }
    expect(kv.isUp()).toBe(false);
  });
});
