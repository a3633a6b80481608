import fc from 'fast-check';
import { extractCredential, type CredentialResult } from './extract-credential';
import {
  goTrimSpace,
  NEW_API_VERSIONS,
  newApiTokenKey,
  parseRequestURI,
  type NewApiVersion,
} from './newapi-reference.spec-helper';

/**
 * Differential test: `extractCredential` against a literal transcription of New API's
 * TokenAuth (newapi-reference.spec-helper.ts), on generated requests, for two New API versions.
 *
 * The security property, for every version V whose server would accept the request target:
 *   - ours = key K  ⇒ V's key is K, or empty (V answers 401): never a different key;
 *   - ours = none   ⇒ V's key is empty: nothing authenticates past us unguarded;
 *   - ours = conflict is always allowed (Sentinel answers 400, nothing is forwarded).
 * And a tightness property, so "conflict" cannot pass trivially: a request with one plainly
 * spelled key in one place that New API reads gives exactly that key.
 */

const K1 = 'AbCdEfGh12345678ijklMNOP90qrstUVWXyz0123456789Ab';
const K2 = 'ZyXwVuTs98765432ponmLKJI10hgfeDCBA9876543210zYxW';
const NBSP = '\u00c2\u00a0'; // UTF-8 bytes of U+00A0 as Node sees them (latin1)

/** Mostly realistic choices, some hostile ones: `often` is picked four times as often. */
const mostly = (often: readonly string[], rarely: readonly string[]) =>
  fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...often) }, { weight: 1, arbitrary: fc.constantFrom(...rarely) });

/** A key as clients (and attackers) spell it; `main` is the request's own key, used most often. */
const spelledKey = (main: string) =>
  fc
    .tuple(
      fc.oneof(
        { weight: 6, arbitrary: fc.constant(main) },
        { weight: 1, arbitrary: fc.constantFrom(K1, K2, K1.toLowerCase(), 'short', 'a'.repeat(200)) },
      ),
      mostly(['', 'sk-'], ['sk-sk-', 'SK-']),
      mostly(['', '-12'], ['-', '-x-y', ' -1']),
      mostly(['', 'Bearer ', 'bearer ', 'Bearer   '], ['BEARER ', 'Bearer\t', 'Basic ']),
      mostly([''], [' ', NBSP, '\u00ff', '\t']),
    )
    .map(([k, pre, post, scheme, pad]) => `${scheme}${pad}${pre}${k}${post}${pad}`);

const specialValue = fc.constantFrom(
  '',
  'midjourney-proxy',
  'Bearer midjourney-proxy',
  'sk-',
  '-x',
  'Bearer',
  'Bearer sk-',
  'sk--1',
  NBSP,
  ' ',
);

const credentialValue = (main: string) =>
  fc.oneof({ weight: 4, arbitrary: spelledKey(main) }, { weight: 1, arbitrary: specialValue });

const wsValue = (main: string) =>
  fc
    .array(
      fc.oneof(
        fc.constantFrom(
          'realtime',
          'openai-beta.realtime-v1',
          'openai-insecure-api-key.',
          'openai-insecure-api-keyX',
          ' realtime ',
        ),
        credentialValue(main).map((v) => `openai-insecure-api-key.${v}`),
        credentialValue(main),
      ),
      { minLength: 1, maxLength: 3 },
    )
    .chain((parts) => fc.constantFrom(',', ', ', ' , ').map((sep) => parts.join(sep)));

const spellings: Record<string, readonly string[]> = {
  authorization: ['Authorization', 'authorization', 'AUTHORIZATION'],
  'sec-websocket-protocol': ['Sec-WebSocket-Protocol', 'sec-websocket-protocol'],
  'x-api-key': ['x-api-key', 'X-Api-Key', 'X-API-KEY'],
  'x-goog-api-key': ['x-goog-api-key', 'X-Goog-Api-Key'],
  'mj-api-secret': ['mj-api-secret', 'Mj-Api-Secret'],
};

const header = (main: string) =>
  fc.oneof(
    fc.tuple(fc.constantFrom(...spellings['authorization']), credentialValue(main)),
    fc.tuple(fc.constantFrom(...spellings['sec-websocket-protocol']), wsValue(main)),
    fc.tuple(fc.constantFrom(...spellings['x-api-key']), credentialValue(main)),
    fc.tuple(fc.constantFrom(...spellings['x-goog-api-key']), credentialValue(main)),
    fc.tuple(fc.constantFrom(...spellings['mj-api-secret']), credentialValue(main)),
    fc.tuple(fc.constantFrom('x-api-keys', 'api-key', 'anthropic-version', 'content-type'), credentialValue(main)),
  );

const path = fc.constantFrom(
  '/v1/chat/completions',
  '/v1/messages',
  '/v1/messages/count_tokens',
  '/v1/models',
  '/v1/models/',
  '/v1/models/gpt-4o',
  '/v1/models/gemini-pro:generateContent',
  '/v1beta/models',
  '/v1beta/models/gemini-2.0-flash:streamGenerateContent',
  '/v1beta/openai/models',
  '/v1/realtime',
  '/mj/submit/imagine',
  '/fast/mj/submit/imagine',
  '/suno/submit/music',
  '/dashboard/billing/usage',
  '/api/usage/token/',
  '/x/v1/models',
  '/v1//messages',
  '/V1/messages',
  '/v1/%6Dodels',
  '/v1/models%2Fgemini',
  '/v1beta%2Fmodels',
  '/v1/./models/x',
  '/v1beta/x/../models',
  '/v1/models#frag',
  'http://new-api/v1beta/models/g',
  'http://new-api/v1/models',
  '/v1/models%zz',
);

const encode = (v: string) =>
  v.replace(/[^A-Za-z0-9_.~-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`);

const queryPair = (main: string) =>
  fc.oneof(
    credentialValue(main).map((v) => `key=${encode(v)}`),
    credentialValue(main).map((v) => `k%65y=${encode(v)}`),
    credentialValue(main).map((v) => `key=${encode(v).replace(/%20/g, '+')}`),
    credentialValue(main).map((v) => `KEY=${encode(v)}`),
    fc.constantFrom('key', 'key=', 'alt=sse', `key=${K1};x=1`, `x=1;key=${K2}`, 'key=%zz', `key+=${K1}`, 'key=%C2%A0'),
  );
const query = (main: string) =>
  fc.oneof(
    fc.constant(''),
    fc.array(queryPair(main), { minLength: 1, maxLength: 2 }).map((pairs) => `?${pairs.join('&')}`),
  );

const request = fc
  .constantFrom(K1, K2)
  .chain((main) =>
    fc.record({
      path,
      query: query(main),
      headers: fc.array(header(main), { maxLength: 4 }),
      method: fc.constantFrom('GET', 'POST'),
    }),
  )
  .map(({ path: p, query: q, headers, method }) => ({
    method,
    url: p + q,
    rawHeaders: headers.flatMap(([n, v]) => [n, v]),
  }));

/** The property for one request and one version; returns a description of a violation or null. */
function violation(
  req: { method: string; url: string; rawHeaders: string[] },
  ours: CredentialResult,
  version: NewApiVersion,
): string | null {
  const ref = newApiTokenKey(req, version);
  if (ref.status === 'bad-request') return null; // Go answers 400; New API never authenticates
  if (ours.kind === 'conflict') return null;
  if (ours.kind === 'none') return ref.key === '' ? null : `we said none, ${version} reads a key`;
  return ref.key === ours.key || ref.key === ''
    ? null
    : `we bind ${JSON.stringify(ours.key)}, ${version} reads ${JSON.stringify(ref.key)}`;
}

describe('extractCredential vs a literal transcription of New API TokenAuth', () => {
  it('never lets New API authenticate with a key other than the one we bind (20,000 generated requests)', () => {
    const tally = { key: 0, none: 0, conflict: 0, authenticatedByRef: 0 };
    fc.assert(
      fc.property(request, (req) => {
        const ours = extractCredential(req);
        tally[ours.kind]++;
        for (const version of NEW_API_VERSIONS) {
          const ref = newApiTokenKey(req, version);
          if (ref.status === 'ok' && ref.key !== '' && ours.kind === 'key') tally.authenticatedByRef++;
          const problem = violation(req, ours, version);
          if (problem !== null) throw new Error(`${problem}: ${JSON.stringify(req)}`);
        }
        return true;
      }),
      { seed: 20260722, numRuns: 20_000 },
    );
    // The sample exercises every outcome, not only refusals (this seed: ~2,200 keys, ~5,500 none,
    // ~12,300 conflicts — mostly the generator's hostile bytes and duplicate headers).
    expect(tally.key).toBeGreaterThan(1500);
    expect(tally.none).toBeGreaterThan(1000);
    expect(tally.conflict).toBeGreaterThan(2000);
    expect(tally.authenticatedByRef).toBeGreaterThan(2000);
  });

  it('is tight: one plain key in one place New API reads gives exactly that key', () => {
    const place = fc.constantFrom(
      { path: '/v1/chat/completions', header: 'Authorization', value: (k: string) => `Bearer sk-${k}` },
      { path: '/v1/chat/completions', header: 'authorization', value: (k: string) => `bearer ${k}-3` },
      {
        path: '/v1/realtime',
        header: 'Sec-WebSocket-Protocol',
        value: (k: string) => `realtime, openai-insecure-api-key.sk-${k}`,
      },
      { path: '/v1/messages', header: 'x-api-key', value: (k: string) => `sk-${k}` },
      { path: '/v1beta/models/g:generateContent', header: 'x-goog-api-key', value: (k: string) => k },
      { path: '/mj/submit/imagine', header: 'mj-api-secret', value: (k: string) => `sk-${k}` },
      { path: '/v1beta/models/g:generateContent', header: null, value: (k: string) => `?key=sk-${k}` },
    );
    fc.assert(
      fc.property(place, fc.constantFrom(K1, K2, K1.toLowerCase()), ({ path: p, header: h, value }, k) => {
        const req =
          h === null
            ? { method: 'POST', url: p + value(k), rawHeaders: [] }
            : { method: 'POST', url: p, rawHeaders: [h, value(k)] };
        const ours = extractCredential(req);
        for (const version of NEW_API_VERSIONS) {
          const ref = newApiTokenKey(req, version);
          if (ref.status !== 'ok' || ref.key !== k) return false;
        }
        return ours.kind === 'key' && ours.key === k;
      }),
      { seed: 7, numRuns: 500 },
    );
  });

  it('answers the same every time and never throws on arbitrary input (security-cases.md case 31)', () => {
    const anyHeaders = fc.array(
      fc.tuple(fc.oneof(fc.constantFrom(...Object.values(spellings).flat()), fc.string()), fc.string()),
      { maxLength: 6 },
    );
    fc.assert(
      fc.property(fc.string(), anyHeaders, (url, headers) => {
        const req = { method: 'GET', url, rawHeaders: headers.flatMap(([n, v]) => [n, v]) };
        return JSON.stringify(extractCredential(req)) === JSON.stringify(extractCredential(req));
      }),
      { seed: 31, numRuns: 5000 },
    );
  });
});

describe('the reference transcription itself', () => {
  it('models Go’s TrimSpace (Unicode spaces, invalid UTF-8 left alone)', () => {
    expect(goTrimSpace(` \t${K1}${NBSP}\u00e3\u0080\u0080`)).toBe(K1); // U+00A0 and U+3000 as UTF-8 bytes
    expect(goTrimSpace(`${K1}\u00a0`)).toBe(`${K1}\u00a0`); // a lone 0xA0 byte is not a space in Go
    expect(goTrimSpace('\u00c2\u0085x\u000b')).toBe('x'); // NEL, vertical tab
  });

  it('models url.ParseRequestURI', () => {
    expect(parseRequestURI('/v1/chat%2Fcompletions?key=a')).toEqual({
      path: '/v1/chat/completions',
      rawQuery: 'key=a',
    });
    expect(parseRequestURI('http://h/v1/models?key=a')).toEqual({ path: '/v1/models', rawQuery: 'key=a' });
    expect(parseRequestURI('/v1/%zz')).toBeInstanceOf(Error);
    expect(parseRequestURI('v1/models')).toBeInstanceOf(Error);
  });

  it('reproduces the examples of new-api-credentials.md', () => {
    const run = (url: string, rawHeaders: string[], version: NewApiVersion = 'doc-2026-02') =>
      newApiTokenKey({ method: 'POST', url, rawHeaders }, version);
    expect(run('/v1/chat/completions', ['Sec-WebSocket-Protocol', 'sk-abc', 'Authorization', `Bearer ${K1}`])).toEqual({
      status: 'ok',
      key: 'abc',
    });
    expect(
      run(
        '/v1/chat/completions',
        ['Sec-WebSocket-Protocol', 'sk-abc', 'Authorization', `Bearer ${K1}`],
        'upstream-latest',
      ),
    ).toEqual({
      status: 'ok',
      key: K1,
    });
    expect(run(`/v1/models?key=${K1}`, [])).toEqual({ status: 'ok', key: '' });
    expect(run(`/v1/models?key=${K1}`, [], 'upstream-latest')).toEqual({ status: 'ok', key: K1 });
    expect(run(`/v1beta/models/x?key=${K2}`, ['x-goog-api-key', K1])).toEqual({ status: 'ok', key: K1 });
    expect(
      run('/mj/submit/imagine', ['Authorization', 'Bearer midjourney-proxy', 'mj-api-secret', `Bearer sk-${K1}-2`]),
    ).toEqual({ status: 'ok', key: K1 });
    for (const v of [`sk-${K1}`, K1, `sk-${K1}-12`, `${K1}-anything`])
      expect(run('/v1/chat/completions', ['Authorization', v])).toEqual({ status: 'ok', key: K1 });
  });
});
