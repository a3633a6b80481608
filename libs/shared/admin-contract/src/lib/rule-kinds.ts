/**
 * THE definition of binding rule kinds. Everything else derives from this table: the
 * `RuleKind` type and `RULE_KINDS` list (API validation, console selects), the server's rule
 * validation and evaluation (libs/server/binding/src/lib/rules/binding-rule.ts), the database
 * CHECK constraints (libs/server/storage/src/lib/entities/rule-kind-sql.ts), and the console's
 * rule dialog. Adding a kind: docs/extending.md, "A new rule kind".
 */
export interface RuleKindDefinition {
  /** Fewest entries (IPs or CIDRs) the rule takes. */
  readonly minEntries: number;
  /** Most entries the rule takes (at most MAX_RULE_ENTRIES). `minEntries === maxEntries === 0` for `any`. */
  readonly maxEntries: number;
  /** `listed`: the client IP must lie inside one of the entries. `any`: every IP passes (no entries). */
  readonly matches: 'listed' | 'any';
}

/** Longest rule an admin may set. */
export const MAX_RULE_ENTRIES = 256;

/** Rule kinds of a binding, in the order the console shows them. */
export const RULE_KIND_DEFINITIONS = {
  /** One IP or one CIDR. What a first use creates. */
  single: { minEntries: 1, maxEntries: 1, matches: 'listed' },
  /** A list of IPs or CIDRs. */
  multiple: { minEntries: 1, maxEntries: MAX_RULE_ENTRIES, matches: 'listed' },
  /** Any IP. */
  all: { minEntries: 0, maxEntries: 0, matches: 'any' },
} as const satisfies Readonly<Record<string, RuleKindDefinition>>;

export type RuleKind = keyof typeof RULE_KIND_DEFINITIONS;
/** A table of rule kinds: the real one, or an extended one in a test. */
export type RuleKindTable<K extends string = string> = Readonly<Record<K, RuleKindDefinition>>;

export const RULE_KINDS: readonly RuleKind[] = Object.freeze(Object.keys(RULE_KIND_DEFINITIONS) as RuleKind[]);

/** What is wrong with the number of entries for a kind, or null. */
export type RuleEntryCountError = 'takes_none' | 'exactly' | 'too_few' | 'too_many';

export function ruleEntryCountError(def: RuleKindDefinition, count: number): RuleEntryCountError | null {
  if (count >= def.minEntries && count <= def.maxEntries) return null;
  if (def.maxEntries === 0) return 'takes_none';
  if (def.minEntries === def.maxEntries) return 'exactly';
  return count < def.minEntries ? 'too_few' : 'too_many';
}
