import { describe, expect, it } from 'vitest';
import { isFraudError } from '@fraud/common';
import { verifyFeedToken } from '@fraud/sinks/feed-token';
import { issueFeedToken } from './token.ts';

/** Contract: the live feed server (sinks) accepts the tokens the console issues, and only those. */
describe('live feed token', () => {
  const secret = 'a-shared-secret-of-enough-length';
  const user = { name: 'ann', role: 'analyst', anonymous: false } as const;

  it('is accepted by the sinks verifier with the user and role, expiring in minutes', () => {
    const now = 1_800_000_000_000;
    const { token, exp } = issueFeedToken(user, { secret, minutes: 5, now });
    expect(exp).toBe(now / 1000 + 300);
    expect(verifyFeedToken(secret, token, now)).toEqual({ sub: 'ann', role: 'analyst', exp });
    expect(() => verifyFeedToken(secret, token, now + 301_000)).toThrow(/expired/);
    expect(() => verifyFeedToken('another-secret-of-enough-length', token, now)).toThrow(/signature/);
  });

  it('refuses to sign with a secret shorter than 16 characters', () => {
    let caught: unknown;
    try {
      issueFeedToken(user, { secret: 'fifteen-chars!!', minutes: 5 });
    } catch (err: unknown) {
      caught = err;
    }
    expect(isFraudError(caught, 'CONFIG_INVALID')).toBe(true);
  });
});
