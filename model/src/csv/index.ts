export * from './paysim.ts';
export * from './mapping.ts';
export * from './builtin-mappings.ts';
export * from './mapped-row.ts';
export * from './mapped-file.ts';
export { RowError } from './fields.ts';
export * from './samples.ts';
