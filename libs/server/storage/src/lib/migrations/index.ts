import { Initial1795305600000 } from './1795305600000-Initial';

/** Every migration, oldest first. Add new ones at the end. */
export const STORAGE_MIGRATIONS = [Initial1795305600000];
