import { FraudError } from '@fraud/common';
import { str, type Database } from '../db/database.ts';
import { DEFAULT_SCRYPT, dummyPasswordHash, hashPassword, verifyPassword, type ScryptParams } from './passwords.ts';
import { isRole } from './roles.ts';
import type { Role, SessionUser } from './types.ts';

const NAME_RE = /^[a-z0-9][a-z0-9._-]{1,63}$/;

export interface UserInfo {
  name: string;
  role: Role;
  createdAt: number;
  disabled: boolean;
}

/** `scrypt` sets the cost of new hashes (existing hashes carry their own parameters). */
export function createUserStore(db: Database, opts: { scrypt?: ScryptParams } = {}) {
  const params = opts.scrypt ?? DEFAULT_SCRYPT;
  return {
    async add(name: string, role: Role, password: string, opts: { replace?: boolean } = {}): Promise<UserInfo> {
      if (!NAME_RE.test(name))
        throw new FraudError(
          'BAD_REQUEST',
          `invalid user name ${JSON.stringify(name)}: 2-64 of a-z 0-9 . _ -, starting with a letter or digit`,
        );
      const hash = await hashPassword(password, params);
      const existing = await db.one('SELECT name FROM users WHERE name = $name', { name });
      if (existing && !opts.replace)
        throw new FraudError(
          'BAD_REQUEST',
          `user ${name} already exists (use --replace to reset the password and role)`,
        );
      const createdAt = Date.now();
      await db.transaction(async (tx) => {
        await tx.run('DELETE FROM users WHERE name = $name', { name });
        await tx.run('INSERT INTO users VALUES ($name, $role, $hash, $createdAt, false)', {
          name,
          role,
          hash,
          createdAt,
        });
        // Resetting a user signs them out everywhere.
        await tx.run('DELETE FROM sessions WHERE user_name = $name', { name });
      });
      return { name, role, createdAt, disabled: false };
    },

    async list(): Promise<UserInfo[]> {
      const rows = await db.all('SELECT name, role, created_at, disabled FROM users ORDER BY name');
      return rows.map((r) => ({
        name: str(r, 'name'),
        role: toRole(r.role),
        createdAt: Number(r.created_at),
        disabled: r.disabled === true,
      }));
    },

    /** The user for a correct password, else null. Same work whether or not the name exists. */
    async authenticate(name: string, password: string): Promise<SessionUser | null> {
      const row = await db.one('SELECT name, role, password_hash, disabled FROM users WHERE name = $name', { name });
      if (!row) {
        await verifyPassword(password, await dummyPasswordHash(params));
        return null;
      }
      const ok = await verifyPassword(password, str(row, 'password_hash'));
      if (!ok || row.disabled === true) return null;
      return { name: str(row, 'name'), role: toRole(row.role), anonymous: false };
    },
  };
}
export type UserStore = ReturnType<typeof createUserStore>;

function toRole(v: unknown): Role {
  if (!isRole(v)) throw new FraudError('INTERNAL', `stored role ${String(v)} is not a role`);
  return v;
}
