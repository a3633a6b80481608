import {
  RULE_KIND_DEFINITIONS,
  RULE_KINDS,
  ruleEntryCountError,
  type RuleKind,
  type RuleKindDefinition,
} from '@sentinel/admin-contract';
import { parseIp } from '@sentinel/net';
import { compileBinding, evaluate, normaliseRule, RuleValidationError, type BindingState } from './binding-rule';

/**
 * Worked example for docs/extending.md, "A new rule kind".
 *
 * A kind `pair` — a primary and a standby address, exactly two — is ONE entry in
 * RULE_KIND_DEFINITIONS (libs/shared/admin-contract/src/lib/rule-kinds.ts):
 *
 *     pair: { minEntries: 2, maxEntries: 2, matches: 'listed' },
 *
 * The type RuleKind, RULE_KINDS (API validation, console selects), the server's validation and
 * evaluation below, the console's entry-list validator and the database constraints' SQL all
 * derive from that table. What the compiler and tests then ask for, and nothing else: the kind's
 * labels in the console's two message files, and a migration moving the database's CHECK
 * constraints (rule-kind-sql.spec.ts fails until it exists). This test passes the extended
 * table explicitly — the same parameter the real table is the default of.
 */

const PAIR: RuleKindDefinition = { minEntries: 2, maxEntries: 2, matches: 'listed' };
const KINDS = { ...RULE_KIND_DEFINITIONS, pair: PAIR };
// In a real addition `pair` is part of RuleKind; here only the extended table knows it.
const pair = 'pair' as RuleKind;

const ip = (s: string) => {
  const parsed = parseIp(s);
  if (!parsed) throw new Error(`bad test ip ${s}`);
  return parsed;
};

const state = (entries: readonly string[]): BindingState => ({
  id: '1',
  tokenHash: 'h',
  tokenMask: 'm',
  ruleKind: pair,
  ruleEntries: entries,
  status: 'active',
  version: 1,
});

describe('extension example: a new rule kind (pair)', () => {
  it('is not a kind today', () => {
    expect(RULE_KINDS).not.toContain('pair');
    expect(() => normaliseRule('pair', ['10.0.0.1', '10.0.0.2'])).toThrow(/unknown rule kind "pair"/);
  });

  it('validates and normalises entries from the definition alone', () => {
    expect(normaliseRule('pair', ['10.0.0.1', ' 2001:DB8::/64 '], KINDS)).toEqual(['10.0.0.1/32', '2001:db8::/64']);
    expect(() => normaliseRule('pair', ['10.0.0.1'], KINDS)).toThrow(RuleValidationError);
    expect(() => normaliseRule('pair', ['10.0.0.1', '10.0.0.1/32'], KINDS)).toThrow(
      'rule "pair" takes exactly 2 different IP addresses or CIDR ranges',
    );
    expect(() => normaliseRule('pair', ['10.0.0.1', '10.0.0.2', '10.0.0.3'], KINDS)).toThrow(RuleValidationError);
    expect(() => normaliseRule('pair', [], KINDS)).toThrow('rule "pair" needs at least one address');
  });

  it('is evaluated on the hot path by the same compiled matcher as the built-in kinds', () => {
    const b = compileBinding(state(normaliseRule('pair', ['203.0.113.7', '198.51.100.0/24'], KINDS)), KINDS);
    expect(evaluate(b, ip('203.0.113.7'))).toBe('allow');
    expect(evaluate(b, ip('198.51.100.200'))).toBe('allow');
    expect(evaluate(b, ip('203.0.113.8'))).toBe('ip_not_allowed');
    expect(
      evaluate(
        compileBinding({ ...state(['203.0.113.7/32', '198.51.100.0/24']), status: 'banned' }, KINDS),
        ip('203.0.113.7'),
      ),
    ).toBe('banned');
  });

  it('an `any` kind needs no code either: matches decides, not the kind name', () => {
    const KINDS_ANY = { ...RULE_KIND_DEFINITIONS, open: { minEntries: 0, maxEntries: 0, matches: 'any' } } as const;
    expect(normaliseRule('open', [], KINDS_ANY)).toEqual([]);
    expect(() => normaliseRule('open', ['10.0.0.1'], KINDS_ANY)).toThrow('rule "open" takes no addresses');
    const b = compileBinding({ ...state([]), ruleKind: 'open' as RuleKind }, KINDS_ANY);
    expect(evaluate(b, ip('192.0.2.1'))).toBe('allow');
  });

  it('gives the console the same verdict on the entry count (ruleEntryCountError, shared)', () => {
    expect(ruleEntryCountError(PAIR, 2)).toBeNull();
    expect(ruleEntryCountError(PAIR, 1)).toBe('exactly');
    expect(ruleEntryCountError(PAIR, 3)).toBe('exactly');
  });

  it('a kind unknown to this build (written by a newer instance) fails closed', () => {
    // An older instance reading a `pair` row compiles it without the table entry: it matches
    // only the listed entries, never "any IP".
    const b = compileBinding(state(['203.0.113.7/32', '198.51.100.0/24']));
    expect(b.anyIp).toBe(false);
    expect(evaluate(b, ip('192.0.2.1'))).toBe('ip_not_allowed');
  });
});
