import { FraudError } from '@fraud/common';
import { ROLES, type Role, type SessionUser } from './types.ts';

/** viewer < analyst < admin: each role can do everything the roles below it can. */
export function roleRank(role: Role): number {
  return ROLES.indexOf(role);
}

export function hasRole(user: SessionUser | null, min: Role): boolean {
  if (!user) return false;
  // The anonymous read-only viewer never acts, whatever it is called.
  if (user.anonymous && min !== 'viewer') return false;
  return roleRank(user.role) >= roleRank(min);
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Throws AUTH_REQUIRED (401) without a user, FORBIDDEN (403) when the role is too low. */
export function requireRole(user: SessionUser | null, min: Role): SessionUser {
  if (!user) throw new FraudError('AUTH_REQUIRED', 'sign in first');
  if (!hasRole(user, min)) {
    throw new FraudError(
      'FORBIDDEN',
      `this action needs the ${min} role; ${user.name} is ${user.anonymous ? 'an anonymous viewer' : `a ${user.role}`}`,
    );
  }
  return user;
}
