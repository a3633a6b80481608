import { Check, Column, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { bigintNumber } from './transformers';
import { BindingStatus, RuleKind } from './types';
import { ruleKindCheckSql, ruleShapeCheckSql } from './rule-kind-sql';

/**
 * One relay token's IP binding. The schema (constraints, indexes, the version trigger) is defined
 * by the migrations; the decorators here mirror it by name so the schema-drift test can compare.
 *
 * `version` is taken from a global sequence by a trigger on every change that is not
 * bookkeeping (last_ip / last_used_at); see migrations/1795305600000-Initial.ts.
 */
@Entity({ name: 'token_bindings' })
@Unique('uq_token_bindings_token_hash', ['tokenHash'])
@Check('ck_token_bindings_token_hash', `token_hash ~ '^[0-9a-f]{64}$'`)
@Check('ck_token_bindings_rule_kind', ruleKindCheckSql())
@Check('ck_token_bindings_status', `status IN ('active', 'banned')`)
@Check('ck_token_bindings_rule_shape', ruleShapeCheckSql())
@Check('ck_token_bindings_max_addresses', 'max_addresses BETWEEN 1 AND 64')
@Check('ck_token_bindings_label', 'char_length(label) <= 100')
@Check('ck_token_bindings_note', 'char_length(note) <= 1000')
@Index('ix_token_bindings_last_used_key', { synchronize: false })
@Index('ix_token_bindings_created', { synchronize: false })
@Index('ix_token_bindings_intercepts', { synchronize: false })
@Index('ix_token_bindings_status_kind_key', { synchronize: false })
@Index('ix_token_bindings_mask_prefix', { synchronize: false })
@Index('ix_token_bindings_retention', { synchronize: false })
@Index('ix_token_bindings_token_hash_prefix', { synchronize: false })
@Index('ix_token_bindings_label', { synchronize: false })
export class TokenBindingEntity {
  /** bigserial; a string because int8 may exceed 2^53. */
  @PrimaryGeneratedColumn('increment', { type: 'bigint', primaryKeyConstraintName: 'pk_token_bindings' })
  id!: string;

  /** HMAC-SHA256 (hex, lower case) of the normalised key. Never the key itself. */
  @Column({ name: 'token_hash', type: 'text' })
  tokenHash!: string;

  /** Display mask such as `sk-ab12…9xyz`. */
  @Column({ name: 'token_mask', type: 'text' })
  tokenMask!: string;

  @Column({ name: 'rule_kind', type: 'text' })
  ruleKind!: RuleKind;

  /** Canonical networks (`10.0.0.1/32`, `2001:db8:1:2::/64`); empty for `all`. */
  @Column({ name: 'rule_entries', type: 'cidr', array: true, default: () => `'{}'` })
  ruleEntries!: string[];

  @Column({ name: 'status', type: 'text', default: 'active' })
  status!: BindingStatus;

  /** Null for a key an admin bound before its first use, until it is used. */
  @Column({ name: 'first_ip', type: 'inet', nullable: true })
  firstIp!: string | null;

  @Column({ name: 'first_used_at', type: 'timestamptz', nullable: true, default: () => 'now()' })
  firstUsedAt!: Date | null;

  /**
   * The entries were learnt from use and may grow up to the cap (bindMaxAddresses or
   * max_addresses); false once an admin sets the rule or bans the key. See
   * migrations/1795700000000-LearningBindings.ts.
   */
  @Column({ name: 'learning', type: 'boolean', default: false })
  learning!: boolean;

  /** This binding's own cap on learnt addresses (1–64); null = the live setting. */
  @Column({ name: 'max_addresses', type: 'smallint', nullable: true })
  maxAddresses!: number | null;

  @Column({ name: 'last_ip', type: 'inet', nullable: true })
  lastIp!: string | null;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;

  /** At most 1,000 characters. */
  @Column({ name: 'note', type: 'text', nullable: true })
  note!: string | null;

  /** Who the key belongs to (owner, team), at most 100 characters. */
  @Column({ name: 'label', type: 'text', nullable: true })
  label!: string | null;

  /**
   * intercept_logs rows with this token id, kept by triggers on intercept_logs (insert/delete)
   * and set on insert from the rows a re-bound token already has; see
   * migrations/1795500000000-AdminAtScale.ts.
   */
  @Column({ name: 'intercept_count', type: 'bigint', default: 0, transformer: bigintNumber })
  interceptCount!: number;

  @Column({
    name: 'version',
    type: 'bigint',
    default: () => `nextval('token_binding_version_seq')`,
    transformer: bigintNumber,
  })
  version!: number;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
