import { TestBed } from '@angular/core/testing';
import { FormControl } from '@angular/forms';
import { bindTimeRange, presetFrom, toLocalInput } from './time-range';

describe('time range presets', () => {
  const now = new Date(2026, 0, 31, 12, 30);

  it.each([
    ['1h', new Date(2026, 0, 31, 11, 30)],
    ['24h', new Date(2026, 0, 30, 12, 30)],
    ['7d', new Date(2026, 0, 24, 12, 30)],
    ['30d', new Date(2026, 0, 1, 12, 30)],
  ])('%s starts that long before now', (range, start) => {
    expect(presetFrom(range, now)).toBe(toLocalInput(start));
  });

  it('any time and custom have no preset start', () => {
    expect(presetFrom('', now)).toBeNull();
    expect(presetFrom('custom', now)).toBeNull();
    expect(toLocalInput(now)).toBe('2026-01-31T12:30');
  });

  it('a preset fills From and clears To; editing From by hand makes it custom', () => {
    const range = new FormControl('', { nonNullable: true });
    const from = new FormControl('', { nonNullable: true });
    const to = new FormControl('2026-01-01T00:00', { nonNullable: true });
    TestBed.runInInjectionContext(() => bindTimeRange(range, from, to));
    range.setValue('24h');
    expect(from.value).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d$/);
    expect(to.value).toBe('');
    from.setValue('2026-01-05T00:00');
    expect(range.value).toBe('custom');
    range.setValue('');
    expect([from.value, to.value]).toEqual(['', '']);
  });
});
