import { describe, expect, it } from 'vitest';
import { verifyFeedToken } from '@fraud/sinks';
import { issueFeedToken, localSignFeedToken } from './token.ts';

/** Contract: the live feed server (sinks) accepts the tokens the console issues, and only those. */
describe('live feed token', () => {
  const secret = 'a-shared-secret-of-enough-length';
  it('is accepted by the sinks verifier with the user and role, expiring in minutes', () => {
    const now = 1_800_000_000_000;
    const { token, exp } = issueFeedToken(
      { name: 'ann', role: 'analyst', anonymous: false },
      { secret, minutes: 5, sign: localSignFeedToken, now },
    );
    expect(exp).toBe(now / 1000 + 300);
    expect(verifyFeedToken(secret, token, now)).toEqual({ sub: 'ann', role: 'analyst', exp });
    expect(() => verifyFeedToken(secret, token, now + 301_000)).toThrow(/expired/);
    expect(() => verifyFeedToken('another-secret-of-enough-length', token, now)).toThrow(/signature/);
  });
});
