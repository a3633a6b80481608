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
  /**
   * The entries were learnt from use and may grow up to the cap; false once an admin set the rule
   * or banned the key. Absent in a value cached by an older build: not learning.
   */
  learning?: boolean;
  /** This binding's own cap on learnt addresses; null/absent = the live `bindMaxAddresses`. */
  maxAddresses?: number | null;
  /** First use (epoch ms); null for a pre-bound key not used yet. Starts the learning window. */
  firstUsedMs?: number | null;
}

/** The live settings that decide how far a learning binding may grow. */
export interface LearnPolicy {
  /** bindMaxAddresses: 1 = learn nothing beyond the first use (the original behaviour). */
  readonly bindMaxAddresses: number;
  /** bindLearnWindowSeconds: 0 = no time limit. */
  readonly bindLearnWindowSeconds: number;
}

/** Today's behaviour: a binding holds the address of its first use and learns nothing else. */
export const NO_LEARNING: LearnPolicy = Object.freeze({ bindMaxAddresses: 1, bindLearnWindowSeconds: 0 });

/** A binding ready for the hot path: the rule parsed once, matched in binary. */
export interface CompiledBinding {
  readonly state: BindingState;
  readonly matcher: IpMatcher;
  /** The kind matches every IP (`matches: 'any'`), decided once here, not per request. */
  readonly anyIp: boolean;
  /**
   * How many entries this binding may learn up to; 0 = it does not learn (an admin's rule, a ban,
   * or a cap of 1). Decided once here from the live policy; a policy change empties L1.
   */
  readonly learnCap: number;
  /** Epoch ms after which it learns nothing new (Infinity = no window). */
  readonly learnUntil: number;
}

/**
 * Compiles a binding's rule. `kinds` is the rule-kind table (tests may extend it); `policy` the live
 * learning settings (none by default: the original one-address behaviour).
 */
export function compileBinding(
  state: BindingState,
  kinds: RuleKindTable = RULE_KIND_DEFINITIONS,
  policy: LearnPolicy = NO_LEARNING,
): CompiledBinding {
  const def = kinds[state.ruleKind];
  // A kind this build does not know (a newer instance wrote it): fail closed, match nothing extra.
  const anyIp = def !== undefined && def.matches === 'any';
  const cap = state.maxAddresses ?? policy.bindMaxAddresses;
  const learns = state.learning === true && state.status === 'active' && def !== undefined && !anyIp && cap > 1;
  const windowMs = policy.bindLearnWindowSeconds * 1000;
  const learnUntil =
    !learns || windowMs === 0 || state.firstUsedMs === null || state.firstUsedMs === undefined
      ? Infinity
      : state.firstUsedMs + windowMs;
  return { state, matcher: compileRule(state.ruleEntries), anyIp, learnCap: learns ? cap : 0, learnUntil };
}

/**
 * `learn`: the address is outside a learning binding that may still grow — not a final answer; the
 * decider asks PostgreSQL to learn it (BindingDecider.resolve), which turns it into `allow` or
 * `address_limit`. The other verdicts are final.
 */
export type RuleVerdict = 'allow' | 'banned' | 'ip_not_allowed' | 'address_limit' | 'learn';
/** What a request gets. */
export type FinalVerdict = Exclude<RuleVerdict, 'learn'>;
export type DenialVerdict = Exclude<FinalVerdict, 'allow'>;

export function evaluate(binding: CompiledBinding, ip: Ip): RuleVerdict {
  const s = binding.state;
  if (s.status === 'banned') return 'banned';
  if (binding.anyIp) return 'allow';
  if (binding.matcher.matches(ip)) return 'allow';
  if (binding.learnCap === 0) return 'ip_not_allowed';
  return s.ruleEntries.length < binding.learnCap && Date.now() < binding.learnUntil ? 'learn' : 'address_limit';
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
