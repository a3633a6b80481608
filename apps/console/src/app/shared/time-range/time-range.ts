import { DestroyRef, inject } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import type { FormControl } from '@angular/forms';

/** Time filter presets; `custom` leaves From/To to the admin, `''` is any time. */
export const TIME_RANGES = ['', '1h', '24h', '7d', '30d', 'custom'] as const;
export type TimeRange = (typeof TIME_RANGES)[number];

const PRESET_MS: Readonly<Record<Exclude<TimeRange, '' | 'custom'>, number>> = {
  '1h': 3_600_000,
  '24h': 86_400_000,
  '7d': 7 * 86_400_000,
  '30d': 30 * 86_400_000,
};

/** `2026-01-02T03:04`: what a `datetime-local` input holds, in local time. */
export function toLocalInput(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** The From value of a preset (`now` minus its length), or null for any time / custom. */
export function presetFrom(range: string, now = new Date()): string | null {
  const ms = (PRESET_MS as Record<string, number | undefined>)[range];
  return ms === undefined ? null : toLocalInput(new Date(now.getTime() - ms));
}

/**
 * Wires a range select to From/To: a preset fills From (relative to now, also when it comes from
 * the URL, so a shared "last 24 h" link stays the last 24 h) and clears To; "any time" clears both;
 * custom leaves them to the admin. Call from a constructor, before syncFiltersWithUrl.
 */
export function bindTimeRange(range: FormControl<string>, from: FormControl<string>, to: FormControl<string>): void {
  const destroyRef = inject(DestroyRef);
  let applying = false;
  range.valueChanges.pipe(takeUntilDestroyed(destroyRef)).subscribe((r) => {
    const start = presetFrom(r);
    if (start === null && r !== '') return;
    applying = true;
    from.setValue(start ?? '');
    to.setValue('');
    applying = false;
  });
  // Editing From or To by hand makes the range custom.
  const edited = (v: string) => {
    if (!applying && v !== '' && range.value !== 'custom') range.setValue('custom', { emitEvent: false });
  };
  from.valueChanges.pipe(takeUntilDestroyed(destroyRef)).subscribe(edited);
  to.valueChanges.pipe(takeUntilDestroyed(destroyRef)).subscribe(edited);
}
