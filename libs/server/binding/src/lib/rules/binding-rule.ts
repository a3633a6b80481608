import {
  MAX_RULE_ENTRIES,
  RULE_KIND_DEFINITIONS,
  RULE_KINDS,
  ruleEntryCountError,
  type RuleKind,
  type RuleKindTable,
} from '@sentinel/admin-contract';
import { compileRule, parseCidr, prefixOf, type Ip, type IpMatcher } from '@sentinel/net';

// Rule kinds are defined once, in libs/shared/admin-contract/src/lib/rule-kinds.ts.
export { MAX_RULE_ENTRIES, RULE_KINDS, type RuleKind };
export type BindingStatus = 'active' | 'banned';

/** The authoritative state of one binding, as stored and as cached. */
export interface BindingState {
  id: string;
  tokenHash: string;
  tokenMask: string;
  /** A key of the rule-kind table (RULE_KIND_DEFINITIONS; a test may pass an extended table). */
  ruleKind: RuleKind;
  /** Canonical CIDRs (`1.2.3.4/32`, `2001:db8::/64`). Empty for kinds that match any IP (`all`). */
  ruleEntries: readonly string[];
  status: BindingStatus;
  version: number;
}

/** A binding ready for the hot path: the rule parsed once, matched in binary. */
export interface CompiledBinding {
  readonly state: BindingState;
  readonly matcher: IpMatcher;
  /** The kind matches every IP (`matches: 'any'`), decided once here, not per request. */
  readonly anyIp: boolean;
}

/** Compiles a binding's rule. `kinds` is the rule-kind table (tests may extend it). */
export function compileBinding(state: BindingState, kinds: RuleKindTable = RULE_KIND_DEFINITIONS): CompiledBinding {
  const def = kinds[state.ruleKind];
  // A kind this build does not know (a newer instance wrote it): fail closed, match nothing extra.
  return { state, matcher: compileRule(state.ruleEntries), anyIp: def !== undefined && def.matches === 'any' };
}

export type RuleVerdict = 'allow' | 'banned' | 'ip_not_allowed';

export function evaluate(binding: CompiledBinding, ip: Ip): RuleVerdict {
  const s = binding.state;
  if (s.status === 'banned') return 'banned';
  if (binding.anyIp) return 'allow';
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

/**
 * Validates and normalises an admin's rule against its kind's definition (entry count, whether
 * it takes entries at all): `single` = exactly one IP or CIDR, `multiple` = one or more IPs
 * (CIDRs allowed too), `all` = no entries. Returns canonical, de-duplicated CIDRs. `kinds` is
 * the rule-kind table (tests may extend it).
 */
export function normaliseRule(
  kind: string,
  entries: readonly string[],
  kinds: RuleKindTable = RULE_KIND_DEFINITIONS,
): string[] {
  const def = Object.prototype.hasOwnProperty.call(kinds, kind) ? kinds[kind] : undefined;
  if (def === undefined) throw new RuleValidationError(`unknown rule kind "${kind}"`);
  if (def.maxEntries === 0) {
    if (entries.length > 0) throw new RuleValidationError(`rule "${kind}" takes no addresses`);
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
  switch (ruleEntryCountError(def, out.length)) {
    case null:
      return out;
    case 'exactly':
      throw new RuleValidationError(`rule "${kind}" takes exactly ${count(def.maxEntries)}`);
    case 'too_few':
      throw new RuleValidationError(`rule "${kind}" needs at least ${count(def.minEntries)}`);
    default:
      throw new RuleValidationError(`rule "${kind}" takes at most ${count(def.maxEntries)}`);
  }
}

function count(n: number): string {
  return n === 1 ? 'one IP address or CIDR range' : `${n} different IP addresses or CIDR ranges`;
}
