import { urlSafeToken } from './url-filters';

describe('urlSafeToken', () => {
  it('lets a token id, a mask or a short prefix into the URL', () => {
    expect(urlSafeToken('f'.repeat(64))).toBe(true);
    expect(urlSafeToken('sk-ab12…wxyz')).toBe(true);
    expect(urlSafeToken('sk-ab12')).toBe(true);
  });

  it('keeps a pasted relay key out of the URL', () => {
    expect(urlSafeToken(`sk-${'a1B2'.repeat(12)}`)).toBe(false);
    expect(urlSafeToken('a1B2'.repeat(12))).toBe(false);
  });
});
