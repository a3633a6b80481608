import { DATE_TIME_FORMAT, DateTimePipe } from './date-time';

describe('DateTimePipe', () => {
  const pipe = () => new DateTimePipe();

  it('renders the one format to the second or the minute', () => {
    const local = new Date(2026, 0, 2, 15, 4, 5);
    expect(DATE_TIME_FORMAT).toBe('yyyy-MM-dd HH:mm:ss');
    expect(pipe().transform(local)).toBe('2026-01-02 15:04:05');
    expect(pipe().transform(local, 'minute')).toBe('2026-01-02 15:04');
  });

  it('renders nothing for missing or unparsable values', () => {
    expect(pipe().transform(null)).toBe('');
    expect(pipe().transform(undefined)).toBe('');
    expect(pipe().transform('not a date')).toBe('');
  });
});
