import { DOCUMENT, Injectable, computed, inject, signal } from '@angular/core';

import { LOCAL_STORAGE, readPreference, writePreference } from '../storage/local-storage';
import { LANGUAGES, Language, isLanguage } from './languages';
import { en } from './messages/en';
import { Messages } from './messages/messages';
import { zhCN } from './messages/zh-cn';

export const LANGUAGE_STORAGE_KEY = 'sentinel.console.language';

const DICTIONARIES: Readonly<Record<Language, Messages>> = {
  en,
  'zh-CN': zhCN,
};

/**
 * Signal-based translations. Components read `messages()` (usually aliased `t`) in templates, so a
 * language switch re-renders OnPush views without any subscription. Until the admin picks a
 * language, the browser's preferred language decides; a choice is remembered in localStorage.
 */
@Injectable({ providedIn: 'root' })
export class I18nService {
  private readonly document = inject(DOCUMENT);
  private readonly storage = inject(LOCAL_STORAGE);
  private readonly current = signal<Language>(this.initialLanguage());

  readonly languages = LANGUAGES;
  readonly language = this.current.asReadonly();
  readonly messages = computed(() => DICTIONARIES[this.current()]);

  constructor() {
    this.apply(this.current());
  }

  use(language: Language): void {
    this.current.set(language);
    this.apply(language);
    writePreference(this.storage, LANGUAGE_STORAGE_KEY, language);
  }

  private apply(language: Language): void {
    // Screen readers pick their voice from it; the CJK font fallback in styles.scss keys off it too.
    this.document.documentElement.lang = language;
  }

  private initialLanguage(): Language {
    const stored = readPreference(this.storage, LANGUAGE_STORAGE_KEY);
    if (isLanguage(stored)) {
      return stored;
    }
    const preferred = this.document.defaultView?.navigator.language ?? '';
    return preferred.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
  }
}
