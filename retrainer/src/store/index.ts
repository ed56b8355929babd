import { openDb, type Db } from './db.ts';
import { SCHEMA_SQL } from './schema.ts';
import { createTrainingStore, type TrainingStore } from './training-store.ts';
import { createRegistryStore, type RegistryStore } from './registry-store.ts';

export * from './db.ts';
export * from './training-store.ts';
export * from './registry-store.ts';

export interface Store {
  db: Db;
  training: TrainingStore;
  registry: RegistryStore;
}

/** Creates the tables if needed and returns the two views of the store. */
export async function openStore(dbOrPath: Db | string): Promise<Store> {
  const db = typeof dbOrPath === 'string' ? await openDb(dbOrPath) : dbOrPath;
  for (const stmt of SCHEMA_SQL.split(';')
    .map((s) => s.trim())
    .filter(Boolean))
    await db.run(stmt);
  return { db, training: createTrainingStore(db), registry: createRegistryStore(db) };
}
