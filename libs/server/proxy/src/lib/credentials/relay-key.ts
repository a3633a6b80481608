import { extractCredential } from './extract-credential';

/** A key an admin typed or pasted, normalised exactly as the proxy normalises a request's key. */
export type RelayKey =
  | { readonly ok: true; readonly key: string; readonly bindingKey: string }
  | { readonly ok: false; readonly message: string };

const PATH = '/v1/chat/completions';

/**
 * Normalises a raw relay key (`sk-…`, with or without a `-<channel>` suffix) through the proxy's
 * own extractor, as if it came in `Authorization: Bearer …`, so a pre-bound or looked-up key gets
 * the token id its requests will get. The message never contains key material.
 */
export function normaliseRelayKey(raw: string): RelayKey {
  const value = raw.trim();
  if (value === '') return { ok: false, message: 'empty key' };
  const r = extractCredential({ method: 'POST', url: PATH, rawHeaders: ['authorization', `Bearer ${value}`] });
  if (r.kind === 'key') return { ok: true, key: r.key, bindingKey: r.bindingKey };
  return { ok: false, message: r.kind === 'none' ? 'not a relay key' : r.reason.replace('Authorization', 'the key') };
}
