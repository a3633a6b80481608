import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import {
  WebhookTargetError,
  resolveWebhookTarget,
  type Resolver,
  type ResolvedTarget,
  type WebhookTargetErrorKind,
} from './ssrf-guard';

export type AttemptResult =
  | { ok: true; status: number }
  | { ok: false; retryable: boolean; status?: number; error: string; retryAfterMs?: number };

export interface WebhookAttempt {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  allowPrivateTargets: boolean;
  /** Vendor formats answer 200 with an error code in the body; this reads it (AlertFormatter.bodyError). */
  bodyError?: (text: string) => string | null;
  resolver?: Resolver;
}

const MAX_RESPONSE_BYTES = 8 * 1024;

/**
 * One POST of a webhook: resolve and check the target (SSRF guard), connect to exactly the
 * checked address, never follow a redirect, give up after `timeoutMs` (connect + response).
 * Never throws: the result says whether a retry makes sense.
 */
export async function attemptWebhook(a: WebhookAttempt): Promise<AttemptResult> {
  const checked = await checkWebhookTarget(a.url, a.allowPrivateTargets, a.timeoutMs, a.resolver);
  if (!checked.ok) return checked;
  return post(checked.target, a);
}

export type TargetCheck =
  | { ok: true; target: ResolvedTarget }
  | { ok: false; retryable: boolean; error: string; kind: WebhookTargetErrorKind | 'timeout' };

/**
 * The SSRF guard as every caller applies it: {@link resolveWebhookTarget} within `timeoutMs`.
 * Delivery runs it before each attempt (DNS can change); saving the alertWebhookUrl setting runs
 * it too, and refuses what is not retryable, with the same message. `retryable` is true for a
 * failed or slow DNS lookup only.
 */
export async function checkWebhookTarget(
  url: string,
  allowPrivateTargets: boolean,
  timeoutMs: number,
  resolver?: Resolver,
): Promise<TargetCheck> {
  try {
    const target = await withTimeout(resolveWebhookTarget(url, allowPrivateTargets, resolver), timeoutMs, 'DNS lookup');
    return { ok: true, target };
  } catch (e) {
    if (e instanceof WebhookTargetError)
      return { ok: false, retryable: e.kind === 'unresolved', error: e.message, kind: e.kind };
    return { ok: false, retryable: true, error: (e as Error).message, kind: 'timeout' };
  }
}

/** Answers every lookup with the address that was checked, whatever Node asks for. */
function pinnedLookup(address: string, family: 4 | 6): LookupFunction {
  return ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options && options.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  }) as unknown as LookupFunction;
}

function post(target: ResolvedTarget, a: WebhookAttempt): Promise<AttemptResult> {
  return new Promise<AttemptResult>((resolve) => {
    let settled = false;
    const finish = (r: AttemptResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const body = Buffer.from(a.body, 'utf8');
    const options: RequestOptions = {
      method: 'POST',
      protocol: target.url.protocol,
      hostname: target.url.hostname.replace(/^\[|\]$/g, ''),
      port: target.url.port || undefined,
      path: `${target.url.pathname}${target.url.search}`,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'content-length': String(body.length),
        'user-agent': 'Sentinel-Alert/1',
        ...a.headers,
      },
      // No pooling: every attempt opens its own connection through the pinned lookup.
      agent: false,
      lookup: pinnedLookup(target.address, target.family),
      family: target.family,
    };
    if (target.url.username || target.url.password) {
      options.auth = `${decodeURIComponent(target.url.username)}:${decodeURIComponent(target.url.password)}`;
    }
    const send = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(options, (res) => void readResponse(res, a.bodyError).then(finish));
    const timer = setTimeout(() => {
      req.destroy();
      finish({ ok: false, retryable: true, error: `timed out after ${a.timeoutMs} ms` });
    }, a.timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) =>
      finish({ ok: false, retryable: true, error: `${e.code ?? 'error'}: ${e.message}` }),
    );
    req.end(body);
  });
}

function readResponse(res: IncomingMessage, bodyError?: (text: string) => string | null): Promise<AttemptResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => resolve(classify(res, Buffer.concat(chunks).toString('utf8'), bodyError));
    res.on('data', (c: Buffer) => {
      if (size < MAX_RESPONSE_BYTES) chunks.push(c.subarray(0, MAX_RESPONSE_BYTES - size));
      size += c.length;
    });
    res.on('end', done);
    res.on('error', done);
    res.on('aborted', done);
  });
}

function snippet(text: string): string {
  const s = text.replace(/\s+/g, ' ').trim();
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

export function classify(
  res: Pick<IncomingMessage, 'statusCode' | 'headers'>,
  text: string,
  bodyError?: (text: string) => string | null,
): AttemptResult {
  const status = res.statusCode ?? 0;
  if (status >= 200 && status < 300) {
    const vendorError = bodyError?.(text) ?? null;
    return vendorError ? { ok: false, retryable: false, status, error: vendorError } : { ok: true, status };
  }
  if (status >= 300 && status < 400) {
    return {
      ok: false,
      retryable: false,
      status,
      error: `HTTP ${status}: redirects are not followed (Location: ${String(res.headers.location ?? '-').slice(0, 200)})`,
    };
  }
  const retryable = status === 408 || status === 429 || status >= 500;
  const result: AttemptResult = {
    ok: false,
    retryable,
    status,
    error: `HTTP ${status}${text ? `: ${snippet(text)}` : ''}`,
  };
  const retryAfter = parseRetryAfter(res.headers['retry-after']);
  if (retryable && retryAfter !== undefined) result.retryAfterMs = retryAfter;
  return result;
}

function parseRetryAfter(v: string | string[] | undefined): number | undefined {
  if (typeof v !== 'string') return undefined;
  if (/^[0-9]{1,6}$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e) => (clearTimeout(t), reject(e)),
    );
  });
}

/** Exponential backoff with equal jitter: [d/2, d] where d = min(max, base * 2^(n-1)). */
export function backoffMs(retry: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const d = Math.min(maxMs, baseMs * 2 ** Math.max(0, retry - 1));
  return Math.round(d / 2 + random() * (d / 2));
}
