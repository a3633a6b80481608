import { normaliseRelayKey } from './relay-key';

describe('normaliseRelayKey: a pasted key gets the token id its requests get', () => {
  it('strips sk- and a channel suffix and folds case, like the proxy', () => {
    expect(normaliseRelayKey('sk-AbC123def')).toEqual({ ok: true, key: 'AbC123def', bindingKey: 'abc123def' });
    expect(normaliseRelayKey('  sk-abc123def-7 ')).toMatchObject({ ok: true, bindingKey: 'abc123def' });
    expect(normaliseRelayKey('abc123def')).toMatchObject({ ok: true, bindingKey: 'abc123def' });
  });

  it('refuses empty, spaced, control-character and over-long keys without echoing them', () => {
    for (const bad of ['', 'sk-', 'two words', 'sk-abc\u0001def', `sk-${'a'.repeat(200)}`, 'sk-ключ']) {
      const r = normaliseRelayKey(bad);
      expect(r.ok).toBe(false);
      if (!r.ok && bad.length > 3) expect(r.message).not.toContain(bad.slice(3, 12));
    }
  });
});
