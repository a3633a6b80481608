import { DatePipe } from '@angular/common';
import { Pipe, PipeTransform } from '@angular/core';

/** The console's one timestamp format (local time, 24 h): `2026-01-02 15:04:05`. */
export const DATE_TIME_FORMAT = 'yyyy-MM-dd HH:mm:ss';
/** The same to the minute, for narrow cells: `2026-01-02 15:04`. */
export const DATE_MINUTE_FORMAT = 'yyyy-MM-dd HH:mm';

/**
 * `{{ iso | dateTime }}` / `{{ iso | dateTime: 'minute' }}`: every timestamp of the console in the
 * one format above; null, undefined and unparsable values render as ''.
 */
@Pipe({ name: 'dateTime' })
export class DateTimePipe implements PipeTransform {
  // The format is fixed, so the locale only matters for month names, which it has none of.
  private readonly date = new DatePipe('en-US');

  transform(value: string | number | Date | null | undefined, precision: 'second' | 'minute' = 'second'): string {
    if (value === null || value === undefined || value === '') return '';
    try {
      return this.date.transform(value, precision === 'minute' ? DATE_MINUTE_FORMAT : DATE_TIME_FORMAT) ?? '';
    } catch {
      return '';
    }
  }
}

/** The same format outside templates (toasts, computed strings). */
export function formatDateTime(
  value: string | number | Date | null | undefined,
  precision: 'second' | 'minute' = 'second',
): string {
  return new DateTimePipe().transform(value, precision);
}
