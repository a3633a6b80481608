import { DOCUMENT, Injectable, computed, inject, signal } from '@angular/core';

import { LOCAL_STORAGE, readPreference, writePreference } from '../storage/local-storage';

export type ThemeMode = 'light' | 'dark';

export const THEME_STORAGE_KEY = 'sentinel.console.theme';

/** Classes on <html>; styles.scss maps each to a `color-scheme`, which the M3 tokens follow. */
export const THEME_CLASSES: Readonly<Record<ThemeMode, string>> = {
  light: 'theme-light',
  dark: 'theme-dark',
};

/**
 * Light or dark theme. Until the admin picks one, the OS preference (`prefers-color-scheme`) at
 * start-up decides; an explicit choice is remembered in localStorage.
 */
@Injectable({ providedIn: 'root' })
export class ThemeService {
  private readonly document = inject(DOCUMENT);
  private readonly storage = inject(LOCAL_STORAGE);
  private readonly current = signal<ThemeMode>(this.initialMode());

  readonly mode = this.current.asReadonly();
  readonly isDark = computed(() => this.current() === 'dark');

  constructor() {
    this.apply(this.current());
  }

  toggle(): void {
    this.use(this.isDark() ? 'light' : 'dark');
  }

  use(mode: ThemeMode): void {
    this.current.set(mode);
    this.apply(mode);
    writePreference(this.storage, THEME_STORAGE_KEY, mode);
  }

  private apply(mode: ThemeMode): void {
    const classes = this.document.documentElement.classList;
    classes.remove(...Object.values(THEME_CLASSES));
    classes.add(THEME_CLASSES[mode]);
  }

  private initialMode(): ThemeMode {
    const stored = readPreference(this.storage, THEME_STORAGE_KEY);
    if (stored === 'light' || stored === 'dark') {
      return stored;
    }
    const prefersDark = this.document.defaultView?.matchMedia?.('(prefers-color-scheme: dark)').matches;
    return prefersDark ? 'dark' : 'light';
  }
}
