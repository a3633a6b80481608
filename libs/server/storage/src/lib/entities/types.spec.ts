import { INTERCEPT_LOG_LIMITS, truncateText } from './types';

describe('truncateText', () => {
  it('passes short values and null through', () => {
    expect(truncateText('/v1/chat', 2048)).toBe('/v1/chat');
    expect(truncateText(null, 10)).toBeNull();
    expect(truncateText(undefined, 10)).toBeNull();
  });

  it('cuts to the limit', () => {
    expect(truncateText('a'.repeat(3000), INTERCEPT_LOG_LIMITS.path)).toHaveLength(2048);
  });

  it('never splits a surrogate pair', () => {
    const value = 'ab😀cd'; // 😀 is two UTF-16 code units at index 2-3
    expect(truncateText(value, 3)).toBe('ab');
    expect(truncateText(value, 4)).toBe('ab😀');
    expect(Buffer.from(truncateText('x'.repeat(511) + '😀', 512) ?? '', 'utf8').toString('utf8')).toBe('x'.repeat(511));
  });
});
