/**
 * The statements a migration runs to move the rule-kind CHECK constraints to a new kind list
 * (docs/extending.md, "A new rule kind"). The migration passes its SQL spelled out — copy the
 * output of ruleKindCheckSql() / ruleShapeCheckSql() into it — never the live functions: a
 * migration must mean the same thing forever.
 */
export function replaceRuleKindConstraints(kindCheck: string, shapeCheck: string): string[] {
  return [
    ...['token_bindings', 'intercept_logs', 'archived_bindings'].flatMap((table) => [
      `ALTER TABLE ${table} DROP CONSTRAINT IF EXISTS ck_${table}_rule_kind`,
      `ALTER TABLE ${table} ADD CONSTRAINT ck_${table}_rule_kind CHECK (${kindCheck})`,
    ]),
    `ALTER TABLE token_bindings DROP CONSTRAINT IF EXISTS ck_token_bindings_rule_shape`,
    `ALTER TABLE token_bindings ADD CONSTRAINT ck_token_bindings_rule_shape CHECK (${shapeCheck})`,
  ];
}
