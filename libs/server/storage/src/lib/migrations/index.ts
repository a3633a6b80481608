import { Initial1795305600000 } from './1795305600000-Initial';
import { TokenIdPrefixIndex1795400000000 } from './1795400000000-TokenIdPrefixIndex';
import { AdminAtScale1795500000000 } from './1795500000000-AdminAtScale';
import { InterceptRequestIdUnique1795600000000 } from './1795600000000-InterceptRequestIdUnique';
import { LearningBindings1795700000000 } from './1795700000000-LearningBindings';
import { BindingLabels1795800000000 } from './1795800000000-BindingLabels';
import { AdminAccounts1795900000000 } from './1795900000000-AdminAccounts';

/** Every migration, oldest first. Add new ones at the end. */
export const STORAGE_MIGRATIONS = [
  Initial1795305600000,
  TokenIdPrefixIndex1795400000000,
  AdminAtScale1795500000000,
  InterceptRequestIdUnique1795600000000,
  LearningBindings1795700000000,
  BindingLabels1795800000000,
  AdminAccounts1795900000000,
];
