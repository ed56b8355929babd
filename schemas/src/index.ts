export * from './types.ts';
export * from './topics.ts';
export * from './wire.ts';
export { loadAvroSchemas, RECORD_NAMES, type AvroSchemas, type RecordName } from './avro.ts';
export * from './codec.ts';
export * from './registry-client.ts';
export * from './validate.ts';
export { createRegistryServer, type RegistryServer, type RegistryServerOptions } from './registry/server.ts';
export {
  loadRegistryUsers,
  parseRegistryUsers,
  requiredRole,
  type RegistryRole,
  type RegistryUser,
} from './registry/auth.ts';
export { COMPATIBILITY_LEVELS, type CompatibilityLevel } from './registry/compat.ts';
export * from './control.ts';
export * from './paysim.ts';
export * from './rule-set.ts';
