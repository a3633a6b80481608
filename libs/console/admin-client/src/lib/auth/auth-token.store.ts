import { DOCUMENT, Injectable, computed, inject, signal } from '@angular/core';

/** sessionStorage key of the admin JWT: per browser tab, gone when the tab closes. */
export const AUTH_TOKEN_STORAGE_KEY = 'sentinel.admin.jwt';

/**
 * Holds the admin session's JWT. The signal is the source of truth; sessionStorage only lets the
 * token survive a page reload. Storage may be unavailable (privacy modes, sandboxed frames): the
 * store then keeps the token in memory only.
 */
@Injectable({ providedIn: 'root' })
export class AuthTokenStore {
  private readonly storage = sessionStorageOf(inject(DOCUMENT));
  private readonly current = signal<string | null>(this.restore());

  /** The JWT, or null when signed out. */
  readonly token = this.current.asReadonly();
  readonly isAuthenticated = computed(() => this.current() !== null);

  set(token: string): void {
    const value = token.trim();
    if (value === '') {
      throw new Error('AuthTokenStore.set: the token must not be empty');
    }
    this.current.set(value);
    try {
      this.storage?.setItem(AUTH_TOKEN_STORAGE_KEY, value);
    } catch {
      // Quota or access error: the in-memory token still works for this page's lifetime.
    }
  }

  clear(): void {
    this.current.set(null);
    try {
      this.storage?.removeItem(AUTH_TOKEN_STORAGE_KEY);
    } catch {
      // Nothing to undo: the in-memory token is already gone.
    }
  }

  private restore(): string | null {
    try {
      const stored = this.storage?.getItem(AUTH_TOKEN_STORAGE_KEY)?.trim();
      return stored ? stored : null;
    } catch {
      return null;
    }
  }
}

function sessionStorageOf(document: Document): Storage | null {
  try {
    // Reading the property itself throws a SecurityError where storage is blocked.
    return document.defaultView?.sessionStorage ?? null;
  } catch {
    return null;
  }
}
