export * from './lib/archive.module';
export * from './lib/archive.options';
export * from './lib/archive.repository';
export * from './lib/archive.service';
export * from './lib/archive.types';
