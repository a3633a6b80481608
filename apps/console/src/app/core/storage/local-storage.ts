import { DOCUMENT, InjectionToken, inject } from '@angular/core';

/**
 * The browser's localStorage, or null where it is blocked (privacy modes, sandboxed frames):
 * reading `window.localStorage` itself throws there. Preferences then last for the page only.
 */
export const LOCAL_STORAGE = new InjectionToken<Storage | null>('LOCAL_STORAGE', {
  providedIn: 'root',
  factory: () => {
    try {
      return inject(DOCUMENT).defaultView?.localStorage ?? null;
    } catch {
      return null;
    }
  },
});

/** Reads a preference; any storage error counts as "not set". */
export function readPreference(storage: Storage | null, key: string): string | null {
  try {
    return storage?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

/** Writes a preference; a full or blocked storage is not worth an error for a UI preference. */
export function writePreference(storage: Storage | null, key: string, value: string): void {
  try {
    storage?.setItem(key, value);
  } catch {
    // ignored on purpose
  }
}
