/**
 * What other packages (the CLI) use from the console: the user store on the console database,
 * and where the built server lives. Server-only; nothing here connects at import time.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export { openDatabase, type Database } from './server/db/database.ts';
export { createUserStore, type UserStore, type UserInfo } from './server/auth/users.ts';
export { ROLES, type Role } from './server/auth/types.ts';
export { isRole } from './server/auth/roles.ts';
export { MIN_PASSWORD_LENGTH } from './server/auth/passwords.ts';
export { loadWebEnv, webEnvSchema, type WebEnv } from './server/env.ts';

/** The web/ package folder (its build/ holds the adapter-node server after `npm run build -w @fraud/web`). */
export function webPackageDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..');
}
