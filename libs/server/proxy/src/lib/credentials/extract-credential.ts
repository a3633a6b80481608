import { classifyRoute, parseRequestTarget, percentDecode, type RequestTarget, type RouteInfo } from './route-class';

/**
 * The effective New API relay key of a request, computed as New API's `TokenAuth()` computes it
 * (docs/new-api-credentials.md), fail-closed across New API versions.
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

/**
 * One place a New API version reads a relay key from. The carriers are a declared list
 * ({@link CREDENTIAL_CARRIERS}); a carrier New API adds is one more entry there (see
 * docs/extending.md and credential-carriers.extension-example.spec.ts), nothing else changes.
 */
export interface CredentialCarrier<S extends string = string> {
  /** Reported as `CredentialResult.source`. */
  readonly source: S;
  /** How a conflict reason names the place. Never contains key material. */
  readonly label: string;
  /** A request header, lower case. Exactly one of `header` and `query`. */
  readonly header?: string;
  /** A query parameter, read as Go's `url.ParseQuery` does (two of them are a conflict). */
  readonly query?: string;
  /**
   * On which decoded paths some New API version reads this place; omitted = every guarded
   * route. Fail-closed: an unparseable target is read everywhere, and a path whose loose
   * spelling (see RequestTarget.loosePath) differs is read when either spelling matches.
   */
  readonly readOn?: (decodedPath: string) => boolean;
  /**
   * How New API turns the value into a key before the `sk-` strip:
   * `bearer` — a leading `Bearer `/`bearer ` is removed, then trimmed (Authorization, mj-api-secret);
   * `plain` — the trimmed value itself (New API sets `Authorization: Bearer <value>` and strips it);
   * `websocket-protocol` — the `openai-insecure-api-key.` subprotocols, or the whole value when no
   * part has the prefix (New API 2026-02).
   */
  readonly syntax: 'bearer' | 'plain' | 'websocket-protocol';
  /**
   * New API reads this place only when every other place gave an empty key or
   * `midjourney-proxy` (`mj-api-secret`). Its own value is never deferred, and it is never
   * reported as the source when another place holds the same key.
   */
  readonly fallback?: boolean;
}

/** A path New API reads `x-api-key` on (Claude's `/v1/messages`, and `/v1/models`). */
function readsXApiKey(p: string): boolean {
  return p.includes('/v1/messages') || p.includes('/v1/models');
}

/** Gemini paths: `?key=` and `x-goog-api-key`. */
function readsGeminiKey(p: string): boolean {
  return (
    p === '/v1/models' ||
    p.startsWith('/v1beta/models') ||
    p.startsWith('/v1beta/openai/models') ||
    p.startsWith('/v1/models/')
  );
}

/**
 * Every place some New API version reads a relay key, in New API's precedence, lowest first
 * (later places overwrite earlier ones there). Security-critical: a place missing here is a way
 * around the binding. Checked against a transcription of New API's TokenAuth by
 * extract-credential.differential.spec.ts.
 */
export const CREDENTIAL_CARRIERS = [
  { source: 'authorization', label: 'Authorization', header: 'authorization', syntax: 'bearer' },
  {
    source: 'sec-websocket-protocol',
    label: 'Sec-WebSocket-Protocol',
    header: 'sec-websocket-protocol',
    syntax: 'websocket-protocol',
  },
  { source: 'x-api-key', label: 'x-api-key', header: 'x-api-key', syntax: 'plain', readOn: readsXApiKey },
  { source: 'query-key', label: 'the key query parameter', query: 'key', syntax: 'plain', readOn: readsGeminiKey },
  {
    source: 'x-goog-api-key',
    label: 'x-goog-api-key',
    header: 'x-goog-api-key',
    syntax: 'plain',
    readOn: readsGeminiKey,
  },
  { source: 'mj-api-secret', label: 'mj-api-secret', header: 'mj-api-secret', syntax: 'bearer', fallback: true },
] as const satisfies readonly CredentialCarrier[];

export type CredentialSource = (typeof CREDENTIAL_CARRIERS)[number]['source'];

export type CredentialResult<S extends string = CredentialSource> =
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
      readonly source: S;
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

export type CredentialExtractor<S extends string = CredentialSource> = (
  req: CredentialRequest,
  target?: RequestTarget,
) => CredentialResult<S>;

/** New API's `tokens.key` column is `varchar(128)`; a longer key can never match a token. */
export const MAX_KEY_LENGTH = 128;

const NONE = Object.freeze({ kind: 'none' as const });

const WS_PREFIX = 'openai-insecure-api-key';
const WS_PREFIX_DOT = 'openai-insecure-api-key.';
const MJ_PLACEHOLDER = 'midjourney-proxy';

/** ASCII case-insensitive equality with a lower-case literal of the same length. */
function isName(name: string, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) {
    let c = name.charCodeAt(i);
    if (c >= 65 && c <= 90) c |= 0x20;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
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

  constructor(private readonly carriers: readonly CredentialCarrier[]) {}

  add(place: number, stripped: string, deferrable: boolean): void {
    if (this.conflict !== null) return;
    if (deferrable && (stripped === '' || stripped === MJ_PLACEHOLDER)) return;
    const label = this.carriers[place].label;
    const key = normalise(stripped);
    if (hasSpace(key)) {
      this.conflict = `the credential in ${label} has whitespace inside the key`;
      return;
    }
    if (key.length > MAX_KEY_LENGTH) {
      this.conflict = `the credential in ${label} is longer than ${MAX_KEY_LENGTH} characters`;
      return;
    }
    if (this.key === null) {
      this.key = key;
      this.source = place;
    } else if (this.key !== key) {
      const places = this.source === place ? `${label} (twice)` : `${this.carriers[this.source].label} and ${label}`;
      this.conflict = `different keys in ${places}`;
    } else if (place > this.source && this.carriers[place].fallback !== true) {
      this.source = place; // same key: report the place New API's precedence takes it from
    }
  }
}

/**
 * Values of query parameter `name` as Go's `url.ParseQuery` yields them (pairs split on `&`,
 * a pair containing `;` skipped, name and value percent-decoded with `+` as space, a pair with a
 * bad escape skipped) — plus, fail-closed, one found by also splitting on `;` as Go before
 * 1.17 did. One linear scan; only a name containing `%` is decoded. Returns a conflict reason or
 * null, filling `out` with the decoded values in order.
 */
function queryValues(q: string, name: string, label: string, out: string[]): string | null {
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
    const matches =
      nameEnd - start === name.length && q.startsWith(name, start)
        ? true
        : percent && percentDecode(q.slice(start, nameEnd), true) === name;
    if (matches) {
      const value = eq >= 0 ? percentDecode(q.slice(eq + 1, i), true) : '';
      if (value === null) return `malformed percent-encoding in ${label}`;
      out.push(value);
    }
    start = i + 1;
    eq = -1;
    percent = false;
  }
  return null;
}

/**
 * Builds the extractor for a list of carriers (precedence lowest first). The proxy uses
 * {@link extractCredential}, built from {@link CREDENTIAL_CARRIERS}; tests build others.
 * Throws on a malformed list (a carrier with neither or both of header/query, an upper-case or
 * repeated header name, a repeated source), so a bad entry fails at start-up, not per request.
 */
export function createCredentialExtractor<S extends string>(
  carriers: readonly CredentialCarrier<S>[],
): CredentialExtractor<S> {
  const list: readonly CredentialCarrier<S>[] = Object.freeze([...carriers]);
  // Header lookup dispatches on the name's length first: no allocation per header.
  const byLength: { name: string; index: number }[][] = [];
  const sources = new Set<string>();
  list.forEach((c, index) => {
    if ((c.header === undefined) === (c.query === undefined)) {
      throw new Error(`credential carrier ${c.source}: give exactly one of header and query`);
    }
    if (sources.has(c.source)) throw new Error(`credential carrier ${c.source}: declared twice`);
    sources.add(c.source);
    if (c.header !== undefined) {
      if (c.header === '' || c.header !== c.header.toLowerCase())
        throw new Error(`credential carrier ${c.source}: header must be lower case`);
      const slot = (byLength[c.header.length] ??= []);
      if (slot.some((s) => s.name === c.header))
        throw new Error(`credential carrier ${c.source}: header ${c.header} declared twice`);
      slot.push({ name: c.header, index });
    }
  });

  function headerIndex(name: string): number {
    const slot = byLength[name.length];
    if (slot === undefined) return -1;
    for (let i = 0; i < slot.length; i++) if (isName(name, slot[i].name)) return slot[i].index;
    return -1;
  }

  function unsafe(place: number): CredentialResult<S> {
    return conflict(`the credential in ${list[place].label} contains control or non-ASCII characters`);
  }

  return function extract(req: CredentialRequest, target?: RequestTarget): CredentialResult<S> {
    const t = target ?? parseRequestTarget(req.url);

    // One pass over the raw headers: first value of each credential header, duplicates refused.
    const h = req.rawHeaders;
    let values: (string | undefined)[] | undefined;
    for (let i = 0; i + 1 < h.length; i += 2) {
      const index = headerIndex(h[i]);
      if (index < 0) continue;
      values ??= new Array<string | undefined>(list.length);
      if (values[index] !== undefined) return conflict(`duplicate ${list[index].label} header`);
      values[index] = h[i + 1];
    }

    const c = new Candidates(list);
    for (let place = 0; place < list.length; place++) {
      const carrier = list[place];
      if (carrier.query !== undefined) {
        if (t.rawQuery === '' || !readsOn(carrier, t)) continue;
        const found: string[] = [];
        const bad = queryValues(t.rawQuery, carrier.query, carrier.label, found);
        if (bad !== null) return conflict(bad);
        if (found.length > 1) return conflict(`more than one ${carrier.query} query parameter`);
        if (found.length === 0) continue;
        if (hasUnsafeByte(found[0])) return unsafe(place);
        const v = trimSpace(found[0]);
        if (v !== '') c.add(place, v, true);
        continue;
      }
      const raw = values?.[place];
      if (raw === undefined) continue;
      if (!readsOn(carrier, t)) continue; // not read on this path (duplicates were refused above)
      if (hasUnsafeByte(raw)) return unsafe(place);
      // Header values as Go stores them: surrounding spaces and tabs removed (Node does the same).
      const v = trimSpace(raw);
      switch (carrier.syntax) {
        case 'bearer':
          if (carrier.fallback === true) {
            // Read when the others are empty or `midjourney-proxy`; its own value is not deferred.
            if (v !== '') c.add(place, stripBearer(v), false);
          } else {
            c.add(place, stripBearer(v), true);
          }
          break;
        case 'plain':
          if (v !== '') c.add(place, v, carrier.fallback !== true); // "Bearer " + v, stripped: v trimmed
          break;
        case 'websocket-protocol':
          if (v !== '') addWebSocketProtocol(c, place, v);
          break;
      }
    }

    if (c.conflict !== null) return conflict(c.conflict);
    if (c.key === null || c.key === '') return NONE;
    // `Authorization: Bearer ` arrives as `Bearer` (the parser trims the value), which no strip
    // removes: New API would look the word up as a token. Never bind it (a binding would turn every
    // such client into intercepts and alerts) and never forward a key we did not bind: refuse.
    if (c.key.length === 6 && asciiLower(c.key) === 'bearer') return conflict('an empty bearer token');
    return { kind: 'key', key: c.key, bindingKey: asciiLower(c.key), source: list[c.source].source };
  };
}

/** Whether some New API version reads this carrier on the request's path (fail-closed, see readOn). */
function readsOn(c: CredentialCarrier, t: RequestTarget): boolean {
  return !t.valid || c.readOn === undefined || c.readOn(t.path) || (t.loosePath !== t.path && c.readOn(t.loosePath));
}

/**
 * Every part that either New API version treats as the key, and the whole-value fallback when
 * no part starts with the (dot-less) prefix, as the 2026-02 code does.
 */
function addWebSocketProtocol(c: Candidates, place: number, v: string): void {
  let prefixed = false;
  let from = 0;
  while (from <= v.length) {
    let comma = v.indexOf(',', from);
    if (comma < 0) comma = v.length;
    const part = trimSpace(v.slice(from, comma));
    if (part.startsWith(WS_PREFIX)) {
      prefixed = true;
      const key = part.startsWith(WS_PREFIX_DOT) ? part.slice(WS_PREFIX_DOT.length) : part;
      c.add(place, trimSpace(key), true);
    }
    from = comma + 1;
  }
  if (!prefixed) c.add(place, v, true);
}

/**
 * The relay credential of a request (see the file comment), read from {@link CREDENTIAL_CARRIERS}.
 * Pass the route from {@link classifyRoute} when you have it, to skip re-parsing the target. An
 * unparseable target (which Go would refuse anyway) is read in every place, fail-closed.
 */
export const extractCredential: CredentialExtractor = createCredentialExtractor(CREDENTIAL_CARRIERS);

function conflict(reason: string): { readonly kind: 'conflict'; readonly reason: string } {
  return { kind: 'conflict', reason };
}

function asciiLower(s: string): string {
  return s.toLowerCase(); // keys are ASCII here (checked above); V8 returns s itself when unchanged
}

/**
 * Whether a request to New API's dashboard API (`/api/*`, route family `dashboard-api`) carries
 * a credential that New API's `TokenAuth()` would read as a relay key; the proxy then guards it
 * like a relay route instead of passing it through. New API's `TokenOrUserAuth()` — on
 * `/api/canvas/*` and, in forks, `/api/ark_asset` and `/api/assets/self` — falls back to
 * `TokenAuth()`, and any future `/api` route may do the same (docs/new-api-credentials.md,
 * "New API's `/api/*` routes"). Fail-closed, on every `/api/*` path:
 *
 * - `Authorization` whose value, after a `Bearer ` strip (any case), starts with `sk-` (any
 *   case): the shape of a relay key, never of a dashboard credential;
 * - any other carrier of {@link CREDENTIAL_CARRIERS} that some New API version reads on this
 *   path, when present with a non-empty value (`Sec-WebSocket-Protocol` and `mj-api-secret`
 *   everywhere, `x-api-key` on paths containing `/v1/messages` or `/v1/models`, …): the
 *   dashboard never sends them.
 *
 * What stays untouched: session cookies, and user access tokens / dashboard JWTs in
 * `Authorization` without the `sk-` prefix.
 */
export function dashboardCarriesRelayKey(req: CredentialRequest, target?: RequestTarget): boolean {
  const t = target ?? parseRequestTarget(req.url);
  const h = req.rawHeaders;
  for (let i = 0; i + 1 < h.length; i += 2) {
    const name = h[i];
    const value = h[i + 1];
    if (name.length === 13 && isName(name, 'authorization')) {
      if (looksLikeRelayKey(value)) return true;
      continue;
    }
    for (const carrier of CREDENTIAL_CARRIERS) {
      if (!('header' in carrier) || carrier.source === 'authorization') continue;
      if (name.length !== carrier.header.length || !isName(name, carrier.header)) continue;
      if (trimSpace(value) !== '' && readsOn(carrier, t)) return true;
    }
  }
  if (t.rawQuery !== '' || !t.valid) {
    for (const carrier of CREDENTIAL_CARRIERS) {
      if (!('query' in carrier) || !readsOn(carrier, t)) continue;
      const found: string[] = [];
      // A malformed escape is read as present: the extractor then refuses the request.
      if (queryValues(t.rawQuery, carrier.query, carrier.label, found) !== null) return true;
      if (found.some((v) => trimSpace(v) !== '')) return true;
    }
  }
  return false;
}

/** `[Bearer ]sk-…`, `Bearer` in any case, `sk-` in any case, surrounding spaces ignored. */
function looksLikeRelayKey(value: string): boolean {
  let v = trimSpace(value);
  if (v.length > 7 && isName(v, 'bearer') && (v.charCodeAt(6) === 32 || v.charCodeAt(6) === 9)) {
    v = trimSpace(v.slice(7));
  }
  return v.length >= 3 && isName(v, 'sk-');
}

/** A route and, for relay routes, the credential: everything the proxy decides on. */
export interface RequestInspection {
  readonly route: RouteInfo;
  /** `none` for sentinel, passthrough and rejected routes (their credentials are not ours). */
  readonly credential: CredentialResult;
}

/**
 * Classifies the request and extracts the credential only where it matters: on relay routes and
 * on dashboard-API requests that carry a relay key. New API's dashboard API and web UI keep their
 * own credentials (session cookies, access tokens) untouched and unread.
 */
export function inspectRequest(req: CredentialRequest): RequestInspection {
  const route = classifyRoute(req.method, req.url);
  const credential = isGuarded(route, req) ? extractCredential(req, route) : NONE;
  return { route, credential };
}

/**
 * Whether the proxy reads the request's credential: relay routes, and dashboard-API requests
 * that carry a relay key ({@link dashboardCarriesRelayKey}). Sentinel's own, rejected and other
 * pass-through routes are never read.
 */
export function isGuarded(route: RouteInfo, req: CredentialRequest): boolean {
  if (route.routeClass === 'relay') return true;
  return route.routeClass === 'passthrough' && route.family === 'dashboard-api' && dashboardCarriesRelayKey(req, route);
}
