/**
 * Which kind of route a request targets, decided on the path exactly as New API's Go server
 * (net/http + gin) will see it after Sentinel forwards the raw request target unchanged.
 *
 * Go's `url.ParseRequestURI` percent-decodes the path (`%2F` becomes `/`), keeps `#` and `+` as
 * they are, and never resolves dot segments or merges slashes; gin routes on that decoded
 * `URL.Path`, case-sensitively. We decode the same way, and then classify fail-closed: a path is
 * a pass-through only if it is positively one of New API's non-relay routes in its plain
 * spelling. Everything else is `relay` — the proxy guards it when the request carries a
 * credential, and passes it through untouched when it carries none (New API answers 401/404).
 *
 * Strings here are "byte strings": Node decodes the request line as latin1, and percent-escapes
 * decode to one character per byte, so comparisons are byte-exact like Go's.
 */

export type RouteClass =
  /** Sentinel's own: `/health`, `/admin/api/…`, `/admin/ui/…`, `/metrics`, in their exact spelling. */
  | 'sentinel'
  /** Carries (or may carry) a New API relay token: guard it when a credential is present. */
  | 'relay'
  /** Positively New API's dashboard API, playground, or an unauthenticated Midjourney image. */
  | 'passthrough'
  /**
   * Answer 400 without forwarding: the request target cannot be parsed the way Go would (bad
   * percent-encoding, control or non-ASCII bytes, not an absolute path such as `*` or
   * `http://host/…`), or an unusual spelling of a Sentinel path (`/HEALTH`, `/admin/api/./x`).
   */
  | 'reject';

export type RouteFamily =
  | 'health'
  | 'admin-api'
  | 'admin-ui'
  | 'metrics'
  | 'openai' // /v1/…
  | 'gemini' // /v1beta/…
  | 'billing' // /dashboard/billing/…, /v1/dashboard/billing/…
  | 'midjourney' // /mj/…, /<segment>/mj/…
  | 'suno'
  | 'kling'
  | 'jimeng'
  | 'token-query' // GET /api/usage/token/, GET /api/log/token
  | 'unmatched' // New API's web UI or 404; guarded only if a credential is present
  | 'dashboard-api'
  | 'playground'
  | 'midjourney-image'
  | 'invalid';

/** The request target split and decoded like Go's `url.ParseRequestURI`. */
export interface RequestTarget {
  /** False when Go would refuse the target (then the other fields are best effort). */
  readonly valid: boolean;
  /** The path as sent, before decoding (no query). */
  readonly rawPath: string;
  /** `URL.Path`: percent-decoded, one character per byte. */
  readonly path: string;
  /** `URL.RawQuery`: everything after the first `?` (not decoded); `''` when none. */
  readonly rawQuery: string;
  /**
   * `path` folded for fail-closed comparisons: ASCII lower case, `\` as `/`, repeated slashes
   * merged, `.` and `..` segments resolved. The same string as `path` when nothing changed.
   */
  readonly loosePath: string;
  /** The path has an unusual spelling: percent-escapes, or `loosePath !== path`. */
  readonly odd: boolean;
}

export interface RouteInfo extends RequestTarget {
  readonly routeClass: RouteClass;
  readonly family: RouteFamily;
  /** Why a target was rejected; `null` otherwise. */
  readonly reason: string | null;
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

/**
 * Percent-decodes `s` into a byte string like Go's `unescape`. With `plusIsSpace` (query
 * components) `+` becomes a space. Returns `null` for a malformed escape (Go: EscapeError).
 */
export function percentDecode(s: string, plusIsSpace: boolean): string | null {
  let i = s.indexOf('%');
  if (i < 0 && (!plusIsSpace || s.indexOf('+') < 0)) return s;
  let out = '';
  let from = 0;
  for (i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 37) {
      const hi = i + 2 < s.length ? hexDigit(s.charCodeAt(i + 1)) : -1;
      const lo = hi >= 0 ? hexDigit(s.charCodeAt(i + 2)) : -1;
      if (lo < 0) return null;
      out += s.slice(from, i) + String.fromCharCode(hi * 16 + lo);
      i += 2;
      from = i + 1;
    } else if (c === 43 && plusIsSpace) {
      out += `${s.slice(from, i)} `;
      from = i + 1;
    }
  }
  return out + s.slice(from);
}

/** Go's `stringContainsCTLByte`, plus space and non-ASCII (Node refuses those in the request line anyway). */
const BAD_TARGET_BYTE = /[^\x21-\x7e]/;
const UPPER = /[A-Z]/;

function hasBadTargetByte(s: string): boolean {
  return BAD_TARGET_BYTE.test(s);
}

/**
 * True when `p` has a structural oddity: a backslash, `//`, or a `.`/`..` segment. Single pass,
 * no allocation — the common case answers false.
 */
function structurallyOdd(p: string): boolean {
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const c = p.charCodeAt(i);
    if (c === 92) return true;
    if (c === 47 && i + 1 < n) {
      const d = p.charCodeAt(i + 1);
      if (d === 47 || d === 92) return true;
      if (d === 46) {
        // "/." followed by end, "/" or "\"; or "/.." followed by end, "/" or "\"
        const e = i + 2 < n ? p.charCodeAt(i + 2) : -1;
        if (e === -1 || e === 47 || e === 92) return true;
        if (e === 46) {
          const f = i + 3 < n ? p.charCodeAt(i + 3) : -1;
          if (f === -1 || f === 47 || f === 92) return true;
        }
      }
    }
  }
  return false;
}

function hasUpper(p: string): boolean {
  return UPPER.test(p);
}

/** `loosePath` of a decoded path: the expensive fold only for structurally odd paths. */
function loosen(p: string): string {
  if (structurallyOdd(p)) return fold(p);
  return hasUpper(p) ? p.toLowerCase() : p;
}

/** Lower case, `\` → `/`, merge slashes, resolve dot segments (RFC 3986 §5.2.4), keep a trailing slash. */
function fold(p: string): string {
  const segments = p.toLowerCase().replace(/\\/g, '/').split('/');
  const out: string[] = [];
  for (const s of segments) {
    if (s === '' || s === '.') continue;
    if (s === '..') out.pop();
    else out.push(s);
  }
  const last = segments[segments.length - 1];
  const trailing = out.length > 0 && (last === '' || last === '.' || last === '..');
  return `/${out.join('/')}${trailing ? '/' : ''}`;
}

function invalidTarget(rawUrl: string): RequestTarget {
  const q = rawUrl.indexOf('?');
  return {
    valid: false,
    rawPath: q < 0 ? rawUrl : rawUrl.slice(0, q),
    path: '',
    rawQuery: q < 0 ? '' : rawUrl.slice(q + 1),
    loosePath: '',
    odd: true,
  };
}

/**
 * Splits and decodes a request target like Go's `url.ParseRequestURI` for an origin-form target
 * (`/path?query`). Anything else — `*`, absolute-form `http://host/path`, control or non-ASCII
 * bytes, malformed percent-escapes — comes back with `valid: false`.
 */
export function parseRequestTarget(rawUrl: string): RequestTarget {
  if (typeof rawUrl !== 'string' || rawUrl.charCodeAt(0) !== 47 || hasBadTargetByte(rawUrl)) {
    return invalidTarget(String(rawUrl));
  }
  const q = rawUrl.indexOf('?');
  const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const rawQuery = q < 0 ? '' : rawUrl.slice(q + 1);
  const path = percentDecode(rawPath, false);
  if (path === null) return invalidTarget(rawUrl);
  const loosePath = loosen(path);
  return { valid: true, rawPath, path, rawQuery, loosePath, odd: path !== rawPath || loosePath !== path };
}

/** Characters allowed in Sentinel's own paths: RFC 3986 pchar minus `%`. */
function isPlainPathChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) || // a-z
    (c >= 65 && c <= 90) || // A-Z
    (c >= 48 && c <= 57) || // 0-9
    c === 47 || // /
    c === 45 ||
    c === 46 ||
    c === 95 ||
    c === 126 || // - . _ ~
    c === 33 ||
    c === 36 ||
    c === 38 ||
    c === 39 ||
    c === 40 ||
    c === 41 || // ! $ & ' ( )
    c === 42 ||
    c === 43 ||
    c === 44 ||
    c === 59 ||
    c === 61 ||
    c === 58 ||
    c === 64 // * + , ; = : @
  );
}

/** Raw path has only plain characters and no `//` or dot segment: what you see is what Nest routes. */
function isPlainPath(rawPath: string): boolean {
  for (let i = 0; i < rawPath.length; i++) {
    if (!isPlainPathChar(rawPath.charCodeAt(i))) return false;
  }
  return !structurallyOdd(rawPath);
}

function startsWithIgnoringCase(p: string, lowerPrefix: string): boolean {
  if (p.length < lowerPrefix.length) return false;
  for (let i = 0; i < lowerPrefix.length; i++) {
    let c = p.charCodeAt(i);
    if (c >= 65 && c <= 90) c |= 0x20;
    if (c !== lowerPrefix.charCodeAt(i)) return false;
  }
  return true;
}

function under(p: string, prefix: string): boolean {
  return p === prefix || (p.startsWith(prefix) && p.charCodeAt(prefix.length) === 47);
}

function sentinelFamily(p: string): RouteFamily | null {
  if (under(p, '/health')) return 'health';
  if (under(p, '/metrics')) return 'metrics';
  if (under(p, '/admin/api')) return 'admin-api';
  if (under(p, '/admin/ui')) return 'admin-ui';
  return null;
}

/** `p` starts with `prefix` (lower-case ASCII) ignoring ASCII case, followed by end, `/` or `#`. */
function underIgnoringCase(p: string, prefix: string): boolean {
  if (p.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) {
    let c = p.charCodeAt(i);
    if (c >= 65 && c <= 90) c |= 0x20;
    if (c !== prefix.charCodeAt(i)) return false;
  }
  const next = p.charCodeAt(prefix.length);
  return Number.isNaN(next) || next === 47 || next === 35;
}

/**
 * Starts in Sentinel's namespace ignoring case and a `#…` suffix (Express would route
 * `/health#x` to `/health`).
 */
function inSentinelNamespace(p: string): boolean {
  return (
    underIgnoringCase(p, '/health') ||
    underIgnoringCase(p, '/metrics') ||
    underIgnoringCase(p, '/admin/api') ||
    underIgnoringCase(p, '/admin/ui')
  );
}

/** `/<one non-empty segment>` at `from`, to the end. */
function isOneSegment(p: string, from: number): boolean {
  return from < p.length && p.indexOf('/', from) < 0;
}

/** `/mj/image/<id>` or `/<segment>/mj/image/<id>`: served by New API without any token check. */
function isMidjourneyImage(p: string): boolean {
  let at = 0;
  if (!p.startsWith('/mj/')) {
    const second = p.indexOf('/', 1);
    if (second <= 1 || !p.startsWith('/mj/', second)) return false;
    at = second;
  }
  return p.startsWith('/mj/image/', at) && isOneSegment(p, at + '/mj/image/'.length);
}

/**
 * Positively one of New API's non-relay routes, in a plain spelling. `/api/*` is the dashboard
 * API except the read-only token routes (`/api/usage/token…`, `/api/log/token…`, compared
 * case-insensitively) and `/api/mj/…`, which gin can route to the `/:mode/mj` relay group.
 */
function passthroughFamily(method: string, p: string): RouteFamily | null {
  if (structurallyOdd(p)) return null;
  if (under(p, '/api')) {
    if (startsWithIgnoringCase(p, '/api/usage/token') || startsWithIgnoringCase(p, '/api/log/token')) return null;
    if (startsWithIgnoringCase(p, '/api/mj') && (p.length === 7 || p.charCodeAt(7) === 47)) {
      if (p === '/api/mj' || p === '/api/mj/' || p === '/api/mj/self') return 'dashboard-api';
      return method === 'GET' && isMidjourneyImage(p) ? 'midjourney-image' : null;
    }
    return 'dashboard-api';
  }
  if (p === '/pg/chat/completions' || p === '/pg/chat/completions/') return 'playground';
  if (method === 'GET' && isMidjourneyImage(p)) return 'midjourney-image';
  return null;
}

/** A label for a guarded path (metrics, logs); the decision does not depend on it. */
function relayFamily(p: string): RouteFamily {
  if (under(p, '/v1/dashboard/billing') || under(p, '/dashboard/billing')) return 'billing';
  if (under(p, '/v1')) return 'openai';
  if (under(p, '/v1beta')) return 'gemini';
  if (under(p, '/suno')) return 'suno';
  if (under(p, '/kling')) return 'kling';
  if (under(p, '/jimeng')) return 'jimeng';
  if (p.startsWith('/api/usage/token') || p.startsWith('/api/log/token')) return 'token-query';
  if (p.startsWith('/mj/')) return 'midjourney';
  const second = p.indexOf('/', 1);
  if (second > 1 && (p.startsWith('/mj/', second) || (p.length === second + 3 && p.endsWith('/mj'))))
    return 'midjourney';
  return 'unmatched';
}

function info(target: RequestTarget, routeClass: RouteClass, family: RouteFamily, reason: string | null): RouteInfo {
  return {
    valid: target.valid,
    rawPath: target.rawPath,
    path: target.path,
    rawQuery: target.rawQuery,
    loosePath: target.loosePath,
    odd: target.odd,
    routeClass,
    family,
    reason,
  };
}

/**
 * Classifies a request by method and raw request target (`req.url`, untouched).
 *
 * - `sentinel` only for the exact, plain spelling of Sentinel's own paths, so
 *   `/admin/api/../../v1/chat/completions` or `/health/%2e%2e/v1/…` never skip the guard;
 *   an odd spelling that folds into Sentinel's namespace (`/HEALTH`, `/admin//api/x`) is `reject`.
 * - `passthrough` only for New API's dashboard API (`/api/*` minus the token routes and
 *   `/api/mj/*`), `/pg/chat/completions`, and `GET /mj/image/:id` / `/<seg>/mj/image/:id`.
 * - `relay` for everything else, including New API's web UI paths: fail-closed, guard if the
 *   request carries a credential.
 */
export function classifyRoute(method: string, rawUrl: string): RouteInfo {
  const target = parseRequestTarget(rawUrl);
  if (!target.valid) {
    const reason =
      typeof rawUrl === 'string' && rawUrl.charCodeAt(0) === 47 && !hasBadTargetByte(rawUrl)
        ? 'malformed percent-encoding in the request path'
        : 'the request target must be an absolute path of printable ASCII';
    return info(target, 'reject', 'invalid', reason);
  }
  const own = sentinelFamily(target.rawPath);
  if (own !== null && isPlainPath(target.rawPath)) return info(target, 'sentinel', own, null);
  if (own !== null || inSentinelNamespace(target.loosePath) || inSentinelNamespace(target.rawPath)) {
    return info(target, 'reject', 'invalid', 'unusual spelling of a Sentinel path');
  }
  const pass = passthroughFamily(method, target.path);
  if (pass !== null) return info(target, 'passthrough', pass, null);
  return info(target, 'relay', relayFamily(target.path), null);
}
