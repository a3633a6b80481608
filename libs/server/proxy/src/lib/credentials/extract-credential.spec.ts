import { extractCredential, inspectRequest, MAX_KEY_LENGTH, type CredentialResult } from './extract-credential';
import { classifyRoute } from './route-class';

/** Two New API keys (48 characters of [0-9a-zA-Z], as New API generates them). */
const K = 'AbCdEfGh12345678ijklMNOP90qrstUVWXyz0123456789Ab';
const K2 = 'ZyXwVuTs98765432ponmLKJI10hgfeDCBA9876543210zYxW';

type Headers = readonly (readonly [string, string])[];

function req(url: string, headers: Headers = [], method = 'POST') {
  return { method, url, rawHeaders: headers.flatMap(([n, v]) => [n, v]) };
}

function extract(url: string, headers: Headers = [], method = 'POST'): CredentialResult {
  const result = extractCredential(req(url, headers, method));
  if (result.kind === 'conflict') {
    // No conflict reason may carry key material.
    for (const secret of [K, K2, K.slice(0, 8), K2.slice(0, 8), K.slice(-8), K2.slice(-8)])
      expect(result.reason).not.toContain(secret);
  }
  return result;
}

const key = (k: string, source: string) => ({ kind: 'key', key: k, bindingKey: k.toLowerCase(), source });
const NONE = { kind: 'none' };
const conflict = (reason?: RegExp) => ({
  kind: 'conflict',
  reason: reason ? expect.stringMatching(reason) : expect.any(String),
});

describe('step 1 — Sec-WebSocket-Protocol, on every guarded route', () => {
  const browser = `realtime, openai-insecure-api-key.sk-${K}, openai-beta.realtime-v1`;

  it('takes the key after openai-insecure-api-key. (realtime websocket)', () => {
    expect(extract('/v1/realtime?model=gpt-4o-realtime', [['Sec-WebSocket-Protocol', browser]], 'GET')).toEqual(
      key(K, 'sec-websocket-protocol'),
    );
  });

  it('also on POST /v1/chat/completions (not only /v1/realtime)', () => {
    expect(extract('/v1/chat/completions', [['Sec-WebSocket-Protocol', browser]])).toEqual(
      key(K, 'sec-websocket-protocol'),
    );
  });

  it('takes the whole header value when no part has the prefix (Sec-WebSocket-Protocol: sk-abc authenticates)', () => {
    expect(extract('/v1/chat/completions', [['sec-websocket-protocol', `sk-${K}`]])).toEqual(
      key(K, 'sec-websocket-protocol'),
    );
  });

  it('beats Authorization in New API: two different keys are refused, the same key is fine', () => {
    expect(
      extract('/v1/chat/completions', [
        ['Sec-WebSocket-Protocol', `sk-${K}`],
        ['Authorization', `Bearer sk-${K2}`],
      ]),
    ).toEqual(conflict(/different keys in Authorization and Sec-WebSocket-Protocol/));
    expect(
      extract('/v1/chat/completions', [
        ['Sec-WebSocket-Protocol', browser],
        ['Authorization', `Bearer sk-${K}`],
      ]),
    ).toEqual(key(K, 'sec-websocket-protocol'));
  });

  it('refuses a key-less protocol list next to Authorization (2026-02 code: the list is the key; later code: Authorization)', () => {
    expect(
      extract(
        '/v1/realtime',
        [
          ['Sec-WebSocket-Protocol', 'realtime'],
          ['Authorization', `Bearer ${K}`],
        ],
        'GET',
      ),
    ).toEqual(conflict());
    expect(extract('/v1/realtime', [['Sec-WebSocket-Protocol', 'realtime, openai-beta.realtime-v1']], 'GET')).toEqual(
      conflict(/whitespace inside the key/),
    );
  });

  it('an empty key part defers to Authorization (2026-02 code: empty → mj-api-secret; later code: Authorization)', () => {
    expect(
      extract(
        '/v1/realtime',
        [
          ['Sec-WebSocket-Protocol', 'realtime, openai-insecure-api-key.'],
          ['Authorization', `Bearer ${K}`],
        ],
        'GET',
      ),
    ).toEqual(key(K, 'authorization'));
  });

  it('refuses two different key parts (versions pick different ones)', () => {
    expect(
      extract(
        '/v1/realtime',
        [['Sec-WebSocket-Protocol', `openai-insecure-api-key.${K}, openai-insecure-api-key.${K2}`]],
        'GET',
      ),
    ).toEqual(conflict(/Sec-WebSocket-Protocol \(twice\)/));
    expect(
      extract(
        '/v1/realtime',
        [['Sec-WebSocket-Protocol', `openai-insecure-api-key.${K},openai-insecure-api-key.sk-${K}-3`]],
        'GET',
      ),
    ).toEqual(key(K, 'sec-websocket-protocol'));
  });

  it('counts a part with the prefix but no dot, as the 2026-02 code does (HasPrefix without the dot)', () => {
    expect(
      extract(
        '/v1/realtime',
        [
          ['Sec-WebSocket-Protocol', 'openai-insecure-api-keyX'],
          ['Authorization', `Bearer ${K}`],
        ],
        'GET',
      ),
    ).toEqual(conflict());
  });

  it('ignores an empty header', () => {
    expect(
      extract('/v1/chat/completions', [
        ['Sec-WebSocket-Protocol', ''],
        ['Authorization', `Bearer ${K}`],
      ]),
    ).toEqual(key(K, 'authorization'));
  });
});

describe('step 2 — x-api-key when the decoded path contains /v1/messages or /v1/models', () => {
  it.each([
    ['/v1/messages', 'POST'],
    ['/v1/messages/count_tokens', 'POST'],
    ['/v1/models', 'GET'],
    ['/v1/models/claude-3-5-sonnet', 'GET'],
    ['/anything/v1/messages', 'POST'], // "contains", not "starts with"
  ])('reads x-api-key on %s', (url, method) => {
    expect(
      extract(
        url,
        [
          ['x-api-key', `sk-${K}`],
          ['anthropic-version', '2023-06-01'],
        ],
        method,
      ),
    ).toEqual(key(K, 'x-api-key'));
  });

  it('does not read x-api-key elsewhere', () => {
    expect(extract('/v1/chat/completions', [['x-api-key', K]])).toEqual(NONE);
    expect(
      extract('/v1/chat/completions', [
        ['Authorization', `Bearer ${K}`],
        ['x-api-key', K2],
      ]),
    ).toEqual(key(K, 'authorization'));
  });

  it('x-api-key overrides Authorization in New API: different keys refused, same key fine', () => {
    expect(
      extract('/v1/messages', [
        ['Authorization', `Bearer ${K2}`],
        ['x-api-key', K],
      ]),
    ).toEqual(conflict(/Authorization and x-api-key/));
    expect(
      extract('/v1/messages', [
        ['Authorization', `Bearer sk-${K}-7`],
        ['x-api-key', `sk-${K}`],
      ]),
    ).toEqual(key(K, 'x-api-key'));
  });

  it('is itself "Bearer "-prefixed by New API, so its own Bearer prefix is part of the key', () => {
    expect(extract('/v1/messages', [['x-api-key', `Bearer ${K}`]])).toEqual(conflict(/whitespace/));
  });
});

describe('step 3 — ?key= then x-goog-api-key on Gemini paths (header wins)', () => {
  it.each([
    '/v1beta/models',
    '/v1beta/models/gemini-2.0-flash:generateContent',
    '/v1beta/openai/models',
    '/v1/models/gemini-pro:streamGenerateContent',
  ])('reads ?key= on %s', (path) => {
    expect(extract(`${path}?key=${K}&alt=sse`)).toEqual(key(K, 'query-key'));
    expect(extract(path, [['x-goog-api-key', K]])).toEqual(key(K, 'x-goog-api-key'));
  });

  it('the header wins over the query: same key → x-goog-api-key, different keys → refused', () => {
    expect(extract(`/v1beta/models/g:generateContent?key=sk-${K}`, [['X-Goog-Api-Key', K]])).toEqual(
      key(K, 'x-goog-api-key'),
    );
    expect(extract(`/v1beta/models/g:generateContent?key=${K2}`, [['x-goog-api-key', K]])).toEqual(
      conflict(/key query parameter and x-goog-api-key/),
    );
  });

  it('both beat x-api-key and Authorization: different keys are refused', () => {
    expect(extract(`/v1/models/g?key=${K}`, [['Authorization', `Bearer ${K2}`]], 'GET')).toEqual(conflict());
    expect(extract(`/v1/models/g?key=${K}`, [['x-api-key', K2]], 'GET')).toEqual(
      conflict(/x-api-key and the key query parameter/),
    );
  });

  it('exact /v1/models: the reference does not read ?key=, current upstream does — read it (fail-closed)', () => {
    expect(extract(`/v1/models?key=${K}`, [], 'GET')).toEqual(key(K, 'query-key'));
    expect(extract(`/v1/models?key=${K}`, [['Authorization', `Bearer ${K2}`]], 'GET')).toEqual(conflict());
  });

  it('does not read ?key= or x-goog-api-key on other paths', () => {
    expect(extract(`/v1/chat/completions?key=${K}`)).toEqual(NONE);
    expect(extract('/v1/chat/completions', [['x-goog-api-key', K]])).toEqual(NONE);
    expect(extract(`/v1/chat/completions?key=${K2}`, [['Authorization', `Bearer ${K}`]])).toEqual(
      key(K, 'authorization'),
    );
  });

  it.each([
    [`/v1beta/models?key=`, NONE],
    [`/v1beta/models?key`, NONE],
    [`/v1beta/models?k%65y=${K}`, key(K, 'query-key')], // the name is decoded too
    [`/v1beta/models?key=sk-${K}+`, key(K, 'query-key')], // '+' is a space, trimmed
    [`/v1beta/models?key=%20sk-${K}-2`, key(K, 'query-key')],
    [`/v1beta/models?KEY=${K}`, NONE], // names are case-sensitive
    [`/v1beta/models?key=${K}&key=${K}`, conflict(/more than one key query parameter/)],
    [`/v1beta/models?key=&key=${K}`, conflict(/more than one/)], // Go takes the empty first one
    [`/v1beta/models?key=${K};x=1`, key(K, 'query-key')], // Go ≥1.17 skips the pair, older Go reads it
    [`/v1beta/models?x=1;key=${K2}&key=${K}`, conflict(/more than one/)],
    [`/v1beta/models?key=%zz`, conflict(/malformed percent-encoding/)],
    [`/v1beta/models?key=${K}%00`, conflict(/control or non-ASCII/)],
    [`/v1beta/models?key=${K}%C2%A0`, conflict(/control or non-ASCII/)], // Go's TrimSpace would drop NBSP
  ])('%s', (url, expected) => {
    expect(extract(url, [], 'GET')).toEqual(expected);
  });
});

describe('step 4 — strip a leading "Bearer " or "bearer " only, then trim', () => {
  it.each([
    [`Bearer sk-${K}`, key(K, 'authorization')],
    [`bearer sk-${K}`, key(K, 'authorization')],
    [`Bearer     ${K}`, key(K, 'authorization')],
    [`sk-${K}`, key(K, 'authorization')],
    [K, key(K, 'authorization')],
    [`BEARER ${K}`, conflict(/whitespace/)], // New API keeps "BEARER …" as the key: 401
    [`Bearer\t${K}`, conflict(/whitespace/)],
    [`Basic ${K}`, conflict(/whitespace/)],
    ['Bearer', conflict(/empty bearer/)], // not a prefix without the space: New API would look up "Bearer"; refused
  ])('Authorization: %j', (value, expected) => {
    expect(extract('/v1/chat/completions', [['Authorization', value]])).toEqual(expected);
  });
});

describe('step 5 — empty or midjourney-proxy → mj-api-secret (every guarded route)', () => {
  it.each([
    ['no Authorization', [] as Headers],
    ['Authorization: Bearer midjourney-proxy', [['Authorization', 'Bearer midjourney-proxy']] as Headers],
    ['Authorization: midjourney-proxy', [['Authorization', 'midjourney-proxy']] as Headers],
    ['Authorization: (empty)', [['Authorization', '']] as Headers],
    [
      'Authorization: Bearer   midjourney-proxy (trimmed after the strip)',
      [['Authorization', 'Bearer   midjourney-proxy']] as Headers,
    ],
  ])('%s → mj-api-secret', (_label, headers) => {
    expect(extract('/mj/submit/imagine', [...headers, ['mj-api-secret', `sk-${K}`]])).toEqual(key(K, 'mj-api-secret'));
    expect(extract('/v1/chat/completions', [...headers, ['mj-api-secret', `Bearer sk-${K}`]])).toEqual(
      key(K, 'mj-api-secret'),
    );
  });

  it('a real key elsewhere and a different mj-api-secret are refused; the same key is fine', () => {
    expect(
      extract('/mj/submit/imagine', [
        ['Authorization', `Bearer ${K2}`],
        ['mj-api-secret', K],
      ]),
    ).toEqual(conflict(/Authorization and mj-api-secret/));
    expect(
      extract('/mj/submit/imagine', [
        ['Authorization', `Bearer ${K}`],
        ['mj-api-secret', `sk-${K}`],
      ]),
    ).toEqual(key(K, 'authorization'));
  });

  it('"Bearer" alone is a (bad) key, not an empty one: header values arrive trimmed', () => {
    expect(
      extract('/mj/submit/imagine', [
        ['Authorization', 'Bearer    '],
        ['mj-api-secret', K],
      ]),
    ).toEqual(conflict(/Authorization and mj-api-secret/));
  });

  it('x-api-key of midjourney-proxy defers too', () => {
    expect(
      extract('/v1/messages', [
        ['x-api-key', 'midjourney-proxy'],
        ['mj-api-secret', K],
      ]),
    ).toEqual(key(K, 'mj-api-secret'));
  });

  it('mj-api-secret itself is not deferred again', () => {
    expect(extract('/mj/submit/imagine', [['mj-api-secret', 'midjourney-proxy']])).toEqual(
      key('midjourney', 'mj-api-secret'),
    );
  });
});

describe('step 6 — strip sk-, split on -, keep the first part', () => {
  it.each([`sk-${K}`, K, `sk-${K}-12`, `${K}-anything`, `sk-${K}-`])('%s is the token %s', (value) => {
    expect(extract('/v1/chat/completions', [['Authorization', `Bearer ${value}`]])).toEqual(key(K, 'authorization'));
  });

  it.each([
    ['sk-', NONE],
    ['-x', NONE],
    ['sk--1', NONE],
    [`sk-sk-${K}`, key('sk', 'authorization')], // only one sk- is stripped
    [`SK-${K}`, key('SK', 'authorization')],
  ])('%s', (value, expected) => {
    expect(extract('/v1/chat/completions', [['Authorization', `Bearer ${value}`]])).toEqual(expected);
  });

  it('treats different spellings of one token in two places as one key', () => {
    expect(
      extract('/v1/messages', [
        ['Authorization', `Bearer sk-${K}-3`],
        ['x-api-key', `${K}-9`],
        ['mj-api-secret', K],
      ]),
    ).toEqual(key(K, 'x-api-key'));
  });

  it('refuses a present key that normalises to nothing next to a real one', () => {
    expect(
      extract('/v1/messages', [
        ['Authorization', 'Bearer sk-'],
        ['x-api-key', K],
      ]),
    ).toEqual(conflict());
  });
});

describe('duplicate credential headers (Node’s req.headers would hide them)', () => {
  it.each([
    [
      ['Authorization', `Bearer ${K}`],
      ['authorization', `Bearer ${K2}`],
    ],
    [
      ['Authorization', `Bearer ${K}`],
      ['AUTHORIZATION', `Bearer ${K}`],
    ],
    [
      ['Authorization', ''],
      ['Authorization', `Bearer ${K}`],
    ],
    [
      ['x-api-key', K],
      ['X-Api-Key', K],
    ],
    [
      ['x-goog-api-key', K],
      ['x-goog-api-key', K2],
    ],
    [
      ['mj-api-secret', K],
      ['MJ-API-SECRET', K],
    ],
    [
      ['Sec-WebSocket-Protocol', 'realtime'],
      ['Sec-WebSocket-Protocol', `openai-insecure-api-key.${K}`],
    ],
  ] as [string, string][][])('refuses %j', (...headers) => {
    expect(extract('/v1/chat/completions', headers)).toEqual(conflict(/duplicate/));
  });

  it('refuses duplicates even where New API would not read the header', () => {
    expect(
      extract('/v1/chat/completions', [
        ['Authorization', `Bearer ${K}`],
        ['x-api-key', K],
        ['x-api-key', K],
      ]),
    ).toEqual(conflict(/duplicate x-api-key/));
  });

  it('ignores look-alike header names', () => {
    expect(
      extract('/v1/messages', [
        ['Authorization', `Bearer ${K}`],
        ['x-api-keys', K2],
        ['api-key', K2],
        ['x_api_key', K2],
        ['authorisation', K2],
        ['x-goog-api-key-2', K2],
      ]),
    ).toEqual(key(K, 'authorization'));
  });
});

describe('bytes that Go, Node and the database could read differently', () => {
  it.each([
    ['trailing NBSP (Go trims it, Node does not)', `Bearer ${K}\u00c2\u00a0`],
    ['leading NBSP', `Bearer \u00c2\u00a0${K}`],
    ['a lone non-UTF-8 byte', `Bearer ${K}\u00ff`],
    ['an accented letter (MySQL _ai collations fold it)', `Bearer ${K.slice(0, -1)}\u00c3\u00a9`],
    ['a control character', `Bearer ${K}\u0001`],
    ['DEL', `Bearer ${K}\u007f`],
  ])('refuses %s', (_label, value) => {
    expect(extract('/v1/chat/completions', [['Authorization', value]])).toEqual(conflict(/control or non-ASCII/));
  });

  it('refuses whitespace inside the key (MySQL PAD SPACE ignores trailing spaces: "K " finds K)', () => {
    expect(extract('/v1/chat/completions', [['Authorization', `Bearer sk-${K} -1`]])).toEqual(conflict(/whitespace/));
  });

  it('exposes a case-folded binding key (MySQL _ci collations find a token in any case)', () => {
    const upper = extract('/v1/chat/completions', [['Authorization', `Bearer sk-${K.toUpperCase()}`]]);
    const lower = extract('/v1/chat/completions', [['Authorization', `Bearer sk-${K.toLowerCase()}`]]);
    expect(upper.kind === 'key' && lower.kind === 'key' && upper.bindingKey === lower.bindingKey).toBe(true);
    expect(upper.kind === 'key' && upper.key).toBe(K.toUpperCase());
  });
});

describe('size limits (security-cases.md case 15)', () => {
  it('refuses a 10 KB token without binding it, quickly', () => {
    const huge = `sk-${'a'.repeat(10 * 1024)}`;
    const started = Date.now();
    expect(extract('/v1/chat/completions', [['Authorization', `Bearer ${huge}`]])).toEqual(conflict(/longer than 128/));
    expect(extract('/v1/realtime', [['Sec-WebSocket-Protocol', `openai-insecure-api-key.${huge}`]], 'GET')).toEqual(
      conflict(/longer than 128/),
    );
    expect(Date.now() - started).toBeLessThan(1000); // generous: a guard against pathological time, not a benchmark
  });

  it(`accepts a key of exactly ${MAX_KEY_LENGTH} characters`, () => {
    const long = 'b'.repeat(MAX_KEY_LENGTH);
    expect(extract('/v1/chat/completions', [['Authorization', `Bearer sk-${long}`]])).toEqual(
      key(long, 'authorization'),
    );
  });

  it('stays linear on a 16 KB query of tiny pairs', () => {
    const query = 'a&'.repeat(8000);
    const started = Date.now();
    expect(extract(`/v1beta/models?${query}key=${K}`, [], 'GET')).toEqual(key(K, 'query-key'));
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('never throws on missing or malformed input', () => {
    expect(extractCredential({ method: 'GET', url: '/v1/models', rawHeaders: [] })).toEqual(NONE);
    expect(extractCredential({ method: 'GET', url: '/v1/models', rawHeaders: ['Authorization'] })).toEqual(NONE); // odd length
    expect(extractCredential({ method: 'GET', url: '', rawHeaders: ['x-api-key', K] })).toEqual(key(K, 'x-api-key'));
  });
});

describe('odd path spellings never lose a credential place (fail-closed)', () => {
  it.each([
    ['/v1//messages', 'x-api-key'],
    ['/V1/MESSAGES', 'x-api-key'],
    ['/v1/%6Dessages', 'x-api-key'],
    ['/v1/./messages', 'x-api-key'],
    ['/v2/../v1/messages', 'x-api-key'],
  ])('%s still reads %s', (url, header) => {
    expect(extract(url, [[header, K]])).toEqual(key(K, 'x-api-key'));
  });

  it.each([
    `/v1beta%2Fmodels/x?key=${K}`,
    `/v1beta/./models/x?key=${K}`,
    `/V1BETA/models/x?key=${K}`,
    `//v1beta/models/x?key=${K}`,
  ])('%s still reads ?key=', (url) => {
    expect(extract(url, [], 'GET')).toEqual(key(K, 'query-key'));
  });

  it('reads every place when the target cannot be parsed (absolute-form, bad escapes)', () => {
    expect(extract(`http://new-api/v1beta/models/x?key=${K}`, [], 'GET')).toEqual(key(K, 'query-key'));
    expect(extract('/v1/chat%zz', [['x-api-key', K]])).toEqual(key(K, 'x-api-key'));
  });
});

describe('classifyRoute + extractCredential', () => {
  it('accepts the route from classifyRoute to avoid parsing twice, with the same answer', () => {
    const r = req(`/v1beta/models/x?key=${K}`, [['Authorization', `Bearer ${K}`]], 'GET');
    expect(extractCredential(r, classifyRoute(r.method, r.url))).toEqual(extractCredential(r));
  });

  it('inspectRequest reads credentials on relay routes only', () => {
    const auth: Headers = [['Authorization', `Bearer ${K}`]];
    expect(inspectRequest(req('/v1/chat/completions', auth)).credential).toEqual(key(K, 'authorization'));
    expect(inspectRequest(req('/api/user/self', auth, 'GET'))).toMatchObject({
      route: { routeClass: 'passthrough' },
      credential: NONE,
    });
    expect(inspectRequest(req('/admin/api/bindings', auth, 'GET'))).toMatchObject({
      route: { routeClass: 'sentinel' },
      credential: NONE,
    });
    expect(inspectRequest(req('/HEALTH', auth, 'GET'))).toMatchObject({
      route: { routeClass: 'reject' },
      credential: NONE,
    });
    expect(inspectRequest(req('/', auth, 'GET'))).toMatchObject({
      route: { routeClass: 'relay', family: 'unmatched' },
      credential: key(K, 'authorization'),
    });
    expect(inspectRequest(req('/', [], 'GET'))).toMatchObject({ route: { routeClass: 'relay' }, credential: NONE });
    expect(inspectRequest(req('/api/usage/token/', auth, 'GET')).credential).toEqual(key(K, 'authorization'));
  });

  it('inspectRequest reads a relay key on the dashboard API (/api/*: TokenOrUserAuth), never a dashboard credential', () => {
    expect(inspectRequest(req('/api/canvas/x', [['Authorization', `Bearer sk-${K}`]], 'GET'))).toMatchObject({
      route: { routeClass: 'passthrough', family: 'dashboard-api' },
      credential: key(K, 'authorization'),
    });
    expect(inspectRequest(req('/api/canvas/x', [['mj-api-secret', `sk-${K}`]], 'GET')).credential).toEqual(
      key(K, 'mj-api-secret'),
    );
    // A relay key next to a different key elsewhere: refused like on any relay route.
    expect(
      inspectRequest(
        req(
          '/api/canvas/x',
          [
            ['Authorization', `Bearer sk-${K}`],
            ['Sec-WebSocket-Protocol', `openai-insecure-api-key.sk-${K2}`],
          ],
          'GET',
        ),
      ).credential,
    ).toEqual(conflict(/different keys/));
    // Session cookie, user access token, dashboard JWT: not read.
    for (const headers of [
      [['Cookie', 'session=abc']],
      [['Authorization', 'f7a9c1d2e3b4a5968778695a4b3c2d1e']],
      [['Authorization', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln']],
    ] as Headers[]) {
      expect(inspectRequest(req('/api/canvas/x', headers, 'GET')).credential).toEqual(NONE);
    }
  });
});

describe('a bare scheme word is refused, never bound', () => {
  it.each(['Bearer ', 'bearer', 'Bearer', '  Bearer  '])('Authorization: %j → conflict (400)', (value) => {
    expect(
      extractCredential({ method: 'POST', url: '/v1/chat/completions', rawHeaders: ['Authorization', value] }),
    ).toEqual({
      kind: 'conflict',
      reason: 'an empty bearer token',
    });
  });
});
