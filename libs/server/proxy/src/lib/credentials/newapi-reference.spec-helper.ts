/**
 * A literal, deliberately slow transcription of New API's `TokenAuth()` key computation
 * (middleware/auth.go) and of the Go standard library pieces it relies on — `net/http.Header`,
 * `net/url.ParseRequestURI`, `url.ParseQuery`, `strings.TrimSpace` — written to be checked line
 * by line against the Go source. Test oracle only: it is not used by Sentinel at run time.
 *
 * Two versions of TokenAuth are modelled:
 * - `doc-2026-02`: as docs/new-api-credentials.md describes it (and as the code read then):
 *   `Sec-WebSocket-Protocol` first value, prefix test without the dot, whole value as fallback;
 *   the exact path `/v1/models` does not read `?key=`.
 * - `upstream-latest`: QuantumNous/new-api main as stored later: all `Sec-WebSocket-Protocol`
 *   values joined with `,`, only `openai-insecure-api-key.<non-empty>` counts, no fallback;
 *   `?key=` and `x-goog-api-key` are also read on exactly `/v1/models`.
 *
 * Strings are byte strings (one character per byte, as Node decodes headers: latin1).
 */

export type NewApiVersion = 'doc-2026-02' | 'upstream-latest';
export const NEW_API_VERSIONS: readonly NewApiVersion[] = ['doc-2026-02', 'upstream-latest'];

export type ReferenceResult =
  /** Go's server would answer 400 before any handler runs (bad request target). */
  | { readonly status: 'bad-request' }
  /** The key TokenAuth passes to model.ValidateUserToken ('' → 401). */
  | { readonly status: 'ok'; readonly key: string };

// ---------------------------------------------------------------------------------------------
// unicode / utf8 / strings

const RUNE_ERROR = 0xfffd;

/** utf8.DecodeRuneInString on a byte string. */
function decodeRune(s: string, i: number): [rune: number, size: number] {
  const n = s.length - i;
  if (n < 1) return [RUNE_ERROR, 0];
  const b0 = s.charCodeAt(i);
  if (b0 < 0x80) return [b0, 1];
  const cont = (k: number, lo = 0x80, hi = 0xbf) =>
    i + k < s.length && s.charCodeAt(i + k) >= lo && s.charCodeAt(i + k) <= hi;
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    return cont(1) ? [((b0 & 0x1f) << 6) | (s.charCodeAt(i + 1) & 0x3f), 2] : [RUNE_ERROR, 1];
  }
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const lo = b0 === 0xe0 ? 0xa0 : 0x80;
    const hi = b0 === 0xed ? 0x9f : 0xbf;
    if (!cont(1, lo, hi) || !cont(2)) return [RUNE_ERROR, 1];
    return [((b0 & 0x0f) << 12) | ((s.charCodeAt(i + 1) & 0x3f) << 6) | (s.charCodeAt(i + 2) & 0x3f), 3];
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const lo = b0 === 0xf0 ? 0x90 : 0x80;
    const hi = b0 === 0xf4 ? 0x8f : 0xbf;
    if (!cont(1, lo, hi) || !cont(2) || !cont(3)) return [RUNE_ERROR, 1];
    const r =
      ((b0 & 0x07) << 18) |
      ((s.charCodeAt(i + 1) & 0x3f) << 12) |
      ((s.charCodeAt(i + 2) & 0x3f) << 6) |
      (s.charCodeAt(i + 3) & 0x3f);
    return [r, 4];
  }
  return [RUNE_ERROR, 1];
}

/** utf8.DecodeLastRuneInString on s[0:end]. */
function decodeLastRune(s: string, end: number): [rune: number, size: number] {
  if (end === 0) return [RUNE_ERROR, 0];
  let start = end - 1;
  const r = s.charCodeAt(start);
  if (r < 0x80) return [r, 1];
  const lim = Math.max(0, end - 4);
  for (start--; start >= lim; start--) {
    if ((s.charCodeAt(start) & 0xc0) !== 0x80) break; // utf8.RuneStart
  }
  if (start < 0) start = 0;
  const [rune, size] = decodeRune(s.slice(0, end), start);
  if (start + size !== end) return [RUNE_ERROR, 1];
  return [rune, size];
}

/** unicode.IsSpace. */
function isSpace(r: number): boolean {
  if (r <= 0xff)
    return r === 0x09 || r === 0x0a || r === 0x0b || r === 0x0c || r === 0x0d || r === 0x20 || r === 0x85 || r === 0xa0;
  return (
    r === 0x1680 ||
    (r >= 0x2000 && r <= 0x200a) ||
    r === 0x2028 ||
    r === 0x2029 ||
    r === 0x202f ||
    r === 0x205f ||
    r === 0x3000
  );
}

/** strings.TrimSpace (TrimFunc(s, unicode.IsSpace); the ASCII fast path gives the same result). */
export function goTrimSpace(s: string): string {
  let start = 0;
  while (start < s.length) {
    const [r, size] = decodeRune(s, start);
    if (!isSpace(r)) break;
    start += size;
  }
  let end = s.length;
  while (end > start) {
    const [r, size] = decodeLastRune(s, end);
    if (!isSpace(r)) break;
    end -= size;
  }
  return s.slice(start, end);
}

const hasPrefix = (s: string, p: string) => s.startsWith(p);
const trimPrefix = (s: string, p: string) => (s.startsWith(p) ? s.slice(p.length) : s);
const contains = (s: string, sub: string) => s.includes(sub);
const split = (s: string, sep: string) => s.split(sep);

// ---------------------------------------------------------------------------------------------
// net/textproto + net/http.Header

function isTokenByte(c: number): boolean {
  return c > 0x20 && c < 0x7f && !'"(),/:;<=>?@[\\]{}'.includes(String.fromCharCode(c));
}

/** textproto.CanonicalMIMEHeaderKey. */
function canonicalKey(s: string): string {
  for (let i = 0; i < s.length; i++) if (!isTokenByte(s.charCodeAt(i))) return s;
  let upper = true;
  let out = '';
  for (const ch of s) {
    out += upper ? ch.toUpperCase() : ch.toLowerCase();
    upper = ch === '-';
  }
  return out;
}

class GoHeader {
  private readonly m = new Map<string, string[]>();

  /** What Go's server builds from the request's header lines (values trimmed of spaces and tabs). */
  static fromRaw(raw: readonly string[]): GoHeader {
    const h = new GoHeader();
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const key = canonicalKey(raw[i]);
      const value = raw[i + 1].replace(/^[ \t]+|[ \t]+$/g, '');
      const list = h.m.get(key) ?? [];
      list.push(value);
      h.m.set(key, list);
    }
    return h;
  }

  /** Header.Get: the first value, or "". */
  get(name: string): string {
    return this.m.get(canonicalKey(name))?.[0] ?? '';
  }

  /** Header.Values. */
  values(name: string): string[] {
    return this.m.get(canonicalKey(name)) ?? [];
  }

  /** Header.Set: replaces all values. */
  set(name: string, value: string): void {
    this.m.set(canonicalKey(name), [value]);
  }
}

// ---------------------------------------------------------------------------------------------
// net/url

const ishex = (c: number) => (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
const unhex = (c: number) => (c <= 57 ? c - 48 : (c | 0x20) - 87);

/** url.unescape for the path (encodePath) and query components (encodeQueryComponent). */
function unescape(s: string, mode: 'path' | 'query'): string | Error {
  for (let i = 0; i < s.length; ) {
    if (s[i] === '%') {
      if (i + 2 >= s.length || !ishex(s.charCodeAt(i + 1)) || !ishex(s.charCodeAt(i + 2)))
        return new Error('invalid URL escape');
      i += 3;
    } else {
      i++;
    }
  }
  let t = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '%') {
      t += String.fromCharCode(unhex(s.charCodeAt(i + 1)) * 16 + unhex(s.charCodeAt(i + 2)));
      i += 2;
    } else if (c === '+' && mode === 'query') {
      t += ' ';
    } else {
      t += c;
    }
  }
  return t;
}

/** url.getScheme. */
function getScheme(raw: string): [string, string] | Error {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) continue;
    if ((c >= '0' && c <= '9') || c === '+' || c === '-' || c === '.') {
      if (i === 0) return ['', raw];
      continue;
    }
    if (c === ':') {
      if (i === 0) return new Error('missing protocol scheme');
      return [raw.slice(0, i), raw.slice(i + 1)];
    }
    return ['', raw];
  }
  return ['', raw];
}

/**
 * url.ParseRequestURI → (Path, RawQuery). Simplification: the authority of an absolute-form
 * target is not validated (tests only generate simple host names).
 */
export function parseRequestURI(raw: string): { path: string; rawQuery: string } | Error {
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return new Error('net/url: invalid control character in URL');
  }
  if (raw === '') return new Error('empty url');
  if (raw === '*') return { path: '*', rawQuery: '' };
  const scheme = getScheme(raw);
  if (scheme instanceof Error) return scheme;
  let rest = scheme[1];
  let rawQuery = '';
  if (rest.endsWith('?') && rest.split('?').length - 1 === 1) {
    rest = rest.slice(0, -1);
  } else {
    const q = rest.indexOf('?');
    if (q >= 0) {
      rawQuery = rest.slice(q + 1);
      rest = rest.slice(0, q);
    }
  }
  if (!rest.startsWith('/')) {
    if (scheme[0] !== '') return { path: '', rawQuery }; // opaque
    return new Error('invalid URI for request');
  }
  if (scheme[0] !== '' && rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    rest = slash < 0 ? '' : rest.slice(slash);
  }
  const path = unescape(rest, 'path');
  if (path instanceof Error) return path;
  return { path, rawQuery };
}

/** url.ParseQuery (Go ≥ 1.17: a pair containing ';' is skipped). */
function parseQuery(query: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const pair of query.split('&')) {
    if (pair.includes(';')) continue;
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = unescape(eq < 0 ? pair : pair.slice(0, eq), 'query');
    if (key instanceof Error) continue;
    const value = unescape(eq < 0 ? '' : pair.slice(eq + 1), 'query');
    if (value instanceof Error) continue;
    const list = m.get(key) ?? [];
    list.push(value);
    m.set(key, list);
  }
  return m;
}

/** gin's c.Query(key): the first value of URL.Query(), or "". */
function ginQuery(rawQuery: string, key: string): string {
  return parseQuery(rawQuery).get(key)?.[0] ?? '';
}

// ---------------------------------------------------------------------------------------------
// middleware/auth.go

/** upstream-latest: applyWebSocketSubprotocolAuthorization + apiKeyFromWebSocketSubprotocol. */
function applyWebSocketSubprotocolAuthorization(header: GoHeader): boolean {
  const protocols = header.values('Sec-WebSocket-Protocol').join(',');
  if (protocols === '') return false;
  const insecureAPIKeyPrefix = 'openai-insecure-api-key.';
  for (let part of split(protocols, ',')) {
    part = goTrimSpace(part);
    if (hasPrefix(part, insecureAPIKeyPrefix)) {
      const key = trimPrefix(part, insecureAPIKeyPrefix);
      if (key === '') return false;
      header.set('Authorization', `Bearer ${key}`);
      return true;
    }
  }
  return false;
}

/** The key New API's TokenAuth() hands to model.ValidateUserToken for this request. */
export function newApiTokenKey(
  req: { readonly method: string; readonly url: string; readonly rawHeaders: readonly string[] },
  version: NewApiVersion,
): ReferenceResult {
  const url = parseRequestURI(req.url);
  if (url instanceof Error) return { status: 'bad-request' };
  const header = GoHeader.fromRaw(req.rawHeaders);
  const path = url.path;

  // 先检测是否为ws
  if (version === 'doc-2026-02') {
    if (header.get('Sec-WebSocket-Protocol') !== '') {
      let key = header.get('Sec-WebSocket-Protocol');
      const parts = split(key, ',');
      for (let part of parts) {
        part = goTrimSpace(part);
        if (hasPrefix(part, 'openai-insecure-api-key')) {
          key = trimPrefix(part, 'openai-insecure-api-key.');
          break;
        }
      }
      header.set('Authorization', `Bearer ${key}`);
    }
  } else {
    applyWebSocketSubprotocolAuthorization(header);
  }

  // 检查path包含/v1/messages 或 /v1/models
  if (contains(path, '/v1/messages') || contains(path, '/v1/models')) {
    const anthropicKey = header.get('x-api-key');
    if (anthropicKey !== '') header.set('Authorization', `Bearer ${anthropicKey}`);
  }

  // gemini api 从query中获取key
  if (
    (version === 'upstream-latest' && path === '/v1/models') ||
    hasPrefix(path, '/v1beta/models') ||
    hasPrefix(path, '/v1beta/openai/models') ||
    hasPrefix(path, '/v1/models/')
  ) {
    const skKey = ginQuery(url.rawQuery, 'key');
    if (skKey !== '') header.set('Authorization', `Bearer ${skKey}`);
    // 从x-goog-api-key header中获取key
    const xGoogKey = header.get('x-goog-api-key');
    if (xGoogKey !== '') header.set('Authorization', `Bearer ${xGoogKey}`);
  }

  let key = header.get('Authorization');
  let parts: string[];
  if (hasPrefix(key, 'Bearer ') || hasPrefix(key, 'bearer ')) {
    key = goTrimSpace(key.slice(7));
  }
  if (key === '' || key === 'midjourney-proxy') {
    key = header.get('mj-api-secret');
    if (hasPrefix(key, 'Bearer ') || hasPrefix(key, 'bearer ')) {
      key = goTrimSpace(key.slice(7));
    }
    key = trimPrefix(key, 'sk-');
    parts = split(key, '-');
    key = parts[0];
  } else {
    key = trimPrefix(key, 'sk-');
    parts = split(key, '-');
    key = parts[0];
  }
  return { status: 'ok', key };
}
