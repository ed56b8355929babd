import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { FraudError } from './errors.ts';

/**
 * Password hashes with scrypt (memory-hard), for the console users and the registry users. Stored as
 *   scrypt$N$r$p$<salt base64>$<hash base64>
 * so the parameters can be raised later without invalidating existing hashes.
 * N=2^15, r=8 uses 32 MiB per hash (~100 ms on this class of machine): OWASP's minimum is 2^17
 * with r=8 p=1 *or* an equivalent cost; 2^15 with p=3 is within that family and keeps login fast.
 */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
  keyLen: number;
}
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 15, r: 8, p: 3, keyLen: 32 };

export const MIN_PASSWORD_LENGTH = 12;

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const opts: ScryptOptions = {
    N: params.N,
    r: params.r,
    p: params.p,
    maxmem: 256 * params.N * params.r + 1024 * 1024,
  };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, params.keyLen, opts, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export function validatePassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new FraudError('BAD_REQUEST', `password too short: at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  if (password.length > 1024) throw new FraudError('BAD_REQUEST', 'password too long: at most 1024 characters');
}

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  validatePassword(password);
  const salt = randomBytes(16);
  const key = await derive(password, salt, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64'), key.toString('base64')].join('$');
}

/** Constant-time comparison; false (never an exception) for a malformed stored hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[4] ?? '', 'base64');
  const expected = Buffer.from(parts[5] ?? '', 'base64');
  if (!Number.isInteger(N) || !Number.isInteger(r) || !Number.isInteger(p) || expected.length === 0) return false;
  if (password.length > 1024) return false;
  const actual = await derive(password, salt, { N, r, p, keyLen: expected.length });
  return timingSafeEqual(actual, expected);
}

/** A hash of a random password, verified against on unknown user names so timing does not reveal them. */
const dummyHashes = new Map<string, Promise<string>>();
export function dummyPasswordHash(params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const key = `${params.N}/${params.r}/${params.p}/${params.keyLen}`;
  let hash = dummyHashes.get(key);
  if (!hash) {
    hash = hashPassword(randomBytes(24).toString('base64'), params);
    dummyHashes.set(key, hash);
  }
  return hash;
}
