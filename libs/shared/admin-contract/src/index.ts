export * from './lib/accounts';
export * from './lib/api';
export * from './lib/enums';
export * from './lib/errors';
export * from './lib/operations';
export * from './lib/paths';
export * from './lib/settings';
export * from './lib/rule-kinds';
