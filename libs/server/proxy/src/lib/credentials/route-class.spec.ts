import { isGuarded } from './extract-credential';
import { classifyRoute, parseRequestTarget, type RouteClass, type RouteFamily } from './route-class';

type Row = [method: string, url: string, routeClass: RouteClass, family: RouteFamily];

describe('classifyRoute — Sentinel’s own routes (exact, plain spelling only)', () => {
  it.each<Row>([
    ['GET', '/health', 'sentinel', 'health'],
    ['GET', '/health/', 'sentinel', 'health'],
    ['GET', '/health/ready', 'sentinel', 'health'],
    ['GET', '/health?verbose=1', 'sentinel', 'health'],
    ['GET', '/metrics', 'sentinel', 'metrics'],
    ['POST', '/admin/api/login', 'sentinel', 'admin-api'],
    ['GET', '/admin/api/bindings?search=%20x&page=2', 'sentinel', 'admin-api'],
    ['GET', '/admin/api', 'sentinel', 'admin-api'],
    ['GET', '/admin/ui', 'sentinel', 'admin-ui'],
    ['GET', '/admin/ui/', 'sentinel', 'admin-ui'],
    ['GET', '/admin/ui/main-AB12CD.js', 'sentinel', 'admin-ui'],
    ['GET', '/admin/ui/bindings/2001:db8::1', 'sentinel', 'admin-ui'],
  ])('%s %s → %s (%s)', (method, url, routeClass, family) => {
    expect(classifyRoute(method, url)).toMatchObject({ routeClass, family });
  });

  // Odd spellings never reach Nest and never skip the guard: a path that starts in, or folds
  // into, Sentinel's namespace without being plain is refused outright (not forwarded either,
  // so an admin token it carries never reaches New API).
  it.each<Row>([
    ['POST', '/admin/api/../../v1/chat/completions', 'reject', 'invalid'],
    ['POST', '/admin/api/%2e%2e/%2e%2e/v1/chat/completions', 'reject', 'invalid'],
    ['POST', '/health/../v1/chat/completions', 'reject', 'invalid'],
    ['POST', '/health/%2E%2E/v1/chat/completions', 'reject', 'invalid'],
    ['POST', '/admin/ui/..%2F..%2Fv1/chat/completions', 'reject', 'invalid'],
    ['GET', '/health/%2e', 'reject', 'invalid'],
    ['GET', '/HEALTH', 'reject', 'invalid'],
    ['GET', '/Health', 'reject', 'invalid'],
    ['GET', '/admin/API/bindings', 'reject', 'invalid'],
    ['GET', '//health', 'reject', 'invalid'],
    ['GET', '/admin//api/bindings', 'reject', 'invalid'],
    ['GET', '/admin/api/./bindings', 'reject', 'invalid'],
    ['GET', '/admin/api/bindings/../login', 'reject', 'invalid'],
    ['GET', '/%68ealth', 'reject', 'invalid'],
    ['GET', '/admin%2Fapi/bindings', 'reject', 'invalid'],
    ['GET', '/x/../health', 'reject', 'invalid'],
    ['GET', '/health#x', 'reject', 'invalid'],
    ['GET', '/admin\\api\\bindings', 'reject', 'invalid'],
  ])('%s %s → %s (%s)', (method, url, routeClass, family) => {
    expect(classifyRoute(method, url)).toMatchObject({ routeClass, family });
  });

  it('does not treat look-alike prefixes as Sentinel paths', () => {
    expect(classifyRoute('GET', '/healthz').routeClass).toBe('relay');
    expect(classifyRoute('GET', '/metricsx').routeClass).toBe('relay');
    expect(classifyRoute('GET', '/admin').routeClass).toBe('relay');
    expect(classifyRoute('GET', '/admin/uix').routeClass).toBe('relay');
  });
});

describe('classifyRoute — New API relay-token routes (new-api-credentials.md)', () => {
  it.each<Row>([
    ['GET', '/v1/models', 'relay', 'openai'],
    ['GET', '/v1/models/gpt-4o', 'relay', 'openai'],
    ['POST', '/v1/models/gemini-pro:generateContent', 'relay', 'openai'],
    ['POST', '/v1/chat/completions', 'relay', 'openai'],
    ['POST', '/v1/completions', 'relay', 'openai'],
    ['POST', '/v1/responses', 'relay', 'openai'],
    ['POST', '/v1/responses/compact', 'relay', 'openai'],
    ['POST', '/v1/messages', 'relay', 'openai'],
    ['POST', '/v1/messages/count_tokens', 'relay', 'openai'],
    ['POST', '/v1/embeddings', 'relay', 'openai'],
    ['POST', '/v1/images/generations', 'relay', 'openai'],
    ['POST', '/v1/edits', 'relay', 'openai'],
    ['POST', '/v1/audio/speech', 'relay', 'openai'],
    ['POST', '/v1/rerank', 'relay', 'openai'],
    ['POST', '/v1/moderations', 'relay', 'openai'],
    ['POST', '/v1/engines/text-embedding/embeddings', 'relay', 'openai'],
    ['GET', '/v1/realtime?model=gpt-4o-realtime', 'relay', 'openai'],
    ['POST', '/v1/video/generations', 'relay', 'openai'],
    ['GET', '/v1/videos/task-1/content', 'relay', 'openai'],
    ['GET', '/v1/files', 'relay', 'openai'],
    ['GET', '/v1/credits', 'relay', 'openai'],
    ['GET', '/v1beta/models', 'relay', 'gemini'],
    ['GET', '/v1beta/openai/models', 'relay', 'gemini'],
    ['POST', '/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse', 'relay', 'gemini'],
    ['POST', '/suno/submit/music', 'relay', 'suno'],
    ['GET', '/suno/fetch/123', 'relay', 'suno'],
    ['POST', '/kling/v1/videos/text2video', 'relay', 'kling'],
    ['POST', '/jimeng/?Action=CVSync2AsyncSubmitTask', 'relay', 'jimeng'],
    ['POST', '/mj/submit/imagine', 'relay', 'midjourney'],
    ['GET', '/mj/task/123/fetch', 'relay', 'midjourney'],
    ['POST', '/fast/mj/submit/imagine', 'relay', 'midjourney'],
    ['POST', '/relax/mj/submit/blend', 'relay', 'midjourney'],
    ['POST', '/api/mj/submit/imagine', 'relay', 'midjourney'], // gin can route it to /:mode/mj
    ['POST', '/pg/mj/submit/imagine', 'relay', 'midjourney'],
    ['POST', '/mj/image/123', 'relay', 'midjourney'], // only GET is the unauthenticated image route
    ['GET', '/mj/image/a/b', 'relay', 'midjourney'],
    ['GET', '/dashboard/billing/subscription', 'relay', 'billing'],
    ['GET', '/dashboard/billing/usage?start_date=2026-01-01', 'relay', 'billing'],
    ['GET', '/v1/dashboard/billing/usage', 'relay', 'billing'],
    ['GET', '/api/usage/token/', 'relay', 'token-query'],
    ['GET', '/api/usage/token', 'relay', 'token-query'],
    ['GET', '/api/log/token', 'relay', 'token-query'],
    ['GET', '/api/log/token?key=x', 'relay', 'token-query'],
    ['GET', '/api/log/token/', 'relay', 'token-query'],
  ])('%s %s → %s (%s)', (method, url, routeClass, family) => {
    expect(classifyRoute(method, url)).toMatchObject({ routeClass, family });
  });
});

describe('classifyRoute — pass-through (New API dashboard, playground, MJ images)', () => {
  it.each<Row>([
    ['GET', '/api/status', 'passthrough', 'dashboard-api'],
    ['POST', '/api/user/login', 'passthrough', 'dashboard-api'],
    ['GET', '/api/user/self', 'passthrough', 'dashboard-api'],
    ['GET', '/api/token/?p=1', 'passthrough', 'dashboard-api'],
    ['GET', '/api/log/self', 'passthrough', 'dashboard-api'],
    ['GET', '/api/log/', 'passthrough', 'dashboard-api'],
    ['GET', '/api/usage/', 'passthrough', 'dashboard-api'],
    ['GET', '/api/models', 'passthrough', 'dashboard-api'],
    ['GET', '/api/mj/self', 'passthrough', 'dashboard-api'],
    ['GET', '/api/mj/', 'passthrough', 'dashboard-api'],
    ['GET', '/api', 'passthrough', 'dashboard-api'],
    ['POST', '/pg/chat/completions', 'passthrough', 'playground'],
    ['GET', '/mj/image/1234567890', 'passthrough', 'midjourney-image'],
    ['GET', '/fast/mj/image/1234567890', 'passthrough', 'midjourney-image'],
    ['GET', '/api/mj/image/1234567890', 'passthrough', 'midjourney-image'],
    ['GET', '/mj/image/abc?x=1', 'passthrough', 'midjourney-image'],
  ])('%s %s → %s (%s)', (method, url, routeClass, family) => {
    expect(classifyRoute(method, url)).toMatchObject({ routeClass, family });
  });
});

describe('isGuarded — fail closed on /api/* (TokenOrUserAuth routes take relay keys)', () => {
  const K = 'AbCdEfGh12345678ijklMNOP90qrstUVWXyz0123456789Ab';
  const guarded = (method: string, url: string, headers: [string, string][]) =>
    isGuarded(classifyRoute(method, url), { method, url, rawHeaders: headers.flat() });

  it.each<[string, string, [string, string][]]>([
    ['GET', '/api/canvas/x', [['Authorization', `Bearer sk-${K}`]]],
    ['POST', '/api/canvas/projects/1/run', [['authorization', `bearer sk-${K}-7`]]],
    ['GET', '/api/ark_asset', [['Authorization', `sk-${K}`]]], // no Bearer: TokenAuth reads it all the same
    ['GET', '/api/assets/self', [['Authorization', `BEARER SK-${K}`]]],
    ['GET', '/api/canvas/x', [['Sec-WebSocket-Protocol', `openai-insecure-api-key.sk-${K}`]]],
    ['GET', '/api/canvas/x', [['Sec-WebSocket-Protocol', K]]], // doc-2026-02 reads the whole value
    ['GET', '/api/canvas/x', [['mj-api-secret', `sk-${K}`]]],
    ['GET', '/api/canvas/v1/models', [['x-api-key', K]]], // TokenAuth tests the path with `contains`
    ['GET', '/api/user/self', [['Authorization', `Bearer sk-${K}`]]], // every /api route, also future ones
    [
      'GET',
      '/api/status',
      [
        ['Cookie', 'session=abc'],
        ['Authorization', `Bearer sk-${K}`],
      ],
    ],
  ])('%s %s with a relay-key carrier → guarded', (method, url, headers) => {
    expect(classifyRoute(method, url)).toMatchObject({ routeClass: 'passthrough', family: 'dashboard-api' });
    expect(guarded(method, url, headers)).toBe(true);
  });

  it.each<[string, string, [string, string][]]>([
    ['GET', '/api/canvas/x', [['Cookie', 'session=MTcx…; Path=/']]],
    [
      'GET',
      '/api/user/self',
      [
        ['Authorization', 'f7a9c1d2e3b4a5968778695a4b3c2d1e'],
        ['New-Api-User', '1'],
      ],
    ], // access token
    ['GET', '/api/canvas/x', [['Authorization', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln']]], // dashboard JWT
    ['GET', '/api/canvas/x', [['Authorization', 'Bearer ']]],
    ['GET', '/api/canvas/x', [['x-api-key', K]]], // x-api-key is read only on /v1/messages, /v1/models paths
    ['GET', '/api/canvas/x', [['mj-api-secret', '  ']]],
    ['GET', '/api/status', []],
  ])('%s %s with a dashboard credential or none → passes untouched', (method, url, headers) => {
    expect(guarded(method, url, headers)).toBe(false);
  });

  it('other pass-through routes (playground, Midjourney images) are not read; relay routes always are', () => {
    const auth: [string, string][] = [['Authorization', `Bearer sk-${K}`]];
    expect(guarded('POST', '/pg/chat/completions', auth)).toBe(false);
    expect(guarded('GET', '/mj/image/123', auth)).toBe(false);
    expect(guarded('GET', '/admin/api/bindings', auth)).toBe(false);
    expect(guarded('POST', '/v1/chat/completions', [])).toBe(true);
  });
});

describe('classifyRoute — fail-closed on odd spellings (new-api-credentials.md, Consequences)', () => {
  // Not positively a pass-through route → relay (guarded when it carries a credential).
  it.each<Row>([
    ['POST', '/V1/chat/completions', 'relay', 'unmatched'],
    ['POST', '//v1/chat/completions', 'relay', 'unmatched'],
    ['POST', '/v1//chat/completions', 'relay', 'openai'],
    ['POST', '/v1/./chat/completions', 'relay', 'openai'],
    ['POST', '/api/../v1/chat/completions', 'relay', 'unmatched'],
    ['POST', '/api/%2e%2e/v1/chat/completions', 'relay', 'unmatched'],
    ['POST', '/api%2F..%2Fv1/chat/completions', 'relay', 'unmatched'],
    ['POST', '/api//user/self', 'relay', 'unmatched'],
    ['GET', '/api/usage%2Ftoken/', 'relay', 'token-query'],
    ['GET', '/ap%69/usage/token/', 'relay', 'token-query'],
    ['GET', '/api/Usage/Token/', 'relay', 'unmatched'],
    ['GET', '/api/LOG/token', 'relay', 'unmatched'],
    ['GET', '/API/user/self', 'relay', 'unmatched'],
    ['GET', '/api\\..\\v1/models', 'relay', 'unmatched'],
    ['POST', '/pg/chat/completions/../../../v1/chat/completions', 'relay', 'unmatched'],
    ['POST', '/pg/chat/Completions', 'relay', 'unmatched'],
    ['GET', '//mj/image/1', 'relay', 'unmatched'],
    ['GET', '/mj/image/', 'relay', 'midjourney'],
    ['GET', '/', 'relay', 'unmatched'],
    ['GET', '/console/token', 'relay', 'unmatched'],
    ['GET', '/assets/index-abc.js', 'relay', 'unmatched'],
  ])('%s %s → %s (%s)', (method, url, routeClass, family) => {
    expect(classifyRoute(method, url)).toMatchObject({ routeClass, family });
  });

  it.each([
    ['GET', '*'],
    ['GET', 'http://new-api:3000/v1/chat/completions'],
    ['GET', 'HTTP://x/api/user/self'],
    ['GET', ''],
    ['GET', '/v1/chat%zz'],
    ['GET', '/v1/chat%4'],
    ['GET', '/v1/chat%'],
    ['GET', '/v1/chat completions'],
    ['GET', '/v1/chat\u0000'],
    ['GET', '/v1/chat\u00e9'],
  ])('%s %j → reject', (method, url) => {
    const route = classifyRoute(method, url);
    expect(route.routeClass).toBe('reject');
    expect(route.reason).toEqual(expect.any(String));
  });
});

describe('parseRequestTarget (Go url.ParseRequestURI semantics)', () => {
  it.each([
    ['/v1/chat/completions', '/v1/chat/completions', '', false],
    ['/v1/chat/completions?', '/v1/chat/completions', '', false],
    ['/v1beta/models/x?key=a&alt=sse', '/v1beta/models/x', 'key=a&alt=sse', false],
    ['/v1/chat%2Fcompletions', '/v1/chat/completions', '', true],
    ['/v1/%63hat/completions', '/v1/chat/completions', '', true],
    ['/v1/models/a+b', '/v1/models/a+b', '', false], // '+' is not a space in a path
    ['/v1/models/a#frag?key=1', '/v1/models/a#frag', 'key=1', false], // Go keeps '#' in a request path
    ['/v1/x?a=1?b=2', '/v1/x', 'a=1?b=2', false],
    ['/v1/%e9', '/v1/\u00e9', '', true], // one character per byte
  ])('%j → path %j, query %j, odd %s', (url, path, rawQuery, odd) => {
    expect(parseRequestTarget(url)).toMatchObject({ valid: true, path, rawQuery, odd });
  });

  it('folds odd spellings for fail-closed comparisons, and allocates nothing for plain paths', () => {
    expect(parseRequestTarget('/V1//Messages/./x/../').loosePath).toBe('/v1/messages/');
    expect(parseRequestTarget('/a/b/../../../c').loosePath).toBe('/c');
    expect(parseRequestTarget('/v1\\models').loosePath).toBe('/v1/models');
    const plain = '/v1/chat/completions';
    const t = parseRequestTarget(plain);
    expect(t.path).toBe(plain);
    expect(t.loosePath).toBe(plain);
    expect(t.odd).toBe(false);
  });

  it('stays linear on a long hostile path', () => {
    const hostile = `/${'%2e%2e/'.repeat(1500)}v1/messages`;
    const t = parseRequestTarget(hostile);
    expect(t.valid).toBe(true);
    expect(t.loosePath).toBe('/v1/messages');
  });
});
