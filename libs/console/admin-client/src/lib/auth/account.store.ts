import { DOCUMENT, Injectable, computed, inject, signal } from '@angular/core';
import { roleAtLeast, type AdminRole, type MeResponse } from '@sentinel/admin-contract';

/** sessionStorage key of who is signed in (username and role: nothing secret). */
export const ACCOUNT_STORAGE_KEY = 'sentinel.admin.account';

/**
 * Who is signed in, from the login / refresh answer or GET me. The console decides what to show
 * from it; the server enforces the same roles on every call regardless.
 */
@Injectable({ providedIn: 'root' })
export class AccountStore {
  private readonly storage = storageOf(inject(DOCUMENT));
  private readonly current = signal<MeResponse | null>(this.restore());

  readonly account = this.current.asReadonly();
  readonly role = computed<AdminRole | null>(() => this.current()?.role ?? null);

  /** True when the signed-in role is at least `role`. Unknown (not loaded yet): false. */
  can(role: AdminRole): boolean {
    const have = this.role();
    return have !== null && roleAtLeast(have, role);
  }

  set(account: MeResponse): void {
    this.current.set(account);
    try {
      this.storage?.setItem(ACCOUNT_STORAGE_KEY, JSON.stringify(account));
    } catch {
      // memory only
    }
  }

  clear(): void {
    this.current.set(null);
    try {
      this.storage?.removeItem(ACCOUNT_STORAGE_KEY);
    } catch {
      // nothing kept
    }
  }

  private restore(): MeResponse | null {
    try {
      const raw = this.storage?.getItem(ACCOUNT_STORAGE_KEY);
      return raw ? (JSON.parse(raw) as MeResponse) : null;
    } catch {
      return null;
    }
  }
}

function storageOf(document: Document): Storage | null {
  try {
    return document.defaultView?.sessionStorage ?? null;
  } catch {
    return null;
  }
}
