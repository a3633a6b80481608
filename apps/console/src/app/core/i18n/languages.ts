/** Supported UI languages; `id` is a BCP 47 tag, also written to <html lang>. */
export const LANGUAGES = [
  // Language names are shown in their own language (endonyms), whatever the current UI language.
  { id: 'en', nativeName: 'English' },
  { id: 'zh-CN', nativeName: '简体中文' },
] as const;

export type Language = (typeof LANGUAGES)[number]['id'];

export function isLanguage(value: unknown): value is Language {
  return LANGUAGES.some((language) => language.id === value);
}
