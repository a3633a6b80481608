import { ValueTransformer } from 'typeorm';

/**
 * `bigint` columns that are counters or versions: node-postgres returns int8 as a string (it may
 * exceed 2^53); these values never do, so they are numbers in TypeScript. Ids stay strings.
 */
export const bigintNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};
