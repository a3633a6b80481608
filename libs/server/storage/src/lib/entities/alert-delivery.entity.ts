import { Check, Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { AlertDeliveryStatus } from './types';

/** One alert webhook delivery and its retry state. */
@Entity({ name: 'alert_deliveries' })
@Check('ck_alert_deliveries_status', `status IN ('pending', 'sent', 'failed')`)
@Index('ix_alert_deliveries_created', { synchronize: false })
@Index('ix_alert_deliveries_pending', { synchronize: false })
export class AlertDeliveryEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint', primaryKeyConstraintName: 'pk_alert_deliveries' })
  id!: string;

  @Column({ name: 'token_hash', type: 'text' })
  tokenHash!: string;

  @Column({ name: 'token_mask', type: 'text' })
  tokenMask!: string;

  @Column({ name: 'status', type: 'text', default: 'pending' })
  status!: AlertDeliveryStatus;

  @Column({ name: 'attempts', type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'payload', type: 'jsonb' })
  payload!: unknown;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
