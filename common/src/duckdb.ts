import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { errorMessage, FraudError } from './errors.ts';

/** What to tell the operator when a DuckDB file cannot be opened. */
export interface DuckDbOpenMessages {
  /** The file is locked: DuckDB lets one process open a file read-write; say who likely holds it. */
  locked: string;
  /** Any other failure (the cause's message is appended). */
  failed: string;
  /** A lock goes away when its holder stops: true lets a caller retry. */
  retriableWhenLocked?: boolean;
}

/**
 * Opens (creating its folder) a DuckDB file, or `:memory:`. Every DuckDB user in the system opens
 * its file here, so a locked file always fails the same way: WAREHOUSE_FAILED with the message.
 */
export async function openDuckDbFile(path: string, messages: DuckDbOpenMessages): Promise<DuckDBInstance> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  try {
    return await DuckDBInstance.create(path);
  } catch (err: unknown) {
    const locked = /lock/i.test(errorMessage(err));
    throw new FraudError('WAREHOUSE_FAILED', locked ? messages.locked : `${messages.failed}: ${errorMessage(err)}`, {
      cause: err,
      retriable: locked && messages.retriableWhenLocked === true,
    });
  }
}

/**
 * A queue for one connection shared by many callers: each call starts when the previous one has
 * settled, so a transaction is never interleaved with another caller's statements. A failed call
 * does not stop the ones after it.
 */
export function createSerialQueue(): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const next = tail.then(fn, fn);
    tail = next.catch(() => undefined);
    return next;
  };
}

/** fn between BEGIN TRANSACTION and COMMIT on conn; ROLLBACK and rethrow when fn fails. */
export async function inTransaction<T>(conn: DuckDBConnection, fn: () => Promise<T>): Promise<T> {
  await conn.run('BEGIN TRANSACTION');
  try {
    const out = await fn();
    await conn.run('COMMIT');
    return out;
  } catch (err: unknown) {
    await conn.run('ROLLBACK');
    throw err;
  }
}
