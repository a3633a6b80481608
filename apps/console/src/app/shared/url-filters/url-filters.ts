import { DestroyRef, inject } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import type { FormGroup } from '@angular/forms';
import { ActivatedRoute, Router, type ParamMap } from '@angular/router';
import { debounceTime } from 'rxjs';

/**
 * A token filter value that may go into a URL: a 64-hex token id, a mask (`sk-ab12…`) or a short
 * prefix. Anything longer could be a pasted relay key, which must never reach a URL or history.
 */
export function urlSafeToken(value: string): boolean {
  const v = value.trim();
  return /^[0-9a-f]{64}$/i.test(v) || v.includes('…') || v.length <= 16;
}

type StringForm = FormGroup<{ [K: string]: import('@angular/forms').FormControl<string> }>;

/**
 * Keeps a page's filter form in its URL query parameters, so a reload, the back button or a
 * shared link keeps the filters: the URL fills the form on arrival and on back/forward, and the
 * form, once the admin pauses typing, updates the URL (one history entry per change). Empty
 * values are left out. `keep(name, value)` may keep a value out of the URL (a pasted key).
 * Call from a constructor (injection context).
 */
export function syncFiltersWithUrl(
  form: FormGroup,
  keys: readonly string[],
  keep: (name: string, value: string) => boolean = () => true,
): void {
  const route = inject(ActivatedRoute);
  const router = inject(Router);
  const destroyRef = inject(DestroyRef);
  const f = form as unknown as StringForm;

  const fromUrl = (params: ParamMap) => {
    const patch: Record<string, string> = {};
    for (const k of keys) {
      const current = f.controls[k]?.value ?? '';
      const wanted = params.get(k) ?? '';
      // A value the URL may not hold (kept out) stays as typed.
      if (wanted !== current && !(wanted === '' && !keep(k, current))) patch[k] = wanted;
    }
    if (Object.keys(patch).length > 0) form.patchValue(patch);
  };
  fromUrl(route.snapshot.queryParamMap);
  route.queryParamMap.pipe(takeUntilDestroyed(destroyRef)).subscribe(fromUrl);

  form.valueChanges.pipe(debounceTime(300), takeUntilDestroyed(destroyRef)).subscribe(() => {
    const queryParams: Record<string, string | null> = {};
    for (const k of keys) {
      const v = (f.controls[k]?.value ?? '').trim();
      queryParams[k] = v !== '' && keep(k, v) ? v : null;
    }
    const now = route.snapshot.queryParamMap;
    if (keys.every((k) => (now.get(k) ?? null) === queryParams[k])) return;
    void router.navigate([], { relativeTo: route, queryParams, queryParamsHandling: 'merge' });
  });
}
