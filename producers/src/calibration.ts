/**
 * Calibration targets from the Kaggle PaySim data set (CC BY-SA 4.0, Lopez-Rojas, Elmir,
 * Axelsson, EMSS 2016; rows in fixtures/paysim). The type mix is the published mix of
 * the full 6.36M rows. Amount quantiles and the hourly cycle come from the 50,000 random
 * legitimate rows of paysim-steps1-119-sample.csv (legitimate rows only: that file over-samples
 * fraud, so its raw marginals would be biased). Regenerate with the script in docs/producers.md.
 */
import type { PaySimType } from '@fraud/schemas';

export const TYPE_MIX: Readonly<Record<PaySimType, number>> = {
  CASH_OUT: 0.352,
  PAYMENT: 0.338,
  CASH_IN: 0.22,
  TRANSFER: 0.084,
  DEBIT: 0.0065,
};

/** PaySim's fraud rate (8,213 / 6,362,620) and its per-transaction amount cap. */
export const PAYSIM_FRAUD_RATE = 0.0013;
export const PAYSIM_MAX_TRANSFER = 10_000_000;
/** PaySim's isFlaggedFraud limit: transfers above it draw attention. */
export const REPORTING_LIMIT = 200_000;

export const AMOUNT_QUANTILE_PROBS: readonly number[] = [
  0, 0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85,
  0.9, 0.95, 0.975, 0.99, 0.995, 0.999, 1,
];
/** Legitimate amounts in major units at AMOUNT_QUANTILE_PROBS, per type. */
export const AMOUNT_QUANTILES: Readonly<Record<PaySimType, readonly number[]>> = {
  CASH_IN: [
    14.54, 1630.0, 2918.88, 7903.72, 15413.52, 30340.39, 44437.05, 57489.24, 71167.15, 84968.11, 98503.95, 114020.13,
    128673.48, 144342.55, 161898.15, 178961.55, 196880.02, 218316.7, 241271.0, 268564.0, 305007.21, 347481.15,
    412636.87, 477544.65, 569325.55, 634962.82, 733879.92, 1158388.74,
  ],
  CASH_OUT: [
    19.7, 1849.46, 3680.32, 8958.83, 16572.28, 31336.43, 46114.04, 61410.42, 76034.26, 90678.65, 105986.03, 121653.72,
    138075.32, 154516.91, 171108.88, 189634.96, 210279.61, 233249.94, 259040.77, 288404.19, 326075.53, 371556.92,
    445881.11, 514684.56, 606710.85, 665946.17, 825853.29, 1075835.96,
  ],
  DEBIT: [
    20.78, 38.83, 49.95, 98.36, 250.4, 417.04, 822.64, 1117.73, 1601.84, 1888.84, 2173.99, 2607.86, 2875.26, 3280.08,
    3764.35, 4027.17, 4447.7, 5145.66, 5716.99, 6353.78, 7687.76, 9242.55, 12507.04, 19949.13, 36685.88, 71050.86,
    100332.44, 110791.45,
  ],
  PAYMENT: [
    0.24, 98.13, 169.89, 442.49, 857.95, 1644.22, 2433.14, 3211.9, 4019.78, 4912.09, 5820.6, 6712.06, 7634.22, 8621.27,
    9755.54, 10852.84, 12144.06, 13643.04, 15331.32, 17344.27, 19911.67, 23408.73, 30203.08, 37465.34, 47752.43,
    54205.43, 69257.93, 105606.14,
  ],
  TRANSFER: [
    147.43, 4600.37, 9249.5, 19983.0, 36657.22, 77195.16, 109907.49, 147830.98, 185484.61, 225223.99, 274406.38,
    320059.03, 370752.01, 429342.92, 499607.29, 570431.41, 653765.95, 746043.94, 852251.72, 970187.75, 1126466.11,
    1362109.95, 1732425.27, 2073138.11, 2528622.34, 2814618.84, 3232789.12, 4923413.8,
  ],
};
/** Relative legitimate volume by hour of day (step % 24), from 50000 legitimate rows. */
export const HOURLY_WEIGHTS: readonly number[] = [
  728, 277, 72, 14, 26, 20, 69, 325, 986, 2896, 3163, 3208, 3560, 3352, 3385, 3076, 3596, 3762, 4304, 4523, 3730, 1954,
  1675, 1299,
];
