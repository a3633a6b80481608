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

/** A learnt entry is stored as a one-address range (`192.0.2.7/32`, `2001:db8::1/128`): the address. */
export function hostAddress(entry: string): string {
  const [ip, bits] = entry.split('/');
  return bits === (ip.includes(':') ? '128' : '32') ? ip : entry;
}

/** A binding's rule entries as addresses, in their order, the first use's marked. */
export function learntAddresses(
  b: Pick<BindingSummary, 'ruleEntries' | 'firstIp'>,
): { readonly ip: string; readonly first: boolean }[] {
  const first = b.firstIp === null ? null : hostAddress(b.firstIp);
  return b.ruleEntries.map((entry) => {
    const ip = hostAddress(entry);
    return { ip, first: ip === first };
  });
}
