import { RULE_KIND_DEFINITIONS } from '@sentinel/admin-contract';
// The migration that last set the rule-kind constraints. A migration that adds a kind exports
// its own RULE_KIND_CHECK / RULE_SHAPE_CHECK and this import moves to it (docs/extending.md).
import { RULE_KIND_CHECK, RULE_SHAPE_CHECK } from '../migrations/1795305600000-Initial';
import { replaceRuleKindConstraints } from '../migrations/rule-kind-constraints';
import { ruleKindCheckSql, ruleShapeCheckSql } from './rule-kind-sql';

describe('rule-kind constraints', () => {
  it('the migrated schema enforces exactly the rule kinds the contract defines', () => {
    // Fails when a kind is added to RULE_KIND_DEFINITIONS without a migration that moves the
    // database's CHECK constraints to it (the database would refuse the new kind's rows).
    expect(ruleKindCheckSql(RULE_KIND_DEFINITIONS)).toBe(RULE_KIND_CHECK);
    expect(ruleShapeCheckSql(RULE_KIND_DEFINITIONS)).toBe(RULE_SHAPE_CHECK);
  });

  it('derives the constraints of an extended table', () => {
    const kinds = { ...RULE_KIND_DEFINITIONS, pair: { minEntries: 2, maxEntries: 2, matches: 'listed' } } as const;
    expect(ruleKindCheckSql(kinds)).toBe(`rule_kind IN ('single', 'multiple', 'all', 'pair')`);
    expect(ruleShapeCheckSql(kinds)).toBe(
      `array_position(rule_entries, NULL) IS NULL AND CASE rule_kind WHEN 'single' THEN cardinality(rule_entries) = 1 ` +
        `WHEN 'multiple' THEN cardinality(rule_entries) >= 1 WHEN 'all' THEN cardinality(rule_entries) = 0 ` +
        `ELSE cardinality(rule_entries) = 2 END`,
    );
    const statements = replaceRuleKindConstraints(ruleKindCheckSql(kinds), ruleShapeCheckSql(kinds));
    expect(statements).toHaveLength(8);
    expect(statements).toContain(
      `ALTER TABLE intercept_logs ADD CONSTRAINT ck_intercept_logs_rule_kind CHECK (${ruleKindCheckSql(kinds)})`,
    );
  });
});
