/**
 * The card world's fixed catalogue: merchant categories (ISO 18245 MCCs) with their share of
 * merchants, whether they sell online (card not present) or at terminals (card present), and
 * their typical ticket relative to the card holder's usual amount; and the countries cards and
 * terminals live in. Shares are rounded figures of a European acquirer's mix, not calibrated data.
 */
export interface MerchantCategory {
  mcc: string;
  name: string;
  /** Share of merchants in this category (the shares sum to 1). */
  share: number;
  /** CNP: sells online only (no terminals); CP: terminals only. */
  kind: 'CP' | 'CNP';
  /** Typical ticket relative to the holder's mean amount. */
  ticket: number;
}

export const MERCHANT_CATEGORIES: readonly MerchantCategory[] = [
  { mcc: '5411', name: 'grocery stores, supermarkets', share: 0.2, kind: 'CP', ticket: 1 },
  { mcc: '5812', name: 'restaurants', share: 0.16, kind: 'CP', ticket: 0.8 },
  { mcc: '5814', name: 'fast food', share: 0.08, kind: 'CP', ticket: 0.4 },
  { mcc: '5541', name: 'service stations (fuel)', share: 0.08, kind: 'CP', ticket: 1.2 },
  { mcc: '5912', name: 'drug stores, pharmacies', share: 0.06, kind: 'CP', ticket: 0.6 },
  { mcc: '5311', name: 'department stores', share: 0.04, kind: 'CP', ticket: 1.5 },
  { mcc: '5651', name: 'clothing stores', share: 0.06, kind: 'CP', ticket: 1.4 },
  { mcc: '4111', name: 'commuter transport', share: 0.04, kind: 'CP', ticket: 0.3 },
  { mcc: '5999', name: 'miscellaneous retail (e-commerce)', share: 0.1, kind: 'CNP', ticket: 1 },
  { mcc: '5732', name: 'electronics stores', share: 0.05, kind: 'CNP', ticket: 2.5 },
  { mcc: '5815', name: 'digital goods (media, apps)', share: 0.05, kind: 'CNP', ticket: 0.3 },
  { mcc: '4511', name: 'airlines', share: 0.03, kind: 'CNP', ticket: 4 },
  { mcc: '7011', name: 'hotels, lodging', share: 0.03, kind: 'CNP', ticket: 3 },
  { mcc: '4816', name: 'computer network services', share: 0.02, kind: 'CNP', ticket: 0.5 },
];

/** ISO 3166-1 alpha-2 codes with the share of cards (and terminals) at home there. */
export const COUNTRIES: readonly { code: string; share: number }[] = [
  { code: 'FR', share: 0.3 },
  { code: 'DE', share: 0.22 },
  { code: 'ES', share: 0.14 },
  { code: 'IT', share: 0.12 },
  { code: 'NL', share: 0.08 },
  { code: 'BE', share: 0.06 },
  { code: 'GB', share: 0.05 },
  { code: 'US', share: 0.03 },
];

/** Countries fraudsters cash out from, besides any foreign country (a card used abroad). */
export const FRAUD_COUNTRIES: readonly string[] = ['US', 'GB', 'BR', 'NG', 'RU', 'CN'];

/** Relative legitimate card traffic per UTC hour (mean 1 over a day): quiet nights, lunch and evening peaks. */
const HOURLY = [
  0.15, 0.08, 0.05, 0.04, 0.05, 0.12, 0.35, 0.7, 1.1, 1.3, 1.4, 1.55, 1.8, 1.7, 1.4, 1.35, 1.45, 1.65, 1.8, 1.7, 1.4,
  1.0, 0.6, 0.32,
];
const HOURLY_SUM = HOURLY.reduce((a, b) => a + b, 0);
export const CARD_HOURLY_FACTORS: readonly number[] = HOURLY.map((w) => (w * 24) / HOURLY_SUM);

/** Draws an index from weights (not normalised). */
export function pickWeighted(weights: readonly number[], u: number): number {
  const total = weights.reduce((a, b) => a + b, 0);
  let acc = 0;
  for (let i = 0; i < weights.length; i++) {
    acc += weights[i]! / total;
    if (u < acc) return i;
  }
  return weights.length - 1;
}
