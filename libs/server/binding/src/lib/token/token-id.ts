import { createHmac } from 'node:crypto';

/**
 * Token id = HMAC-SHA256(SENTINEL_HMAC_SECRET, normalised key), hex. The raw key never leaves
 * the request: only this id and a mask are stored, cached, logged or sent anywhere.
 */
export class TokenIdentifier {
  /** The secret as bytes, once: given a string, createHmac would encode it again on every call. */
  private readonly secret: Buffer;

  constructor(secret: string) {
    this.secret = Buffer.from(secret, 'utf8');
  }

  idOf(normalisedKey: string): string {
    return createHmac('sha256', this.secret).update(normalisedKey).digest('hex');
  }
}

/**
 * `sk-ab12…9xyz`: enough for an admin to recognise a key, never enough to use it.
 * Shows at most 4 + 4 characters, and fewer for short keys (at most a third of the key).
 */
export function maskToken(normalisedKey: string): string {
  const n = normalisedKey.length;
  const show = Math.min(4, Math.floor(n / 6));
  if (show === 0) return 'sk-…';
  // Printable ASCII only: a mask ends up in logs, CSV and webhooks.
  const safe = (s: string) => s.replace(/[^\x21-\x7e]/g, '?');
  return `sk-${safe(normalisedKey.slice(0, show))}…${safe(normalisedKey.slice(n - show))}`;
}
