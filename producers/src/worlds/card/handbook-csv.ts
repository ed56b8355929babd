import type { Transaction } from '@fraud/schemas';

/**
 * The handbook's simulated-transactions layout ("Reproducible Machine Learning for Credit Card
 * Fraud Detection", chapter 3), which `--mapping handbook` reads. The handbook's ids are
 * integers; these are the card world's own ids (card, terminal), so a file imported through the
 * mapping keys its features by the same entities as the live stream. Card-not-present payments
 * have no terminal: TERMINAL_ID holds the merchant id there.
 */
export const HANDBOOK_COLUMNS = [
  'TRANSACTION_ID',
  'TX_DATETIME',
  'CUSTOMER_ID',
  'TERMINAL_ID',
  'TX_AMOUNT',
  'TX_TIME_SECONDS',
  'TX_TIME_DAYS',
  'TX_FRAUD',
  'TX_FRAUD_SCENARIO',
] as const;

/**
 * TX_FRAUD_SCENARIO codes: the handbook's 0 (legitimate), 2 (compromised terminal) and 3
 * (compromised card, here with a spending spike); 4 is this world's card testing. The
 * handbook's 1 (any amount over 220) is not simulated.
 */
export const HANDBOOK_SCENARIO_CODES: Readonly<Record<string, number>> = {
  'compromised-terminal': 2,
  'card-spike': 3,
  'card-testing': 4,
};

/** TX_DATETIME as the handbook writes it: `YYYY-MM-DD HH:MM:SS`, UTC. */
function datetime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * The rows of a handbook CSV (header first), in the given (simulated-time) order. TX_TIME_SECONDS
 * and TX_TIME_DAYS count from `start` (default: midnight UTC of the first transaction's day).
 */
export function handbookCsvLines(
  transactions: readonly Transaction[],
  truth: readonly { isFraud: boolean; typology: string | null }[],
  start?: number,
): string[] {
  const t0 = start ?? Math.floor((transactions[0]?.eventTime ?? 0) / 86_400_000) * 86_400_000;
  const lines = [HANDBOOK_COLUMNS.join(',')];
  transactions.forEach((tx, i) => {
    const seconds = Math.floor((tx.eventTime - t0) / 1000);
    const t = truth[i];
    const scenario = t?.isFraud ? (HANDBOOK_SCENARIO_CODES[t.typology ?? ''] ?? 1) : 0;
    lines.push(
      [
        i,
        datetime(tx.eventTime),
        tx.originAccount,
        tx.terminalId ?? tx.destAccount,
        (tx.amount / 100).toFixed(2),
        seconds,
        Math.floor(seconds / 86_400),
        t?.isFraud ? 1 : 0,
        scenario,
      ].join(','),
    );
  });
  return lines;
}

/** The whole handbook CSV as one string (newline-terminated). */
export function handbookCsv(
  transactions: readonly Transaction[],
  truth: readonly { isFraud: boolean; typology: string | null }[],
  start?: number,
): string {
  return `${handbookCsvLines(transactions, truth, start).join('\n')}\n`;
}
