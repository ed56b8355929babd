import { FraudError } from '@fraud/common';

/** Reads the Policy page's form into the fields of a DecisionPolicy (validated by its schema after). */
export function parsePolicyForm(form: FormData): {
  reviewThreshold: number | null;
  blockThreshold: number | null;
  allowList: string[];
  blockList: string[];
  reviewAmountOver: number | null;
} {
  const threshold = (name: string): number | null => {
    const raw = String(form.get(name) ?? '').trim();
    if (raw === '') return null;
    const v = Number(raw);
    if (!Number.isFinite(v) || v < 0 || v > 1)
      throw new FraudError('BAD_REQUEST', `${name} must be a number between 0 and 1 (got ${JSON.stringify(raw)})`);
    return v;
  };
  const list = (name: string): string[] => [
    ...new Set(
      String(form.get(name) ?? '')
        .split(/[\s,]+/)
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
  const amountRaw = String(form.get('reviewAmountOver') ?? '').trim();
  let reviewAmountOver: number | null = null;
  if (amountRaw !== '') {
    const v = Number(amountRaw);
    if (!Number.isInteger(v) || v <= 0)
      throw new FraudError(
        'BAD_REQUEST',
        `reviewAmountOver must be a positive whole number of minor units (got ${JSON.stringify(amountRaw)})`,
      );
    reviewAmountOver = v;
  }
  const reviewThreshold = threshold('reviewThreshold');
  const blockThreshold = threshold('blockThreshold');
  if (reviewThreshold !== null && blockThreshold !== null && reviewThreshold > blockThreshold) {
    throw new FraudError(
      'BAD_REQUEST',
      `the review threshold (${reviewThreshold}) must not exceed the block threshold (${blockThreshold})`,
    );
  }
  return {
    reviewThreshold,
    blockThreshold,
    allowList: list('allowList'),
    blockList: list('blockList'),
    reviewAmountOver,
  };
}
