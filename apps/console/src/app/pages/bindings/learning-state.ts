import type { BindingSummary } from '@sentinel/admin-contract';

/**
 * What a binding's address learning looks like to an operator:
 * - `learning`: it learns a new address on use, `count` of `cap` held;
 * - `full`: it would learn but holds its cap (a new address is refused with `address_limit`);
 * - `stopped`: it could hold several addresses but learns nothing more (an admin set its rule or
 *   banned it, or it was pre-bound);
 * - `fixed`: one address, today's behaviour (nothing to show).
 */
export type LearningKind = 'learning' | 'full' | 'stopped' | 'fixed';

export interface LearningState {
  readonly kind: LearningKind;
  readonly count: number;
  /** The binding's own cap, else the live `bindMaxAddresses`; null when neither is known. */
  readonly cap: number | null;
}

export function learningState(
  b: Pick<BindingSummary, 'learning' | 'maxAddresses' | 'ruleEntries'>,
  liveCap: number | null,
): LearningState {
  const cap = b.maxAddresses ?? liveCap;
  const count = b.ruleEntries.length;
  if (b.learning) return { kind: cap !== null && count >= cap ? 'full' : 'learning', count, cap };
  if (b.maxAddresses !== null && b.maxAddresses > 1) return { kind: 'stopped', count, cap };
  if (b.maxAddresses === null && liveCap !== null && liveCap > 1) return { kind: 'stopped', count, cap };
  return { kind: 'fixed', count, cap };
}
