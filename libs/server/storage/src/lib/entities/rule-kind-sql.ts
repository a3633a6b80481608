import { RULE_KIND_DEFINITIONS, type RuleKindTable } from '@sentinel/admin-contract';

/**
 * The database CHECK constraints on `rule_kind` and on the shape of `rule_entries`, derived from
 * the one rule-kind definition (libs/shared/admin-contract/src/lib/rule-kinds.ts). Entities use
 * these; a migration never imports them (a migration is frozen: it spells its SQL out, see
 * rule-kind-sql.spec.ts, which fails until a migration brings the schema to the definition).
 * The database checks the lower bound and exact counts; the upper bound of a range is the
 * application's (normaliseRule), as it always was for `multiple`.
 */
export function ruleKindCheckSql(kinds: RuleKindTable = RULE_KIND_DEFINITIONS): string {
  return `rule_kind IN (${Object.keys(kinds)
    .map((k) => `'${k}'`)
    .join(', ')})`;
}

export function ruleShapeCheckSql(kinds: RuleKindTable = RULE_KIND_DEFINITIONS): string {
  const entries = Object.entries(kinds);
  const arms = entries.map(([kind, def], i) => {
    const cond = def.minEntries === def.maxEntries ? `= ${def.minEntries}` : `>= ${def.minEntries}`;
    return i === entries.length - 1
      ? `ELSE cardinality(rule_entries) ${cond} `
      : `WHEN '${kind}' THEN cardinality(rule_entries) ${cond} `;
  });
  return `array_position(rule_entries, NULL) IS NULL AND CASE rule_kind ${arms.join('')}END`;
}
