import {
  createCredentialExtractor,
  CREDENTIAL_CARRIERS,
  extractCredential,
  type CredentialCarrier,
  type CredentialRequest,
} from './extract-credential';

/**
 * Worked example for docs/extending.md, "A new credential carrier".
 *
 * Suppose a New API release starts reading the relay key from a new header, `X-New-Api-Key`,
 * on every guarded route, overriding `Authorization` (like `x-goog-api-key` does on Gemini
 * paths), with an optional `Bearer ` prefix. Adding it to Sentinel is ONE entry in
 * CREDENTIAL_CARRIERS (extract-credential.ts), placed by precedence (the list is lowest first;
 * the `mj-api-secret` fallback stays last), plus the same step in the New API transcription
 * (newapi-reference.spec-helper.ts) so the differential test covers it. Nothing else changes:
 * duplicate-header refusal, unsafe-byte refusal, conflicts between places, the `sk-` strip and
 * the `midjourney-proxy` fallback all come from the shared machinery, as this test shows by
 * building the extended list through the same createCredentialExtractor the proxy uses.
 */

const NEW_CARRIER = {
  source: 'x-new-api-key',
  label: 'X-New-Api-Key',
  header: 'x-new-api-key',
  syntax: 'bearer',
} as const satisfies CredentialCarrier;

// The entry, inserted where the hypothetical New API reads it: after x-goog-api-key, before the fallback.
const fallback = CREDENTIAL_CARRIERS.length - 1;
const EXTENDED = [...CREDENTIAL_CARRIERS.slice(0, fallback), NEW_CARRIER, ...CREDENTIAL_CARRIERS.slice(fallback)];
const extract = createCredentialExtractor(EXTENDED);

const K = 'AbCdEfGh12345678ijklMNOP90qrstUVWXyz0123456789Ab';
const K2 = 'ZyXwVuTs98765432ponmLKJI10hgfeDCBA9876543210zYxW';

const req = (url: string, ...rawHeaders: string[]): CredentialRequest => ({ method: 'POST', url, rawHeaders });

describe('extension example: a new credential carrier (X-New-Api-Key)', () => {
  it('is the gap it closes: today a key in the new header is invisible to Sentinel', () => {
    // Without the entry, a client whose New API reads X-New-Api-Key would walk around the binding.
    expect(extractCredential(req('/v1/chat/completions', 'X-New-Api-Key', `sk-${K}`))).toEqual({ kind: 'none' });
  });

  it('extracts and normalises the key from the new header, in any header-name case', () => {
    for (const name of ['X-New-Api-Key', 'x-new-api-key', 'X-NEW-API-KEY']) {
      expect(extract(req('/v1/chat/completions', name, `Bearer sk-${K}-7`))).toEqual({
        kind: 'key',
        key: K,
        bindingKey: K.toLowerCase(),
        source: 'x-new-api-key',
      });
    }
  });

  it('agrees with the other places when they hold the same key, and reports itself by precedence', () => {
    const r = extract(req('/v1/chat/completions', 'Authorization', `Bearer sk-${K}`, 'X-New-Api-Key', K));
    expect(r).toMatchObject({ kind: 'key', key: K, source: 'x-new-api-key' });
  });

  it('refuses a request whose new header and Authorization hold different keys', () => {
    const r = extract(req('/v1/chat/completions', 'Authorization', `Bearer sk-${K}`, 'X-New-Api-Key', `sk-${K2}`));
    expect(r).toEqual({ kind: 'conflict', reason: 'different keys in Authorization and X-New-Api-Key' });
  });

  it('refuses a duplicated new header, even with the same value', () => {
    const r = extract(req('/v1/chat/completions', 'X-New-Api-Key', K, 'x-new-api-key', K));
    expect(r).toEqual({ kind: 'conflict', reason: 'duplicate X-New-Api-Key header' });
  });

  it('refuses control or non-ASCII bytes in the new header', () => {
    expect(extract(req('/v1/chat/completions', 'X-New-Api-Key', `${K}\u00a0`))).toMatchObject({ kind: 'conflict' });
  });

  it('keeps the mj-api-secret fallback: an empty or placeholder value in the new header defers to it', () => {
    expect(extract(req('/mj/submit/imagine', 'X-New-Api-Key', 'midjourney-proxy', 'mj-api-secret', K))).toMatchObject({
      kind: 'key',
      key: K,
      source: 'mj-api-secret',
    });
    expect(extract(req('/mj/submit/imagine', 'X-New-Api-Key', 'midjourney-proxy', 'mj-api-secret', ''))).toEqual({
      kind: 'none',
    });
  });

  it('leaves every existing carrier as it was', () => {
    const cases = [
      req('/v1/chat/completions', 'Authorization', `Bearer sk-${K}`),
      req('/v1/messages', 'x-api-key', K, 'Authorization', `Bearer ${K2}`),
      req(`/v1beta/models/gemini:generateContent?key=${K}`),
      req('/v1/realtime', 'Sec-WebSocket-Protocol', `realtime, openai-insecure-api-key.sk-${K}`),
    ];
    for (const c of cases) expect(extract(c)).toEqual(extractCredential(c));
  });

  it('rejects a malformed entry when the list is built, not per request', () => {
    expect(() =>
      createCredentialExtractor([...CREDENTIAL_CARRIERS, { ...NEW_CARRIER, header: 'X-New-Api-Key' }]),
    ).toThrow(/lower case/);
    expect(() =>
      createCredentialExtractor([...CREDENTIAL_CARRIERS, { ...NEW_CARRIER, header: 'authorization' }]),
    ).toThrow(/declared twice/);
  });
});
