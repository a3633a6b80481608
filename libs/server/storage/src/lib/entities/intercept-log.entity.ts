import { Check, Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { BindingStatus, RuleKind } from './types';
import { ruleKindCheckSql } from './rule-kind-sql';

/**
 * A denied request. Written in batches off the hot path; `path`, `user_agent` and `request_id`
 * must be cut to INTERCEPT_LOG_LIMITS by the writer (truncateText).
 */
@Entity({ name: 'intercept_logs' })
@Check('ck_intercept_logs_rule_kind', ruleKindCheckSql())
@Check('ck_intercept_logs_binding_status', `binding_status IN ('active', 'banned')`)
@Index('ix_intercept_logs_created', { synchronize: false })
@Index('ix_intercept_logs_token_created', { synchronize: false })
@Index('ix_intercept_logs_ip_created', { synchronize: false })
@Index('ix_intercept_logs_reason_created', { synchronize: false })
@Index('ix_intercept_logs_mask_prefix', { synchronize: false })
@Index('ix_intercept_logs_token_prefix', { synchronize: false })
/** One row per refused request: the batched writer retries, and the retry must not duplicate. */
@Index('ux_intercept_logs_request_id', { synchronize: false })
export class InterceptLogEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint', primaryKeyConstraintName: 'pk_intercept_logs' })
  id!: string;

  @Column({ name: 'token_hash', type: 'text' })
  tokenHash!: string;

  @Column({ name: 'token_mask', type: 'text' })
  tokenMask!: string;

  @Column({ name: 'client_ip', type: 'inet' })
  clientIp!: string;

  /** The rule at the moment of the intercept. */
  @Column({ name: 'rule_kind', type: 'text' })
  ruleKind!: RuleKind;

  @Column({ name: 'rule_entries', type: 'cidr', array: true, default: () => `'{}'` })
  ruleEntries!: string[];

  @Column({ name: 'binding_status', type: 'text' })
  bindingStatus!: BindingStatus;

  /** e.g. `ip_not_allowed`, `banned`. */
  @Column({ name: 'reason', type: 'text' })
  reason!: string;

  @Column({ name: 'method', type: 'text' })
  method!: string;

  @Column({ name: 'path', type: 'text' })
  path!: string;

  @Column({ name: 'user_agent', type: 'text', nullable: true })
  userAgent!: string | null;

  @Column({ name: 'request_id', type: 'text', nullable: true })
  requestId!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
