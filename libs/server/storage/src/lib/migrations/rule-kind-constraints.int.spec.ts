import { RULE_KIND_DEFINITIONS } from '@sentinel/admin-contract';
import { createEmbeddedTestDataSource, type EmbeddedTestDataSource } from '../../testing';
import { ruleKindCheckSql, ruleShapeCheckSql } from '../entities/rule-kind-sql';
import { RULE_KIND_CHECK, RULE_SHAPE_CHECK } from './1795305600000-Initial';
import { replaceRuleKindConstraints } from './rule-kind-constraints';

/**
 * The migration recipe of docs/extending.md ("A new rule kind"), run on a migrated schema
 * (embedded PGlite): the database refuses a kind it does not know, accepts it once the
 * constraints are replaced with the extended table's SQL, enforces the kind's entry count, and
 * goes back when no row of the kind is left.
 */
describe('replaceRuleKindConstraints on a migrated schema', () => {
  let db: EmbeddedTestDataSource;
  beforeAll(async () => {
    db = await createEmbeddedTestDataSource();
  }, 120_000);
  afterAll(() => db?.close());

  const KINDS = { ...RULE_KIND_DEFINITIONS, pair: { minEntries: 2, maxEntries: 2, matches: 'listed' } } as const;
  let n = 0;
  const insert = (kind: string, entries: string[]) =>
    db.dataSource.query(
      `INSERT INTO token_bindings (token_hash, token_mask, rule_kind, rule_entries, status, first_ip, first_used_at, last_ip, last_used_at, version)
       VALUES ($1, 'sk-ab…yz', $2, $3::text[]::cidr[], 'active', '192.0.2.1', now(), '192.0.2.1', now(), 1)`,
      [String(++n).padStart(64, '0'), kind, entries],
    );
  const run = async (statements: string[]) => {
    for (const s of statements) await db.dataSource.query(s);
  };

  it('refuses an unknown kind, accepts it after the migration, enforces its shape, and reverts', async () => {
    await expect(insert('pair', ['10.0.0.1/32', '10.0.0.2/32'])).rejects.toThrow(/ck_token_bindings_rule_kind/);

    await run(replaceRuleKindConstraints(ruleKindCheckSql(KINDS), ruleShapeCheckSql(KINDS)));
    await insert('pair', ['10.0.0.1/32', '10.0.0.2/32']);
    await expect(insert('pair', ['10.0.0.1/32'])).rejects.toThrow(/ck_token_bindings_rule_shape/);
    await insert('single', ['10.0.0.3/32']); // the existing kinds keep their shapes
    await expect(insert('all', ['10.0.0.3/32'])).rejects.toThrow(/ck_token_bindings_rule_shape/);

    // Down: refused while a row of the kind exists, fine once it is gone.
    await expect(run(replaceRuleKindConstraints(RULE_KIND_CHECK, RULE_SHAPE_CHECK))).rejects.toThrow();
    await db.dataSource.query(`DELETE FROM token_bindings WHERE rule_kind = 'pair'`);
    await run(replaceRuleKindConstraints(RULE_KIND_CHECK, RULE_SHAPE_CHECK));
    await expect(insert('pair', ['10.0.0.1/32', '10.0.0.2/32'])).rejects.toThrow(/ck_token_bindings_rule_kind/);
  }, 120_000);
});
