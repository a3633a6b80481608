import { TestBed } from '@angular/core/testing';

import { I18nService, LANGUAGE_STORAGE_KEY } from './i18n.service';
import { LANGUAGES } from './languages';
import { en } from './messages/en';
import { Messages } from './messages/messages';
import { zhCN } from './messages/zh-cn';

describe('I18nService', () => {
  const html = document.documentElement;
  let browserLanguage: jest.SpyInstance<string>;

  beforeEach(() => {
    localStorage.clear();
    html.lang = '';
    browserLanguage = jest.spyOn(window.navigator, 'language', 'get').mockReturnValue('en-US');
  });

  afterEach(() => {
    browserLanguage.mockRestore();
    localStorage.clear();
  });

  it('starts in English for an English browser', () => {
    const i18n = TestBed.inject(I18nService);

    expect(i18n.language()).toBe('en');
    expect(i18n.messages().pages.dashboard.title).toBe('Dashboard');
    expect(html.lang).toBe('en');
  });

  it('starts in Simplified Chinese for a Chinese browser', () => {
    browserLanguage.mockReturnValue('zh-TW');

    expect(TestBed.inject(I18nService).language()).toBe('zh-CN');
  });

  it('restores the stored language over the browser language', () => {
    localStorage.setItem(LANGUAGE_STORAGE_KEY, 'zh-CN');

    const i18n = TestBed.inject(I18nService);

    expect(i18n.language()).toBe('zh-CN');
    expect(html.lang).toBe('zh-CN');
  });

  it('use() switches the messages signal, <html lang> and storage', () => {
    const i18n = TestBed.inject(I18nService);

    i18n.use('zh-CN');

    expect(i18n.messages().pages.dashboard.title).toBe('仪表盘');
    expect(html.lang).toBe('zh-CN');
    expect(localStorage.getItem(LANGUAGE_STORAGE_KEY)).toBe('zh-CN');
  });

  it('offers every language it has a dictionary for', () => {
    expect(LANGUAGES.map((language) => language.id)).toEqual(['en', 'zh-CN']);
  });

  it('has a non-empty translation for every English message', () => {
    expect(leafPaths(zhCN)).toEqual(leafPaths(en));
    for (const [path, value] of leafEntries(zhCN)) {
      expect([path, value.trim().length > 0]).toEqual([path, true]);
    }
  });
});

function leafEntries(messages: Messages): [string, string][] {
  const entries: [string, string][] = [];
  const walk = (node: object, prefix: string): void => {
    for (const [key, value] of Object.entries(node)) {
      const path = prefix ? `${prefix}.${key}` : key;
      if (typeof value === 'string') {
        entries.push([path, value]);
      } else {
        walk(value as object, path);
      }
    }
  };
  walk(messages, '');
  return entries;
}

function leafPaths(messages: Messages): string[] {
  return leafEntries(messages)
    .map(([path]) => path)
    .sort();
}
