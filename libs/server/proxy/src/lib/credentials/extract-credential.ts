import { classifyRoute, parseRequestTarget, percentDecode, type RequestTarget, type RouteInfo } from './route-class';

/**
 * The effective New API relay key of a request, computed as New API's `TokenAuth()` computes it
 * (reference/new-api-credentials.md), fail-closed across New API versions.
 *
 * New API reads up to six places, each later one overwriting `Authorization`:
 *   1. `Sec-WebSocket-Protocol` (every guarded route): the part after `openai-insecure-api-key.`,
 *      or — in the 2026-02 code — the whole header value when no part has that prefix;
 *   2. `x-api-key` when the decoded path contains `/v1/messages` or `/v1/models`;
 *   3. `?key=` then `x-goog-api-key` on `/v1beta/models…`, `/v1beta/openai/models…`, `/v1/models/…`
 *      (and, in later versions, exactly `/v1/models`);
 *   4. strip a leading `Bearer ` / `bearer ` and trim;
 *   5. empty or `midjourney-proxy` → `mj-api-secret` (same strip);
 *   6. strip `sk-`, keep the part before the first `-`.
 *
 * Rather than replaying that precedence, we collect the key from every place some New API
 * version could read on this path and require them to agree. New API's key is always one of
 * them (or empty, which it rejects), so when they agree we bind exactly New API's key whatever
 * its version's precedence; when they disagree the request is refused (`conflict`, 400). So is
 * anything whose meaning could differ between Go and us or between databases: duplicate
 * credential headers, two `key` query parameters, control or non-ASCII bytes (Go's TrimSpace
 * trims Unicode spaces; MySQL collations fold accents), whitespace inside the key (MySQL PAD
 * SPACE ignores trailing spaces), keys longer than New API's 128-character column.
 */

export type CredentialSource =
  | 'authorization'
  | 'sec-websocket-protocol'
  | 'x-api-key'
  | 'query-key'
  | 'x-goog-api-key'
  | 'mj-api-secret';

export type CredentialResult =
  /** No relay key anywhere New API would look: forward, New API answers 401 if it needs one. */
  | { readonly kind: 'none' }
  | {
      readonly kind: 'key';
      /** The normalised key, exactly as New API looks it up (no `sk-`, nothing after `-`). */
      readonly key: string;
      /**
       * `key` in ASCII lower case. New API on MySQL (default `_ci` collations) finds a token
       * whatever the case of the key, so `sk-ABC…` and `sk-abc…` are the same token there:
       * derive the binding's token id from this value, not from `key`, or a client changes the
       * case of its key and gets a fresh binding.
       */
      readonly bindingKey: string;
      /** Where New API (reference precedence) takes the key from. */
      readonly source: CredentialSource;
    }
  /** Refuse with 400 and never forward. `reason` never contains key material. */
  | { readonly kind: 'conflict'; readonly reason: string };

export interface CredentialRequest {
  readonly method: string;
  /** `req.url`, untouched. */
  readonly url: string;
  /** `req.rawHeaders`: name, value, name, value… (duplicates preserved, unlike `req.headers`). */
  readonly rawHeaders: readonly string[];
}

/** New API's `tokens.key` column is `varchar(128)`; a longer key can never match a token. */
export const MAX_KEY_LENGTH = 128;

const NONE: CredentialResult = Object.freeze({ kind: 'none' });

const WS_PREFIX = 'openai-insecure-api-key';
const WS_PREFIX_DOT = 'openai-insecure-api-key.';
const MJ_PLACEHOLDER = 'midjourney-proxy';

/** Precedence, lowest first (later steps overwrite earlier ones in New API). */
const SOURCES: readonly CredentialSource[] = ['authorization', 'sec-websocket-protocol', 'x-api-key', 'query-key', 'x-goog-api-key', 'mj-api-secret'];
const AUTHORIZATION = 0;
const WEBSOCKET = 1;
const X_API_KEY = 2;
const QUERY_KEY = 3;
const X_GOOG_API_KEY = 4;
const MJ_API_SECRET = 5;

const HEADER_LABEL = ['Authorization', 'Sec-WebSocket-Protocol', 'x-api-key', 'the key query parameter', 'x-goog-api-key', 'mj-api-secret'];

/** ASCII case-insensitive equality with a lower-case literal of the same length. */
function isName(name: string, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) {
    let c = name.charCodeAt(i);
    if (c >= 65 && c <= 90) c |= 0x20;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** Which credential header a raw header name is, or -1. Dispatches on length first: no allocation. */
function headerIndex(name: string): number {
  switch (name.length) {
    case 9:
      return isName(name, 'x-api-key') ? X_API_KEY : -1;
    case 13:
      if (isName(name, 'authorization')) return AUTHORIZATION;
      return isName(name, 'mj-api-secret') ? MJ_API_SECRET : -1;
    case 14:
      return isName(name, 'x-goog-api-key') ? X_GOOG_API_KEY : -1;
    case 22:
      return isName(name, 'sec-websocket-protocol') ? WEBSOCKET : -1;
    default:
      return -1;
  }
}

function isAsciiSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13); // Go's ASCII TrimSpace set: \t \n \v \f \r and space
}

/** Go's `strings.TrimSpace` for ASCII input (non-ASCII input is refused before we get here). */
function trimSpace(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isAsciiSpace(s.charCodeAt(start))) start++;
  while (end > start && isAsciiSpace(s.charCodeAt(end - 1))) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

/**
 * Bytes whose meaning differs between Go, Node and the database: controls (except tab), DEL,
 * non-ASCII. Module-level regexes: compiled once, and V8's native scan beats a charCodeAt loop.
 */
const UNSAFE_BYTE = /[^\t\x20-\x7e]/;
/** Controls are refused before this runs (UNSAFE_BYTE), so only space and tab can remain. */
const WHITESPACE = /[ \t]/;

function hasUnsafeByte(s: string): boolean {
  return UNSAFE_BYTE.test(s);
}

/** Step 4: a leading `Bearer ` or `bearer ` (only those spellings) is removed, then trimmed. */
function stripBearer(v: string): string {
  return v.startsWith('Bearer ') || v.startsWith('bearer ') ? trimSpace(v.slice(7)) : v;
}

/** Step 6: strip one leading `sk-`, keep the part before the first `-`. */
function normalise(s: string): string {
  const from = s.startsWith('sk-') ? 3 : 0;
  const dash = s.indexOf('-', from);
  return dash < 0 ? (from === 0 ? s : s.slice(3)) : s.slice(from, dash);
}

/** Any whitespace left inside a normalised key. */
function hasSpace(s: string): boolean {
  return WHITESPACE.test(s);
}

/**
 * Accumulates candidate keys. Each place yields a "stripped" value `s` (after step 4 as New API
 * would apply it to that place); `''` or `midjourney-proxy` defers to `mj-api-secret` and is not a
 * key itself; anything else normalises to a candidate, which may be `''` (e.g. `sk-`).
 */
class Candidates {
  key: string | null = null;
  source = -1;
  conflict: string | null = null;

  add(place: number, stripped: string, deferrable: boolean): void {
    if (this.conflict !== null) return;
    if (deferrable && (stripped === '' || stripped === MJ_PLACEHOLDER)) return;
    const key = normalise(stripped);
    if (hasSpace(key)) {
      this.conflict = `the credential in ${HEADER_LABEL[place]} has whitespace inside the key`;
      return;
    }
    if (key.length > MAX_KEY_LENGTH) {
      this.conflict = `the credential in ${HEADER_LABEL[place]} is longer than ${MAX_KEY_LENGTH} characters`;
      return;
    }
    if (this.key === null) {
      this.key = key;
      this.source = place;
    } else if (this.key !== key) {
      const places = this.source === place ? `${HEADER_LABEL[place]} (twice)` : `${HEADER_LABEL[this.source]} and ${HEADER_LABEL[place]}`;
      this.conflict = `different keys in ${places}`;
    } else if (place > this.source && place !== MJ_API_SECRET) {
      this.source = place; // same key: report the place New API's precedence takes it from
    }
  }
}

/** Which optional places New API reads for a decoded path (steps 2 and 3). */
function readsXApiKey(p: string): boolean {
  return p.includes('/v1/messages') || p.includes('/v1/models');
}

function readsGeminiKey(p: string): boolean {
  return p === '/v1/models' || p.startsWith('/v1beta/models') || p.startsWith('/v1beta/openai/models') || p.startsWith('/v1/models/');
}

/**
 * Values of the `key` query parameter as Go's `url.ParseQuery` yields them (pairs split on `&`,
 * a pair containing `;` skipped, name and value percent-decoded with `+` as space, a pair with a
 * bad escape skipped) — plus, fail-closed, a `key` found by also splitting on `;` as Go before
 * 1.17 did. One linear scan; only a name containing `%` is decoded. Returns a conflict reason or
 * null, filling `out` with the decoded values in order.
 */
function queryKeys(q: string, out: string[]): string | null {
  let start = 0; // start of the current (sub-)pair
  let eq = -1; // its first '='
  let percent = false; // its name contains '%'
  for (let i = 0; i <= q.length; i++) {
    const c = i < q.length ? q.charCodeAt(i) : 38;
    if (c === 61) {
      if (eq < 0) eq = i;
      continue;
    }
    if (c === 37 && eq < 0) percent = true;
    if (c !== 38 && c !== 59) continue;
    const nameEnd = eq >= 0 ? eq : i;
    const isKey =
      nameEnd - start === 3 && q.startsWith('key', start) ? true : percent && percentDecode(q.slice(start, nameEnd), true) === 'key';
    if (isKey) {
      const value = eq >= 0 ? percentDecode(q.slice(eq + 1, i), true) : '';
      if (value === null) return 'malformed percent-encoding in the key query parameter';
      out.push(value);
    }
    start = i + 1;
    eq = -1;
    percent = false;
  }
  return null;
}

/**
 * The relay credential of a request (see the file comment). Pass the route from
 * {@link classifyRoute} when you have it, to skip re-parsing the target. An unparseable target
 * (which Go would refuse anyway) is read in every place, fail-closed.
 */
export function extractCredential(req: CredentialRequest, target?: RequestTarget): CredentialResult {
  const t = target ?? parseRequestTarget(req.url);
  let xApiKey: boolean;
  let gemini: boolean;
  if (!t.valid) {
    xApiKey = true;
    gemini = true;
  } else {
    xApiKey = readsXApiKey(t.path) || (t.loosePath !== t.path && readsXApiKey(t.loosePath));
    gemini = readsGeminiKey(t.path) || (t.loosePath !== t.path && readsGeminiKey(t.loosePath));
  }

  // One pass over the raw headers: first value of each credential header, duplicates refused.
  const h = req.rawHeaders;
  let authorization: string | undefined;
  let websocket: string | undefined;
  let apiKey: string | undefined;
  let googKey: string | undefined;
  let mjSecret: string | undefined;
  for (let i = 0; i + 1 < h.length; i += 2) {
    const index = headerIndex(h[i]);
    if (index < 0) continue;
    const value = h[i + 1];
    let seen: string | undefined;
    switch (index) {
      case AUTHORIZATION:
        seen = authorization;
        authorization = value;
        break;
      case WEBSOCKET:
        seen = websocket;
        websocket = value;
        break;
      case X_API_KEY:
        seen = apiKey;
        apiKey = value;
        break;
      case X_GOOG_API_KEY:
        seen = googKey;
        googKey = value;
        break;
      default:
        seen = mjSecret;
        mjSecret = value;
    }
    if (seen !== undefined) return conflict(`duplicate ${HEADER_LABEL[index]} header`);
  }

  const c = new Candidates();

  // Header values as Go stores them: surrounding spaces and tabs removed (Node does the same).
  if (authorization !== undefined) {
    if (hasUnsafeByte(authorization)) return unsafe(AUTHORIZATION);
    const v = trimSpace(authorization);
    c.add(AUTHORIZATION, stripBearer(v), true);
  }

  if (websocket !== undefined) {
    if (hasUnsafeByte(websocket)) return unsafe(WEBSOCKET);
    const v = trimSpace(websocket);
    if (v !== '') {
      // Every part that either version treats as the key, and the whole-value fallback when no
      // part starts with the (dot-less) prefix, as the 2026-02 code does.
      let prefixed = false;
      let from = 0;
      while (from <= v.length) {
        let comma = v.indexOf(',', from);
        if (comma < 0) comma = v.length;
        const part = trimSpace(v.slice(from, comma));
        if (part.startsWith(WS_PREFIX)) {
          prefixed = true;
          const key = part.startsWith(WS_PREFIX_DOT) ? part.slice(WS_PREFIX_DOT.length) : part;
          c.add(WEBSOCKET, trimSpace(key), true);
        }
        from = comma + 1;
      }
      if (!prefixed) c.add(WEBSOCKET, v, true);
    }
  }

  if (xApiKey && apiKey !== undefined) {
    if (hasUnsafeByte(apiKey)) return unsafe(X_API_KEY);
    const v = trimSpace(apiKey);
    if (v !== '') c.add(X_API_KEY, v, true); // "Bearer " + v, stripped: v trimmed
  }

  if (gemini) {
    if (t.rawQuery !== '') {
      const values: string[] = [];
      const bad = queryKeys(t.rawQuery, values);
      if (bad !== null) return conflict(bad);
      if (values.length > 1) return conflict('more than one key query parameter');
      if (values.length === 1) {
        if (hasUnsafeByte(values[0])) return unsafe(QUERY_KEY);
        const v = trimSpace(values[0]);
        if (v !== '') c.add(QUERY_KEY, v, true);
      }
    }
    if (googKey !== undefined) {
      if (hasUnsafeByte(googKey)) return unsafe(X_GOOG_API_KEY);
      const v = trimSpace(googKey);
      if (v !== '') c.add(X_GOOG_API_KEY, v, true);
    }
  }

  if (mjSecret !== undefined) {
    if (hasUnsafeByte(mjSecret)) return unsafe(MJ_API_SECRET);
    const v = trimSpace(mjSecret);
    // Read when the others are empty or `midjourney-proxy`; its own value is not deferred again.
    if (v !== '') c.add(MJ_API_SECRET, stripBearer(v), false);
  }

  if (c.conflict !== null) return conflict(c.conflict);
  if (c.key === null || c.key === '') return NONE;
  // `Authorization: Bearer ` arrives as `Bearer` (the parser trims the value), which no strip
  // removes: New API would look the word up as a token. Never bind it (a binding would turn every
  // such client into intercepts and alerts) and never forward a key we did not bind: refuse.
  if (c.key.length === 6 && asciiLower(c.key) === 'bearer') return conflict('an empty bearer token');
  return { kind: 'key', key: c.key, bindingKey: asciiLower(c.key), source: SOURCES[c.source] };
}

function conflict(reason: string): CredentialResult {
  return { kind: 'conflict', reason };
}

function unsafe(place: number): CredentialResult {
  return conflict(`the credential in ${HEADER_LABEL[place]} contains control or non-ASCII characters`);
}

function asciiLower(s: string): string {
  return s.toLowerCase(); // keys are ASCII here (checked above); V8 returns s itself when unchanged
}

/** A route and, for relay routes, the credential: everything the proxy decides on. */
export interface RequestInspection {
  readonly route: RouteInfo;
  /** `none` for sentinel, passthrough and rejected routes (their credentials are not ours). */
  readonly credential: CredentialResult;
}

/**
 * Classifies the request and extracts the credential only where it matters: on relay routes.
 * New API's dashboard API and web UI keep their own credentials (session cookies, access tokens)
 * untouched and unread.
 */
export function inspectRequest(req: CredentialRequest): RequestInspection {
  const route = classifyRoute(req.method, req.url);
  const credential = route.routeClass === 'relay' ? extractCredential(req, route) : NONE;
  return { route, credential };
}
