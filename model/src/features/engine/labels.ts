/** A label as the features need it: which payment, its verdict, and when the label arrived. */
export interface LabelEvent {
  txId: string;
  isFraud: boolean;
  /** When the label arrived on `labels` (same clock as eventTime). */
  labeledAt: number;
}

interface LabelEntry {
  /** Arrival times, ascending; with `fraud` (0/1) parallel. Usually one label per payment. */
  at: number[];
  fraud: number[];
}

/**
 * Labels by txId, joined to an entity's payments at lookup time: a label that arrives before
 * its payment (another partition, a slow view) simply waits here, and the join never depends on
 * which of the two came first. A lookup at decision time t sees, for a payment, the label with
 * the latest labeledAt strictly before t (equal times: fraud wins), so a relabel counts from its
 * arrival on. Labels are kept while some exact lookup could still see their payment in a window:
 * arrival >= views' watermark - retention - lag allowance.
 */
export class LabelView {
  private readonly byTx = new Map<string, LabelEntry>();
  private lastSweep = -Infinity;
  count = 0;

  constructor(private readonly keepMs: number) {}

  /** Adds a label; false when the same (txId, labeledAt, isFraud) is already held. */
  add(label: LabelEvent, watermark: number): boolean {
    if (!Number.isFinite(label.labeledAt)) return false;
    if (label.labeledAt < watermark - this.keepMs) return false;
    const f = label.isFraud ? 1 : 0;
    let e = this.byTx.get(label.txId);
    if (e === undefined) {
      e = { at: [], fraud: [] };
      this.byTx.set(label.txId, e);
    }
    let pos = e.at.length;
    while (
      pos > 0 &&
      ((e.at[pos - 1] as number) > label.labeledAt ||
        (e.at[pos - 1] === label.labeledAt && (e.fraud[pos - 1] as number) > f))
    )
      pos--;
    if (pos > 0 && e.at[pos - 1] === label.labeledAt && e.fraud[pos - 1] === f) return false;
    e.at.splice(pos, 0, label.labeledAt);
    e.fraud.splice(pos, 0, f);
    this.count++;
    this.maybeSweep(watermark);
    return true;
  }

  /** The verdict known strictly before t for this payment: 1 fraud, 0 genuine, -1 none yet. */
  verdict(txId: string, t: number): number {
    const e = this.byTx.get(txId);
    if (e === undefined) return -1;
    for (let i = e.at.length - 1; i >= 0; i--) if ((e.at[i] as number) < t) return e.fraud[i] as number;
    return -1;
  }

  size(): number {
    return this.byTx.size;
  }

  private maybeSweep(watermark: number): void {
    if (watermark - this.lastSweep < 3_600_000) return;
    this.lastSweep = watermark;
    const horizon = watermark - this.keepMs;
    for (const [k, e] of this.byTx) {
      if ((e.at[e.at.length - 1] as number) < horizon) {
        this.count -= e.at.length;
        this.byTx.delete(k);
      }
    }
  }
}
