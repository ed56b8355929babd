import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { FraudError } from '@fraud/common';

/**
 * API keys: `fk_<id>_<secret>`. Only the SHA-256 of the whole key is stored (keys are 192-bit
 * random, so a fast hash is the right tool: there is nothing to brute-force), compared in
 * constant time. Scopes: submit, read, label.
 */
export const SCOPES = ['submit', 'read', 'label'] as const;
export type Scope = (typeof SCOPES)[number];

const keyRecord = z.object({
  id: z.string().regex(/^[a-z0-9]{8}$/),
  name: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  scopes: z.array(z.enum(SCOPES)).min(1),
  createdAt: z.number(),
});
export type KeyRecord = z.infer<typeof keyRecord>;
const keyFile = z.array(keyRecord);

const sha256 = (s: string) => createHash('sha256').update(s).digest();

export interface KeyStore {
  authenticate(presented: string): KeyRecord | undefined;
  list(): KeyRecord[];
}

export function createKeyStore(records: KeyRecord[]): KeyStore {
  const byId = new Map(records.map((r) => [r.id, r]));
  return {
    authenticate(presented) {
      const m = /^fk_([a-z0-9]{8})_[A-Za-z0-9_-]{32}$/.exec(presented);
      if (!m) return undefined;
      const rec = byId.get(m[1]!);
      if (!rec) return undefined;
      return timingSafeEqual(sha256(presented), Buffer.from(rec.sha256, 'hex')) ? rec : undefined;
    },
    list: () => [...byId.values()],
  };
}

export function readKeyFile(path: string): KeyRecord[] {
  if (!existsSync(path)) return [];
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err: unknown) {
    throw new FraudError('CONFIG_INVALID', `API_KEYS_FILE ${path} is not valid JSON`, { cause: err });
  }
  const parsed = keyFile.safeParse(raw);
  if (!parsed.success)
    throw new FraudError(
      'CONFIG_INVALID',
      `API_KEYS_FILE ${path}: ${parsed.error.issues[0]?.message ?? 'invalid'} ` +
        `at ${parsed.error.issues[0]?.path.join('.')}`,
    );
  return parsed.data;
}

/** Creates a key, stores its hash, returns the key itself (shown once, never stored). */
export function createKey(path: string, name: string, scopes: Scope[]): { key: string; record: KeyRecord } {
  const id = randomBytes(8)
    .toString('hex')
    .slice(0, 8)
    .replace(/[^a-z0-9]/g, '0');
  const key = `fk_${id}_${randomBytes(24).toString('base64url')}`;
  const record: KeyRecord = { id, name, sha256: sha256(key).toString('hex'), scopes, createdAt: Date.now() };
  const records = readKeyFile(path);
  records.push(record);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(records, null, 2), { mode: 0o600 });
  return { key, record };
}
