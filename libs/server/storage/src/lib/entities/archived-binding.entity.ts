import { Check, Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { bigintNumber } from './transformers';
import { ArchiveReason, BindingStatus, RuleKind } from './types';
import { ruleKindCheckSql } from './rule-kind-sql';

/** A binding removed from token_bindings (by retention or an unbind), kept as history. */
@Entity({ name: 'archived_bindings' })
@Check('ck_archived_bindings_rule_kind', ruleKindCheckSql())
@Check('ck_archived_bindings_status', `status IN ('active', 'banned')`)
@Check('ck_archived_bindings_archive_reason', `archive_reason IN ('retention', 'unbind')`)
@Index('ix_archived_bindings_archived', { synchronize: false })
@Index('ix_archived_bindings_token_archived', { synchronize: false })
@Index('ix_archived_bindings_mask_prefix', { synchronize: false })
export class ArchivedBindingEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint', primaryKeyConstraintName: 'pk_archived_bindings' })
  id!: string;

  /** token_bindings.id of the removed row. */
  @Column({ name: 'binding_id', type: 'bigint' })
  bindingId!: string;

  @Column({ name: 'token_hash', type: 'text' })
  tokenHash!: string;

  @Column({ name: 'token_mask', type: 'text' })
  tokenMask!: string;

  @Column({ name: 'rule_kind', type: 'text' })
  ruleKind!: RuleKind;

  @Column({ name: 'rule_entries', type: 'cidr', array: true, default: () => `'{}'` })
  ruleEntries!: string[];

  @Column({ name: 'status', type: 'text' })
  status!: BindingStatus;

  @Column({ name: 'first_ip', type: 'inet', nullable: true })
  firstIp!: string | null;

  @Column({ name: 'first_used_at', type: 'timestamptz', nullable: true })
  firstUsedAt!: Date | null;

  @Column({ name: 'last_ip', type: 'inet', nullable: true })
  lastIp!: string | null;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;

  @Column({ name: 'note', type: 'text', nullable: true })
  note!: string | null;

  @Column({ name: 'version', type: 'bigint', transformer: bigintNumber })
  version!: number;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'archived_at', type: 'timestamptz', default: () => 'now()' })
  archivedAt!: Date;

  @Column({ name: 'archive_reason', type: 'text' })
  archiveReason!: ArchiveReason;
}
