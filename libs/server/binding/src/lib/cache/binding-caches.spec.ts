import { AppLogger, MemoryKvStore, type KvStore } from '@sentinel/server-core';
import * as publicApi from '../../index';
import { DEFAULT_BINDING_OPTIONS } from '../binding.options';
import { bindingState as state } from '../../testing/binding-state';
import { compileBinding } from '../rules/binding-rule';
import { BindingCaches } from './binding-caches';
import { BindingInvalidator } from './binding-invalidator';

const silent = new AppLogger('error', () => undefined);

describe('BindingCaches: the one owner of binding state outside PostgreSQL', () => {
  it('the library exports no cache: other modules see BindingInvalidator (invalidate + stats) only', () => {
    const names = Object.keys(publicApi);
    expect(names).toContain('BindingInvalidator');
    for (const internal of ['BindingCaches', 'L1Cache', 'SharedBindingCache', 'keys'])
      expect(names).not.toContain(internal);
    expect(new BindingCaches(new MemoryKvStore(), DEFAULT_BINDING_OPTIONS, silent)).toBeInstanceOf(BindingInvalidator);
  });

  it('invalidate() drops every token from L1 and Redis and reaches a subscribed peer before it resolves', async () => {
    const kv = new MemoryKvStore();
    const mine = new BindingCaches(kv, DEFAULT_BINDING_OPTIONS, silent);
    const peer = new BindingCaches(kv, DEFAULT_BINDING_OPTIONS, silent);
    await peer.onModuleInit();
    try {
      for (const c of [mine, peer]) for (const h of ['a', 'b']) c.l1.fill(c.l1.epoch, compileBinding(state(h)));
      await mine.shared.fill(state('a'), null);
      expect((await mine.shared.lookup('a')).state).not.toBeNull();

      expect(await mine.invalidate(['a', 'b'])).toBe('all-instances');
      expect(mine.l1.size).toBe(0);
      expect((await mine.shared.lookup('a')).state).toBeNull();
      expect(peer.l1.size).toBe(0); // the in-process bus delivers synchronously
      expect(mine.stats).toMatchObject({ l1Entries: 0 });
    } finally {
      await peer.onModuleDestroy();
      await kv.close();
    }
  });

  it('Redis unreachable: L1 is still dropped here and the answer says the change stayed local', async () => {
    const kv = new MemoryKvStore();
    const dead = Object.assign(Object.create(kv), {
      incr: () => Promise.reject(new Error('down')),
    }) as KvStore;
    const caches = new BindingCaches(dead, DEFAULT_BINDING_OPTIONS, silent);
    caches.l1.fill(caches.l1.epoch, compileBinding(state('a')));
    expect(await caches.invalidate(['a'])).toBe('local');
    expect(caches.l1.get('a')).toBeUndefined();
    await kv.close();
  });

  it('the invalidation channel came back (Redis restart, Sentinel failover): L1 entries are suspect until re-read', async () => {
    const kv = new MemoryKvStore();
    const listeners = new Set<() => void>();
    const reconnecting = Object.assign(Object.create(kv), {
      onResubscribed: (l: () => void) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    }) as KvStore;
    const caches = new BindingCaches(reconnecting, DEFAULT_BINDING_OPTIONS, silent);
    await caches.onModuleInit();
    try {
      for (const h of ['a', 'b']) caches.l1.fill(caches.l1.epoch, compileBinding(state(h)));
      const epoch = caches.l1.epoch;
      expect(listeners.size).toBe(1);
      for (const l of listeners) l();
      // Missed invalidations: no entry answers the hot path; each is kept only as a fallback.
      expect(caches.l1.get('a')).toBeUndefined();
      expect(caches.l1.suspect('a')?.state.tokenHash).toBe('a');
      // A fill that started before the reconnect carries the old epoch and is refused.
      expect(caches.l1.fill(epoch, compileBinding(state('a')))).toBe(false);
      // A re-read after it is trusted again.
      expect(caches.l1.fill(caches.l1.epoch, compileBinding(state('a')))).toBe(true);
      expect(caches.l1.get('a')?.state.tokenHash).toBe('a');
      expect(caches.l1.suspect('a')).toBeUndefined();
    } finally {
      await caches.onModuleDestroy();
      await kv.close();
    }
    expect(listeners.size).toBe(0);
  });
});
