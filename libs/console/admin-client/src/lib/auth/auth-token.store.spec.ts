import { TestBed } from '@angular/core/testing';

import { AUTH_TOKEN_STORAGE_KEY, AuthTokenStore } from './auth-token.store';

describe('AuthTokenStore', () => {
  beforeEach(() => sessionStorage.clear());
  afterEach(() => sessionStorage.clear());

  function createStore(): AuthTokenStore {
    return TestBed.inject(AuthTokenStore);
  }

  it('starts signed out when sessionStorage holds no token', () => {
    const store = createStore();

    expect(store.token()).toBeNull();
    expect(store.isAuthenticated()).toBe(false);
  });

  it('restores a token kept in sessionStorage (page reload)', () => {
    sessionStorage.setItem(AUTH_TOKEN_STORAGE_KEY, 'jwt.from.before');

    const store = createStore();

    expect(store.token()).toBe('jwt.from.before');
    expect(store.isAuthenticated()).toBe(true);
  });

  it('set() updates the signal and sessionStorage', () => {
    const store = createStore();

    store.set('  header.payload.signature  ');

    expect(store.token()).toBe('header.payload.signature');
    expect(store.isAuthenticated()).toBe(true);
    expect(sessionStorage.getItem(AUTH_TOKEN_STORAGE_KEY)).toBe('header.payload.signature');
  });

  it('set() rejects an empty token', () => {
    const store = createStore();

    expect(() => store.set('   ')).toThrow(/must not be empty/);
    expect(store.token()).toBeNull();
  });

  it('clear() removes the token from the signal and sessionStorage', () => {
    const store = createStore();
    store.set('a.b.c');

    store.clear();

    expect(store.token()).toBeNull();
    expect(store.isAuthenticated()).toBe(false);
    expect(sessionStorage.getItem(AUTH_TOKEN_STORAGE_KEY)).toBeNull();
  });

  it('keeps working in memory when sessionStorage throws', () => {
    const setItem = jest.spyOn(Storage.prototype, 'setItem').mockImplementation(() => {
      throw new DOMException('quota', 'QuotaExceededError');
    });
    try {
      const store = createStore();

      store.set('a.b.c');

      expect(store.token()).toBe('a.b.c');
    } finally {
      setItem.mockRestore();
    }
  });
});
