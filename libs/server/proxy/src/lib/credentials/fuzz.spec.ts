import fc from 'fast-check';
import { extractCredential, type CredentialResult } from './extract-credential';
import { classifyRoute } from './route-class';

/**
 * Security matrix cases 15 and 31 (credential extractor half): arbitrary rawHeaders and request
 * targets — non-ASCII, control bytes, huge values — never throw, give the same answer every
 * time, never echo key material in a conflict reason, and a key in two places with two values is
 * always a conflict. Fixed seed, bounded runs.
 */
const SEED = 0x5e471e1;
const RUNS = 300;

const K = 'AbCdEfGh12345678ijklMNOP90qrstUVWXyz0123456789Ab';
const K2 = 'ZyXwVuTs98765432ponmLKJI10hgfeDCBA9876543210zYxW';

const URLS: readonly string[] = [
  '/v1/chat/completions',
  '/v1/messages',
  '/v1/models',
  '/v1/models/gpt-4',
  '/v1beta/models/gemini:generateContent',
  '/v1beta/models/gemini:generateContent?key=sk-x',
  '/v1beta/openai/models',
  '/v1/realtime',
  '/mj/submit/imagine',
  '/HEALTH',
  '/health',
  '/admin/api/../v1/chat/completions',
  '/admin/api/./x',
  '/admin/api/%2e%2e/v1/x',
  '//v1//chat',
  '/v1/%63hat/completions',
  '/v1\\chat',
  '/v1/chat%2Fcompletions',
  '%',
  '/%zz',
  '*',
  'http://evil/v1/chat',
  '',
  '/api/usage/token/',
  '/api/log/token',
  '/dashboard/billing/usage',
  '/v1/é',
  '/v1/\u0000',
  '/v1/chat?key=a&key=b',
  'x'.repeat(10_240),
];
const HEADER_NAMES = [
  'Authorization',
  'authorization',
  'AUTHORIZATION',
  'x-api-key',
  'X-Api-Key',
  'x-goog-api-key',
  'mj-api-secret',
  'Sec-WebSocket-Protocol',
  'Content-Length',
  'Transfer-Encoding',
  'X-Real-IP',
  'Host',
];
const VALUES: readonly string[] = [
  `Bearer sk-${K}`,
  `bearer ${K}`,
  `sk-${K}-7`,
  `${K}-7`,
  'Bearer ',
  'Bearer',
  '',
  ' ',
  'midjourney-proxy',
  `Bearer sk-${'A'.repeat(10_240)}`,
  `realtime, openai-insecure-api-key.sk-${K}`,
  `Bearer sk-${K}\u0000`,
  `Bearer sk-${K}é`,
  `Bearer sk-${K} x`,
  'Basic dXNlcjpwYXNz',
];

const anyString = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.integer({ min: 1000, max: 20_000 }).map((n) => 'k'.repeat(n)),
);
const url = fc.oneof(
  fc.constantFrom(...URLS),
  anyString,
  fc.tuple(fc.constantFrom(...URLS), anyString).map(([u, s]) => `${u}${s}`),
);
const header = fc.tuple(
  fc.oneof(fc.constantFrom(...HEADER_NAMES), anyString),
  fc.oneof(fc.constantFrom(...VALUES), anyString),
);
const rawHeaders = fc.array(header, { maxLength: 8 }).map((hs) => hs.flatMap(([n, v]) => [n, v]));
const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH', 'get', 'CONNECT', '');

const secretsIn = (s: string): string[] => {
  // Every run of ≥ 8 key-ish characters in the inputs could be key material.
  const out: string[] = [];
  for (const m of s.matchAll(/[0-9A-Za-z]{16,}/g)) out.push(m[0].slice(0, 16));
  return out;
};

describe('case 31: fuzzing classifyRoute / extractCredential', () => {
  it('never throws and answers the same every time on arbitrary request targets', () => {
    fc.assert(
      fc.property(method, url, (m, u) => {
        const a = classifyRoute(m, u);
        const b = classifyRoute(m, u);
        expect(b).toEqual(a);
        expect(['sentinel', 'relay', 'passthrough', 'reject']).toContain(a.routeClass);
      }),
      { seed: SEED, numRuns: RUNS * 3 },
    );
  });

  it('never throws, is deterministic, and never echoes key material in a conflict reason', () => {
    fc.assert(
      fc.property(method, url, rawHeaders, (m, u, h) => {
        const req = { method: m, url: u, rawHeaders: h };
        const a: CredentialResult = extractCredential(req);
        expect(extractCredential(req)).toEqual(a);
        expect(['none', 'key', 'conflict']).toContain(a.kind);
        if (a.kind === 'conflict') {
          for (const secret of [K, K2, K.slice(0, 16), K2.slice(0, 16), ...h.flatMap(secretsIn)]) {
            // The reason may name a header, never the value found in it.
            if (HEADER_NAMES.some((n) => n.toLowerCase().includes(secret.toLowerCase()))) continue;
            expect(a.reason).not.toContain(secret);
          }
        }
        if (a.kind === 'key') {
          expect(a.key.length).toBeGreaterThan(0);
          expect(a.key.length).toBeLessThanOrEqual(128);
          expect(a.key).not.toMatch(/[^\x21-\x7e]/);
        }
      }),
      { seed: SEED, numRuns: RUNS * 3 },
    );
  });

  it('case 15: a 10 KB token and malformed credentials never become a key', () => {
    for (const v of [
      `Bearer sk-${'A'.repeat(10_240)}`,
      `Bearer sk-${K}\u0000`,
      `Bearer sk-${K}é`,
      `Bearer sk-${K} x`,
    ]) {
      const r = extractCredential({ method: 'POST', url: '/v1/chat/completions', rawHeaders: ['Authorization', v] });
      expect(r.kind).not.toBe('key');
    }
  });

  /** Places that New API reads on `/v1/models/…` (every source applies there). */
  const places: readonly ((k: string) => { url?: string; headers: string[] })[] = [
    (k) => ({ headers: ['Authorization', `Bearer sk-${k}`] }),
    (k) => ({ headers: ['x-api-key', `sk-${k}`] }),
    (k) => ({ headers: ['x-goog-api-key', k] }),
    (k) => ({ url: `?key=sk-${k}`, headers: [] }),
    (k) => ({ headers: ['Sec-WebSocket-Protocol', `realtime, openai-insecure-api-key.sk-${k}`] }),
  ];
  const keyChars = fc.string({
    unit: fc.constantFrom(...'0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('')),
    minLength: 16,
    maxLength: 64,
  });

  it('a key placed in two different places with two different values is always a conflict', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: places.length - 1 }),
        fc.integer({ min: 0, max: places.length - 1 }),
        keyChars,
        keyChars,
        (i, j, k1, k2) => {
          fc.pre(i !== j && k1.toLowerCase() !== k2.toLowerCase());
          const a = places[i](k1);
          const b = places[j](k2);
          const query = [a.url, b.url].filter(Boolean).join('');
          const r = extractCredential({
            method: 'GET',
            url: `/v1/models/gpt-4${query}`,
            rawHeaders: [...a.headers, ...b.headers],
          });
          expect(r.kind).toBe('conflict');
          if (r.kind === 'conflict') {
            expect(r.reason).not.toContain(k1);
            expect(r.reason).not.toContain(k2);
          }
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
