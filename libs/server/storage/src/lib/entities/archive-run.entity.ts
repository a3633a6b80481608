import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { bigintNumber } from './transformers';

/** One execution of the archive/retention job (run by one instance under an advisory lock). */
@Entity({ name: 'archive_runs' })
@Index('ix_archive_runs_started', { synchronize: false })
export class ArchiveRunEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint', primaryKeyConstraintName: 'pk_archive_runs' })
  id!: string;

  @Column({ name: 'instance_id', type: 'text' })
  instanceId!: string;

  @Column({ name: 'started_at', type: 'timestamptz', default: () => 'now()' })
  startedAt!: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;

  @Column({ name: 'rows_archived', type: 'bigint', default: 0, transformer: bigintNumber })
  rowsArchived!: number;

  @Column({ name: 'logs_deleted', type: 'bigint', default: 0, transformer: bigintNumber })
  logsDeleted!: number;

  @Column({ name: 'error', type: 'text', nullable: true })
  error!: string | null;
}
