import { AbstractControl, ValidationErrors, ValidatorFn } from '@angular/forms';
import { RULE_KIND_DEFINITIONS, ruleEntryCountError, type RuleKindTable } from '@sentinel/admin-contract';
import { validateRuleEntry } from '@sentinel/net';

/**
 * One rule entry (IP or CIDR), checked as the admin types with the same parser the proxy uses.
 * Errors: `required`, or `ruleEntry: { reason }`. A valid entry that the server will normalise
 * (host bits cleared, IPv4-mapped) is valid; `ruleEntryNotice` tells what it becomes.
 */
export const ruleEntryValidator: ValidatorFn = (control: AbstractControl<string>): ValidationErrors | null => {
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
 * The entry list for a rule kind, from the kind's definition (RULE_KIND_DEFINITIONS, the one
 * the server validates with): a kind that matches any IP ignores its entries; otherwise the
 * count must fit (`required`, `exactly: { count }`, `tooFew: { min }`, `tooMany: { max }`) and
 * entries must not repeat once normalised (`duplicate`). `kinds` is for tests that extend it.
 */
export function ruleEntriesValidator(kind: () => string, kinds: RuleKindTable = RULE_KIND_DEFINITIONS): ValidatorFn {
  return (control: AbstractControl<string[]>): ValidationErrors | null => {
    const def = Object.prototype.hasOwnProperty.call(kinds, kind()) ? kinds[kind()] : undefined;
    if (def === undefined) return { unknownKind: true };
    if (def.matches === 'any') return null;
    const entries = (control.value ?? []).map((e) => e.trim());
    if (entries.length === 0) return { required: true };
    switch (ruleEntryCountError(def, entries.length)) {
      case 'exactly':
        return { exactly: { count: def.maxEntries } };
      case 'too_few':
        return { tooFew: { min: def.minEntries } };
      case 'too_many':
      case 'takes_none':
        return { tooMany: { max: def.maxEntries } };
    }
    const canonical = entries.map((e) => {
      const r = validateRuleEntry(e);
      return r.ok ? r.cidr.display : e;
    });
    return new Set(canonical).size === canonical.length ? null : { duplicate: true };
  };
}
