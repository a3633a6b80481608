import type { BindingSummary } from '@sentinel/admin-contract';

/** "10.0.0.0/8, 192.0.2.1" or the translated "any IP" for `all`. */
export function ruleText(
  binding: Pick<BindingSummary, 'ruleKind' | 'ruleEntries'>,
  anyIp: string,
): string {
  return binding.ruleKind === 'all' ? anyIp : binding.ruleEntries.join(', ');
}
