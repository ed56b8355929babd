import { createHash, randomBytes } from 'node:crypto';
import { str, type Database } from '../db/database.ts';
import { isRole } from './roles.ts';
import type { SessionUser } from './types.ts';

export const SESSION_COOKIE = 'fraud_session';

/**
 * Server-side sessions: the cookie holds 256 random bits; the database holds only their SHA-256,
 * so a leaked database file does not hand out live sessions. Expiry is absolute (no sliding).
 */
export function createSessionStore(db: Database, ttlMs: number, now: () => number = Date.now) {
  const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
  return {
    ttlMs,
    async create(userName: string): Promise<{ token: string; expiresAt: number }> {
      const token = randomBytes(32).toString('base64url');
      const createdAt = now();
      const expiresAt = createdAt + ttlMs;
      await db.run('INSERT INTO sessions VALUES ($h, $u, $c, $e)', {
        h: hashToken(token),
        u: userName,
        c: createdAt,
        e: expiresAt,
      });
      return { token, expiresAt };
    },
    async lookup(token: string | undefined): Promise<SessionUser | null> {
      if (!token || token.length > 128) return null;
      const row = await db.one(
        `SELECT u.name, u.role FROM sessions s JOIN users u ON u.name = s.user_name
         WHERE s.token_hash = $h AND s.expires_at > $now AND NOT u.disabled`,
        { h: hashToken(token), now: now() },
      );
      if (!row || !isRole(row.role)) return null;
      return { name: str(row, 'name'), role: row.role, anonymous: false };
    },
    async destroy(token: string | undefined): Promise<void> {
      if (token) await db.run('DELETE FROM sessions WHERE token_hash = $h', { h: hashToken(token) });
    },
    async purgeExpired(): Promise<void> {
      await db.run('DELETE FROM sessions WHERE expires_at <= $now', { now: now() });
    },
  };
}
export type SessionStore = ReturnType<typeof createSessionStore>;
