import { createHash } from 'node:crypto';
import type { Transaction } from '@fraud/schemas';

/** sha256 over a canonical text of the rows (decision-time fields + label), in the given order. */
export function dataFingerprint(rows: readonly { tx: Transaction; isFraud: boolean }[]): string {
  const h = createHash('sha256');
  let buf = '';
  for (const { tx, isFraud } of rows) {
    buf +=
      `${tx.txId},${tx.eventTime},${tx.type},${tx.amount},${tx.originAccount},${tx.originBalanceBefore},` +
      `${tx.destAccount},${tx.destBalanceBefore},${isFraud ? 1 : 0}\n`;
    if (buf.length > 1 << 16) {
      h.update(buf);
      buf = '';
    }
  }
  h.update(buf);
  return h.digest('hex');
}
