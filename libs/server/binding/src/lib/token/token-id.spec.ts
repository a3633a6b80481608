import { createHmac } from 'node:crypto';
import { maskToken, TokenIdentifier } from './token-id';

describe('token id and mask', () => {
  it('is a keyed HMAC: stable for one secret, different for another, never the key', () => {
    const a = new TokenIdentifier('a'.repeat(32));
    const b = new TokenIdentifier('b'.repeat(32));
    const key = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKL';
    expect(a.idOf(key)).toMatch(/^[0-9a-f]{64}$/);
    expect(a.idOf(key)).toBe(a.idOf(key));
    expect(a.idOf(key)).not.toBe(b.idOf(key));
    expect(a.idOf(key)).not.toContain(key);
  });

  it('is HMAC-SHA256 over the UTF-8 bytes of the secret, as the original tool computed it', () => {
    // Ids already stored (and the original tool's) must keep matching: a non-ASCII secret shows
    // the secret is encoded as UTF-8, not latin1 or UTF-16.
    const secret = 'sëcret-ключ-0123456789abcdef0123456789';
    const key = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKL';
    expect(new TokenIdentifier(secret).idOf(key)).toBe(createHmac('sha256', secret).update(key).digest('hex'));
    // python3 -c "import hmac,hashlib;print(hmac.new(b'k',b'sk-x',hashlib.sha256).hexdigest())"
    expect(new TokenIdentifier('k').idOf('sk-x')).toBe(
      'f334b07450d055ee3d69e16496d3b383e55bd09f591c728e71a8d442a5dd7e35',
    );
  });

  it('masks to at most 4 + 4 characters, fewer for short keys', () => {
    expect(maskToken('abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKL')).toBe('sk-abcd…IJKL');
    expect(maskToken('abcdefghijkl')).toBe('sk-ab…kl');
    expect(maskToken('abc')).toBe('sk-…');
  });
});
describe('maskToken', () => {
  it.each([
    ['abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKL', 'sk-abcd…IJKL'],
    ['ab12cdefghijklmnopqrstuvwxyz9xyz', 'sk-ab12…9xyz'],
    ['abcdefghijkl', 'sk-ab…kl'],
    ['abcdef', 'sk-a…f'],
    ['abcde', 'sk-…'],
    ['', 'sk-…'],
  ])('%s → %s', (k, masked) => {
    expect(maskToken(k)).toBe(masked);
  });

  it('never shows more than 8 characters or a third of the key', () => {
    for (let len = 0; len <= 200; len++) {
      const k = 'x'.repeat(len);
      const shown = maskToken(k).length - 'sk-…'.length;
      expect(shown).toBeLessThanOrEqual(Math.min(8, len / 3));
    }
  });

  it('does not pass control characters through', () => {
    expect(maskToken('\u0001bcdefghijklmnopqrstuvwx\n')).toBe('sk-?bcd…vwx?');
  });
});
