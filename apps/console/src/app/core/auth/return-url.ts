/**
 * The in-app URL to go back to after signing in, or `fallback`. Only internal router URLs are
 * accepted: they start with one `/` (not `//` or `/\`, which browsers treat as another host) and
 * never point back at the login page itself.
 */
export function safeReturnUrl(value: string | null | undefined, fallback = '/'): string {
  if (typeof value !== 'string' || value.length === 0) return fallback;
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) {
    return fallback;
  }
  if ([...value].some((c) => c.charCodeAt(0) < 0x20)) return fallback;
  if (value === '/login' || value.startsWith('/login?') || value.startsWith('/login/')) {
    return fallback;
  }
  return value;
}
