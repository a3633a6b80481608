import { AdminAuditEntity } from './admin-audit.entity';
import { AlertDeliveryEntity } from './alert-delivery.entity';
import { ArchiveRunEntity } from './archive-run.entity';
import { ArchivedBindingEntity } from './archived-binding.entity';
import { InterceptLogEntity } from './intercept-log.entity';
import { RuntimeSettingEntity } from './runtime-setting.entity';
import { TokenBindingEntity } from './token-binding.entity';

export * from './admin-audit.entity';
export * from './alert-delivery.entity';
export * from './archive-run.entity';
export * from './archived-binding.entity';
export * from './intercept-log.entity';
export * from './runtime-setting.entity';
export * from './token-binding.entity';
export * from './rule-kind-sql';
export * from './transformers';
export * from './types';

/** Every entity of the Sentinel schema. */
export const STORAGE_ENTITIES = [
  TokenBindingEntity,
  InterceptLogEntity,
  ArchivedBindingEntity,
  AdminAuditEntity,
  RuntimeSettingEntity,
  ArchiveRunEntity,
  AlertDeliveryEntity,
];
