import { createHmac, timingSafeEqual } from 'node:crypto';

/** Name of the signature header on every signed delivery. */
export const SIGNATURE_HEADER = 'X-Sentinel-Signature';

/** Default replay window for {@link verifySignature}, in seconds. */
export const DEFAULT_SIGNATURE_TOLERANCE_SEC = 300;

function hmacHex(secret: string, timestamp: number, body: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>` — the value of
 * X-Sentinel-Signature. A fresh timestamp is taken for every attempt.
 */
export function signatureHeader(secret: string, body: string | Buffer, nowSec = Math.floor(Date.now() / 1000)): string {
  return `t=${nowSec},v1=${hmacHex(secret, nowSec, body)}`;
}

/**
 * Verifies an X-Sentinel-Signature header against the raw request body (the exact bytes
 * received — not a re-serialised JSON object).
 *
 * True only when the header is well formed, its timestamp is within `toleranceSec` of now (the
 * replay window) and one of its `v1` signatures matches (several are accepted, for secret
 * rotation). The comparison is constant-time.
 */
export function verifySignature(
  secret: string,
  header: string | string[] | undefined | null,
  body: string | Buffer,
  toleranceSec = DEFAULT_SIGNATURE_TOLERANCE_SEC,
  nowSec = Math.floor(Date.now() / 1000),
): boolean {
  if (!secret || typeof header !== 'string' || header.length > 2048) return false;
  let timestamp: number | undefined;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return false;
    const k = part.slice(0, eq).trim();
    const v = part.slice(eq + 1).trim();
    if (k === 't') {
      if (timestamp !== undefined || !/^[0-9]{1,12}$/.test(v)) return false;
      timestamp = Number(v);
    } else if (k === 'v1') {
      if (/^[0-9a-f]{64}$/.test(v)) candidates.push(v);
    }
  }
  if (timestamp === undefined || candidates.length === 0) return false;
  if (!(toleranceSec >= 0) || Math.abs(nowSec - timestamp) > toleranceSec) return false;
  const expected = Buffer.from(hmacHex(secret, timestamp, body), 'hex');
  let ok = false;
  for (const c of candidates) {
    // Every candidate is compared (no early exit), each in constant time.
    if (timingSafeEqual(expected, Buffer.from(c, 'hex'))) ok = true;
  }
  return ok;
}

/**
 * Feishu/Lark custom-bot signing: base64(HMAC-SHA256(key = "<t>\n<secret>", message = "")),
 * sent in the body as `timestamp` (seconds) and `sign`.
 */
export function feishuSign(secret: string, nowSec: number): { timestamp: string; sign: string } {
  const sign = createHmac('sha256', `${nowSec}\n${secret}`).update('').digest('base64');
  return { timestamp: String(nowSec), sign };
}

/**
 * DingTalk custom-robot signing: base64(HMAC-SHA256(key = secret, message = "<t ms>\n<secret>")),
 * appended to the URL as `timestamp` and `sign` query parameters.
 */
export function dingtalkSign(secret: string, nowMs: number): { timestamp: string; sign: string } {
  const sign = createHmac('sha256', secret).update(`${nowMs}\n${secret}`).digest('base64');
  return { timestamp: String(nowMs), sign };
}
