import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Live settings, persisted so that a Redis flush does not lose them. */
@Entity({ name: 'runtime_settings' })
export class RuntimeSettingEntity {
  @PrimaryColumn({ name: 'key', type: 'text', primaryKeyConstraintName: 'pk_runtime_settings' })
  key!: string;

  @Column({ name: 'value', type: 'jsonb' })
  value!: unknown;

  @Column({ name: 'updated_by', type: 'text', nullable: true })
  updatedBy!: string | null;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
