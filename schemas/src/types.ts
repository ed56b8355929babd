/**
 * TypeScript shapes of the Avro records in ../avro, generated from the .avsc files (the one
 * source of truth; schemas/test/types.test.ts fails when the generated file is stale). Avro longs
 * are JS numbers (safe to 2^53: minor units and epoch millis fit); timestamp-millis values are
 * epoch milliseconds. Each enum comes with the const list of its symbols (TRANSACTION_TYPES, ...).
 */
export * from './generated/avro-types.ts';
