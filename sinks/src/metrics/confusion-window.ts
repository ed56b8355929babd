/**
 * Live confusion matrix over a sliding time window of labelled decisions. "Predicted fraud"
 * means the decision was REVIEW or BLOCK (the transaction was stopped for a look); the truth is
 * the label. Entries are kept in arrival order and expire after windowMs; the count is bounded.
 */
export type Cell = 'tp' | 'fp' | 'fn' | 'tn';

export interface ConfusionCounts {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export class ConfusionWindow {
  private readonly at: number[] = [];
  private readonly cells: Cell[] = [];
  private head = 0;
  private counts: ConfusionCounts = { tp: 0, fp: 0, fn: 0, tn: 0 };

  constructor(
    private readonly windowMs: number,
    private readonly maxEntries = 1_000_000,
  ) {}

  static cell(flagged: boolean, isFraud: boolean): Cell {
    if (isFraud) return flagged ? 'tp' : 'fn';
    return flagged ? 'fp' : 'tn';
  }

  add(cell: Cell, now: number): void {
    this.at.push(now);
    this.cells.push(cell);
    this.counts[cell]++;
    this.expire(now);
  }

  expire(now: number): void {
    const cutoff = now - this.windowMs;
    while (
      this.head < this.at.length &&
      (this.at[this.head]! < cutoff || this.at.length - this.head > this.maxEntries)
    ) {
      this.counts[this.cells[this.head]!]--;
      this.head++;
    }
    if (this.head > 4096 && this.head * 2 > this.at.length) {
      this.at.splice(0, this.head);
      this.cells.splice(0, this.head);
      this.head = 0;
    }
  }

  snapshot(
    now: number,
  ): ConfusionCounts & { precision: number | null; recall: number | null; falsePositiveRate: number | null } {
    this.expire(now);
    const { tp, fp, fn, tn } = this.counts;
    return {
      tp,
      fp,
      fn,
      tn,
      precision: tp + fp ? tp / (tp + fp) : null,
      recall: tp + fn ? tp / (tp + fn) : null,
      falsePositiveRate: fp + tn ? fp / (fp + tn) : null,
    };
  }
}
