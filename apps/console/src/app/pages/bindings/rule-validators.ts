import { AbstractControl, ValidationErrors, ValidatorFn } from '@angular/forms';
import { MAX_RULE_ENTRIES, type RuleKind } from '@sentinel/admin-contract';
import { validateRuleEntry } from '@sentinel/net';

/**
 * One rule entry (IP or CIDR), checked as the admin types with the same parser the proxy uses.
 * Errors: `required`, or `ruleEntry: { reason }`. A valid entry that the server will normalise
 * (host bits cleared, IPv4-mapped) is valid; `ruleEntryNotice` tells what it becomes.
 */
export const ruleEntryValidator: ValidatorFn = (
  control: AbstractControl<string>,
): ValidationErrors | null => {
  const value = (control.value ?? '').trim();
  if (value === '') return { required: true };
  const result = validateRuleEntry(value);
  return result.ok ? null : { ruleEntry: { reason: result.error } };
};

/** The normalisation notice of a valid entry, e.g. `normalised 10.0.0.5/8 → 10.0.0.0/8 (…)`. */
export function ruleEntryNotice(value: string): string | null {
  const trimmed = value.trim();
  if (trimmed === '') return null;
  const result = validateRuleEntry(trimmed);
  return result.ok ? (result.notice ?? null) : null;
}

/**
 * The entry list for a rule kind: `single` takes exactly one, `multiple` one to MAX_RULE_ENTRIES
 * without duplicates, `all` none (its entries are ignored).
 */
export function ruleEntriesValidator(kind: () => RuleKind): ValidatorFn {
  return (control: AbstractControl<string[]>): ValidationErrors | null => {
    const entries = (control.value ?? []).map((e) => e.trim());
    switch (kind()) {
      case 'all':
        return null;
      case 'single':
        return entries.length === 1 ? null : { singleOnlyOne: true };
      case 'multiple': {
        if (entries.length === 0) return { required: true };
        if (entries.length > MAX_RULE_ENTRIES) {
          return { tooMany: { max: MAX_RULE_ENTRIES } };
        }
        const canonical = entries.map((e) => {
          const r = validateRuleEntry(e);
          return r.ok ? r.cidr.display : e;
        });
        return new Set(canonical).size === canonical.length
          ? null
          : { duplicate: true };
      }
    }
  };
}
