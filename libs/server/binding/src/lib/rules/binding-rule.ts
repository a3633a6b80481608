import { compileRule, parseCidr, prefixOf, type Ip, type IpMatcher } from '@sentinel/net';

export type RuleKind = 'single' | 'multiple' | 'all';
export type BindingStatus = 'active' | 'banned';

export const RULE_KINDS: readonly RuleKind[] = ['single', 'multiple', 'all'];

/** The authoritative state of one binding, as stored and as cached. */
export interface BindingState {
  id: string;
  tokenHash: string;
  tokenMask: string;
  ruleKind: RuleKind;
  /** Canonical CIDRs (`1.2.3.4/32`, `2001:db8::/64`). Empty for `all`. */
  ruleEntries: readonly string[];
  status: BindingStatus;
  version: number;
}

/** A binding ready for the hot path: the rule parsed once, matched in binary. */
export interface CompiledBinding {
  readonly state: BindingState;
  readonly matcher: IpMatcher;
}

export function compileBinding(state: BindingState): CompiledBinding {
  return { state, matcher: compileRule(state.ruleEntries) };
}

export type RuleVerdict = 'allow' | 'banned' | 'ip_not_allowed';

export function evaluate(binding: CompiledBinding, ip: Ip): RuleVerdict {
  const s = binding.state;
  if (s.status === 'banned') return 'banned';
  if (s.ruleKind === 'all') return 'allow';
  return binding.matcher.matches(ip) ? 'allow' : 'ip_not_allowed';
}

/** The rule a first use creates: the client's address with the configured prefix. */
export function firstUseEntry(ip: Ip, ipv4Prefix: number, ipv6Prefix: number): string {
  return prefixOf(ip, ip.family === 4 ? ipv4Prefix : ipv6Prefix).canonical;
}

export class RuleValidationError extends Error {
  constructor(
    message: string,
    readonly entry?: string,
  ) {
    super(message);
    this.name = 'RuleValidationError';
  }
}

export const MAX_RULE_ENTRIES = 256;

/**
 * Validates and normalises an admin's rule: `single` = exactly one IP or CIDR, `multiple` = one
 * or more IPs (CIDRs allowed too), `all` = no entries. Returns canonical, de-duplicated CIDRs.
 */
export function normaliseRule(kind: RuleKind, entries: readonly string[]): string[] {
  if (kind === 'all') {
    if (entries.length > 0) throw new RuleValidationError('rule "all" takes no addresses');
    return [];
  }
  if (entries.length === 0) throw new RuleValidationError(`rule "${kind}" needs at least one address`);
  if (entries.length > MAX_RULE_ENTRIES) {
    throw new RuleValidationError(`at most ${MAX_RULE_ENTRIES} addresses per rule`);
  }
  const out: string[] = [];
  for (const raw of entries) {
    const cidr = parseCidr(raw.trim());
    if (!cidr) throw new RuleValidationError(`"${raw}" is not a valid IP address or CIDR range`, raw);
    if (!out.includes(cidr.canonical)) out.push(cidr.canonical);
  }
  if (kind === 'single' && out.length !== 1) {
    throw new RuleValidationError('rule "single" takes exactly one IP address or CIDR range');
  }
  return out;
}
