export * from './postgres';
export * from './embedded';
export * from './backends';
