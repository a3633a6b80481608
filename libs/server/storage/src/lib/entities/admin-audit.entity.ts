import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Who changed what in the admin API. `before`/`after` never hold secrets or raw keys. */
@Entity({ name: 'admin_audit' })
@Index('ix_admin_audit_created', { synchronize: false })
@Index('ix_admin_audit_target', { synchronize: false })
@Index('ix_admin_audit_actor', { synchronize: false })
export class AdminAuditEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint', primaryKeyConstraintName: 'pk_admin_audit' })
  id!: string;

  @Column({ name: 'actor', type: 'text' })
  actor!: string;

  /** e.g. `binding.update`, `binding.ban`, `settings.update`. */
  @Column({ name: 'action', type: 'text' })
  action!: string;

  @Column({ name: 'target_type', type: 'text' })
  targetType!: string;

  @Column({ name: 'target_id', type: 'text', nullable: true })
  targetId!: string | null;

  @Column({ name: 'before', type: 'jsonb', nullable: true })
  before!: unknown;

  @Column({ name: 'after', type: 'jsonb', nullable: true })
  after!: unknown;

  @Column({ name: 'ip', type: 'inet', nullable: true })
  ip!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
