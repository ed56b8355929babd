import { afterEach, describe, expect, it } from 'vitest';
import { isFraudError } from '@fraud/common';
import { openDatabase, type Database } from '../db/database.ts';
import { hashPassword, verifyPassword, DEFAULT_SCRYPT } from './passwords.ts';
import { hasRole, requireRole } from './roles.ts';
import { createSessionStore } from './sessions.ts';
import { createUserStore } from './users.ts';
import type { SessionUser } from './types.ts';

describe('passwords', () => {
  it('hashes with scrypt and the parameters in the hash, verifies only the right password', async () => {
    const hash = await hashPassword('correct horse battery');
    expect(hash).toMatch(new RegExp(`^scrypt\\$${DEFAULT_SCRYPT.N}\\$${DEFAULT_SCRYPT.r}\\$${DEFAULT_SCRYPT.p}\\$`));
    expect(await verifyPassword('correct horse battery', hash)).toBe(true);
    expect(await verifyPassword('correct horse batterz', hash)).toBe(false);
    // Same password, fresh salt: different hash.
    expect(await hashPassword('correct horse battery')).not.toBe(hash);
  });

  it('refuses short passwords and treats malformed hashes as a mismatch', async () => {
    await expect(hashPassword('short')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(await verifyPassword('anything-long-enough', 'bcrypt$whatever')).toBe(false);
    expect(await verifyPassword('anything-long-enough', 'scrypt$x$8$1$AAAA$BBBB')).toBe(false);
  });
});

describe('roles', () => {
  const viewer: SessionUser = { name: 'v', role: 'viewer', anonymous: false };
  const analyst: SessionUser = { name: 'a', role: 'analyst', anonymous: false };
  const admin: SessionUser = { name: 'root', role: 'admin', anonymous: false };
  const anon: SessionUser = { name: 'anonymous', role: 'admin', anonymous: true };

  it('orders viewer < analyst < admin', () => {
    expect(hasRole(viewer, 'viewer')).toBe(true);
    expect(hasRole(viewer, 'analyst')).toBe(false);
    expect(hasRole(analyst, 'analyst')).toBe(true);
    expect(hasRole(analyst, 'admin')).toBe(false);
    expect(hasRole(admin, 'analyst')).toBe(true);
    expect(hasRole(null, 'viewer')).toBe(false);
  });

  it('never lets the anonymous visitor act, whatever role it carries', () => {
    expect(hasRole(anon, 'viewer')).toBe(true);
    expect(hasRole(anon, 'analyst')).toBe(false);
  });

  it('requireRole throws AUTH_REQUIRED without a user and FORBIDDEN for a low role', () => {
    expect(() => requireRole(null, 'viewer')).toThrow(expect.objectContaining({ code: 'AUTH_REQUIRED' }));
    try {
      requireRole(viewer, 'admin');
      expect.unreachable();
    } catch (err: unknown) {
      expect(isFraudError(err, 'FORBIDDEN')).toBe(true);
    }
    expect(requireRole(admin, 'admin')).toBe(admin);
  });
});

describe('users and sessions (real DuckDB)', () => {
  let db: Database | undefined;
  afterEach(() => db?.close());

  it('authenticates, issues sessions that expire, and signs out on destroy or reset', async () => {
    db = await openDatabase(':memory:');
    let clock = 1_000_000;
    // Cheap hashes here: the scrypt cost itself is covered above.
    const users = createUserStore(db, { scrypt: { N: 1024, r: 8, p: 1, keyLen: 32 } });
    const sessions = createSessionStore(db, 60_000, () => clock);
    await users.add('alice', 'analyst', 'alice-password-1');

    expect(await users.authenticate('alice', 'wrong-password-1')).toBeNull();
    expect(await users.authenticate('nobody', 'alice-password-1')).toBeNull();
    const user = await users.authenticate('alice', 'alice-password-1');
    expect(user).toEqual({ name: 'alice', role: 'analyst', anonymous: false });

    const { token, expiresAt } = await sessions.create('alice');
    expect(expiresAt).toBe(clock + 60_000);
    expect(await sessions.lookup(token)).toEqual({ name: 'alice', role: 'analyst', anonymous: false });
    expect(await sessions.lookup(`${token}x`)).toBeNull();
    // The database holds a hash, not the token.
    const stored = await db.all('SELECT token_hash FROM sessions');
    expect(stored.map((r) => r.token_hash)).not.toContain(token);

    clock += 60_001;
    expect(await sessions.lookup(token)).toBeNull();

    clock = 1_000_000;
    const second = await sessions.create('alice');
    await sessions.destroy(second.token);
    expect(await sessions.lookup(second.token)).toBeNull();

    const third = await sessions.create('alice');
    await expect(users.add('alice', 'admin', 'new-password-123')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await users.add('alice', 'admin', 'new-password-123', { replace: true });
    expect(await sessions.lookup(third.token)).toBeNull();
    expect((await users.authenticate('alice', 'new-password-123'))?.role).toBe('admin');
  });

  it('rejects bad user names', async () => {
    db = await openDatabase(':memory:');
    await expect(
      createUserStore(db, { scrypt: { N: 1024, r: 8, p: 1, keyLen: 32 } }).add(
        'Robert; DROP',
        'viewer',
        'long-enough-pw',
      ),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
