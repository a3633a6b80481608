import { TestBed } from '@angular/core/testing';

import { THEME_STORAGE_KEY, ThemeService } from './theme.service';

describe('ThemeService', () => {
  const html = document.documentElement;

  beforeEach(() => {
    localStorage.clear();
    html.className = '';
  });

  afterEach(() => {
    Reflect.deleteProperty(window, 'matchMedia'); // jsdom has none; some tests add one
    localStorage.clear();
    html.className = '';
  });

  it('follows the OS preference until the admin chooses', () => {
    mockPrefersDark(true);

    const theme = TestBed.inject(ThemeService);

    expect(theme.mode()).toBe('dark');
    expect(html.classList).toContain('theme-dark');
    expect(localStorage.getItem(THEME_STORAGE_KEY)).toBeNull();
  });

  it('defaults to light without matchMedia (or an OS preference)', () => {
    const theme = TestBed.inject(ThemeService);

    expect(theme.mode()).toBe('light');
    expect(html.classList).toContain('theme-light');
  });

  it('restores the stored choice over the OS preference', () => {
    mockPrefersDark(true);
    localStorage.setItem(THEME_STORAGE_KEY, 'light');

    expect(TestBed.inject(ThemeService).mode()).toBe('light');
  });

  it('ignores a stored value it does not know', () => {
    localStorage.setItem(THEME_STORAGE_KEY, 'sepia');

    expect(TestBed.inject(ThemeService).mode()).toBe('light');
  });

  it('toggle() switches the class on <html> and remembers the choice', () => {
    const theme = TestBed.inject(ThemeService);

    theme.toggle();

    expect(theme.isDark()).toBe(true);
    expect(html.classList).toContain('theme-dark');
    expect(html.classList).not.toContain('theme-light');
    expect(localStorage.getItem(THEME_STORAGE_KEY)).toBe('dark');

    theme.toggle();

    expect(html.classList).toContain('theme-light');
    expect(html.classList).not.toContain('theme-dark');
    expect(localStorage.getItem(THEME_STORAGE_KEY)).toBe('light');
  });
});

function mockPrefersDark(matches: boolean): void {
  Object.defineProperty(window, 'matchMedia', {
    configurable: true,
    value: (query: string) => ({
      matches: matches && query.includes('dark'),
      media: query,
    }),
  });
}
