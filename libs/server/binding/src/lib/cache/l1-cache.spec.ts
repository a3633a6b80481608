import { bindingState } from '../../testing/binding-state';
import { compileBinding } from '../rules/binding-rule';
import { L1Cache } from './l1-cache';

const state = bindingState;

describe('L1Cache', () => {
  it('returns what was filled until the TTL passes', () => {
    let now = 1_000;
    const l1 = new L1Cache(10, 100, () => now);
    expect(l1.fill(l1.epoch, compileBinding(state('a')))).toBe(true);
    expect(l1.get('a')?.state.tokenHash).toBe('a');
    now += 99;
    expect(l1.get('a')).toBeDefined();
    now += 1;
    expect(l1.get('a')).toBeUndefined();
    expect(l1.hits).toBe(2);
    expect(l1.misses).toBe(1);
  });

  it('never lets a fill that started before an invalidation write its stale value', () => {
    const l1 = new L1Cache(10, 10_000);
    const epochAtStart = l1.epoch; // a request starts reading Redis/PostgreSQL…
    l1.invalidate('a'); // …an admin unbinds the token meanwhile…
    expect(l1.fill(epochAtStart, compileBinding(state('a')))).toBe(false); // …the stale fill is dropped
    expect(l1.get('a')).toBeUndefined();
    expect(l1.fill(l1.epoch, compileBinding(state('a', 2)))).toBe(true);
    expect(l1.get('a')?.state.version).toBe(2);
  });

  it('is bounded: the oldest insertion goes first', () => {
    const l1 = new L1Cache(3, 10_000);
    for (const k of ['a', 'b', 'c', 'd']) l1.fill(l1.epoch, compileBinding(state(k)));
    expect(l1.size).toBe(3);
    expect(l1.get('a')).toBeUndefined();
    expect(l1.get('d')).toBeDefined();
  });

  it('invalidateAll empties it and bumps the epoch', () => {
    const l1 = new L1Cache(3, 10_000);
    l1.fill(l1.epoch, compileBinding(state('a')));
    const e = l1.epoch;
    l1.invalidateAll();
    expect(l1.size).toBe(0);
    expect(l1.epoch).toBe(e + 1);
  });

  it('markAllSuspect: entries stop answering get() but serve suspect() as a fallback, within their TTL', () => {
    let now = 1_000;
    const l1 = new L1Cache(10, 100, () => now);
    l1.fill(l1.epoch, compileBinding(state('a')));
    const epoch = l1.epoch;
    l1.markAllSuspect();
    expect(l1.epoch).toBe(epoch + 1);
    expect(l1.get('a')).toBeUndefined();
    expect(l1.suspect('a')?.state.tokenHash).toBe('a');
    expect(l1.suspect('b')).toBeUndefined();
    now += 100;
    expect(l1.suspect('a')).toBeUndefined(); // the TTL still bounds it
    l1.fill(l1.epoch, compileBinding(state('b')));
    expect(l1.get('b')?.state.tokenHash).toBe('b'); // filled after the mark: trusted
    expect(l1.suspect('b')).toBeUndefined();
  });
});
