export * from './postgres';
export * from './embedded';
