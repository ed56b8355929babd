import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { FraudError, errorMessage, type Logger } from '@fraud/common';
import { dummyPasswordHash, verifyPassword } from '@fraud/common/passwords';
import type { NextFunction, Request, Response } from 'express';
import { REGISTRY_CONTENT_TYPE, RegistryError } from './errors.ts';

/**
 * HTTP Basic authentication for the embedded registry, the scheme Confluent's clients speak
 * (`basic.auth.user.info`, or credentials in the registry URL). Off unless users are given
 * (REGISTRY_USERS_FILE for `fraud registry serve`).
 *
 * Roles: `read` may call every GET, the lookup (POST /subjects/{subject}) and the compatibility
 * checks; `write` may also register, delete and change compatibility levels. Passwords are
 * stored as scrypt hashes (@fraud/common/passwords); a verified credential is cached for a
 * while as a SHA-256 of the header, so a client's steady traffic does not pay scrypt per call.
 */
export type RegistryRole = 'read' | 'write';
export interface RegistryUser {
  name: string;
  role: RegistryRole;
  passwordHash: string;
}

const CACHE_MS = 5 * 60_000;

/** Parses and validates a users file: {"users": [{"name", "role", "passwordHash"}]}. */
export function parseRegistryUsers(text: string, source: string): RegistryUser[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err: unknown) {
    throw new FraudError(
      'CONFIG_INVALID',
      `${source} is not JSON (${errorMessage(err)}); create it with \`fraud registry users add NAME --role ` +
        `read|write\``,
    );
  }
  const users = (doc as { users?: unknown } | null)?.users;
  if (!Array.isArray(users) || users.length === 0) {
    throw new FraudError(
      'CONFIG_INVALID',
      `${source} has no "users" list; add one with \`fraud registry users add NAME --role read|write\``,
    );
  }
  const seen = new Set<string>();
  return users.map((u: unknown, i) => {
    const { name, role, passwordHash } = (u ?? {}) as Record<string, unknown>;
    if (typeof name !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(name))
      throw new FraudError(
        'CONFIG_INVALID',
        `${source}: users[${i}].name must be 1-64 letters, digits, '.', '_' or '-'`,
      );
    if (role !== 'read' && role !== 'write')
      throw new FraudError('CONFIG_INVALID', `${source}: users[${i}] (${name}) role must be "read" or "write"`);
    if (typeof passwordHash !== 'string' || !passwordHash.startsWith('scrypt$'))
      throw new FraudError(
        'CONFIG_INVALID',
        `${source}: users[${i}] (${name}) passwordHash must be a scrypt hash; set it with \`fraud registry users add\``,
      );
    if (seen.has(name)) throw new FraudError('CONFIG_INVALID', `${source}: user ${name} is listed twice`);
    seen.add(name);
    return { name, role, passwordHash };
  });
}

export function loadRegistryUsers(path: string): RegistryUser[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err: unknown) {
    throw new FraudError(
      'CONFIG_INVALID',
      `REGISTRY_USERS_FILE ${path} cannot be read (${errorMessage(err)}); create it with \`fraud registry users add ` +
        `NAME --role read|write --file ${path}\``,
    );
  }
  return parseRegistryUsers(text, `REGISTRY_USERS_FILE ${path}`);
}

/** What a request needs: reads, lookups and compatibility checks are `read`; the rest `write`. */
export function requiredRole(method: string, path: string): RegistryRole {
  if (method === 'GET' || method === 'HEAD') return 'read';
  if (method === 'POST' && (/^\/subjects\/[^/]+\/?$/.test(path) || path.startsWith('/compatibility/'))) return 'read';
  return 'write';
}

export function basicAuth(
  users: readonly RegistryUser[],
  logger: Logger,
): (req: Request, res: Response, next: NextFunction) => void {
  const byName = new Map(users.map((u) => [u.name, u]));
  const verified = new Map<string, { user: RegistryUser; until: number }>();
  const challenge = (res: Response, message: string): void => {
    res.setHeader('WWW-Authenticate', 'Basic realm="schema-registry", charset="UTF-8"');
    res
      .status(401)
      .type(REGISTRY_CONTENT_TYPE)
      .send(JSON.stringify(new RegistryError(401, message).toJSON()));
  };
  const authenticate = async (header: string): Promise<RegistryUser | null> => {
    const key = createHash('sha256').update(header).digest('hex');
    const hit = verified.get(key);
    if (hit && hit.until > Date.now()) return hit.user;
    const decoded = Buffer.from(header.slice('Basic '.length).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const name = colon < 0 ? decoded : decoded.slice(0, colon);
    const password = colon < 0 ? '' : decoded.slice(colon + 1);
    const user = byName.get(name);
    // An unknown name costs one scrypt too, so timing does not tell names apart.
    const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyPasswordHash()));
    if (!ok || user === undefined) return null;
    if (verified.size > 10_000) verified.clear();
    verified.set(key, { user, until: Date.now() + CACHE_MS });
    return user;
  };
  return (req, res, next) => {
    const header = req.headers.authorization;
    if (header === undefined || !header.startsWith('Basic ')) {
      challenge(
        res,
        'Unauthorized: this schema registry needs HTTP Basic credentials (put them in the registry URL, ' +
          'http://USER:PASSWORD@host:port, or in basic.auth.user.info)',
      );
      return;
    }
    authenticate(header).then(
      (user) => {
        if (user === null) {
          logger.warn({ method: req.method, path: req.path }, 'schema registry request with wrong credentials');
          challenge(res, 'Unauthorized: wrong user name or password');
          return;
        }
        const need = requiredRole(req.method, req.path);
        if (need === 'write' && user.role !== 'write') {
          const err = new RegistryError(
            40301,
            `User ${user.name} (role read) cannot ${req.method} ${req.path}: it needs role write`,
          );
          res.status(403).type(REGISTRY_CONTENT_TYPE).send(JSON.stringify(err.toJSON()));
          return;
        }
        next();
      },
      (err: unknown) => next(err),
    );
  };
}
