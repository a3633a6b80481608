import { RULE_KIND_DEFINITIONS, type BindingSummary } from '@sentinel/admin-contract';

/** "10.0.0.0/8, 192.0.2.1" or the translated "any IP" for a kind that matches any IP (`all`). */
export function ruleText(binding: Pick<BindingSummary, 'ruleKind' | 'ruleEntries'>, anyIp: string): string {
  return RULE_KIND_DEFINITIONS[binding.ruleKind]?.matches === 'any' ? anyIp : binding.ruleEntries.join(', ');
}
