import type { ModelDetails, ModelSummary } from '../run/registry-ops.ts';
import type { BacktestRecord, RunRecord } from '../store/registry-store.ts';
import type { RetrainPolicy } from '../policy/schema.ts';

/**
 * What `fraud models` and `fraud backtest` need from the retrainer. Two implementations: over
 * HTTP when the service runs (it owns the DuckDB file), or directly on the store and Kafka.
 */
export interface RetrainerClient {
  readonly mode: 'http' | 'direct';
  list(): Promise<ModelSummary[]>;
  show(version: string): Promise<ModelDetails>;
  promote(
    version: string,
    opts: { shadow: boolean; actor: string },
  ): Promise<{ version: string; role: string; sha256: string }>;
  rollback(opts: { actor: string }): Promise<{ version: string; role: string; sha256: string }>;
  retrain(opts: { force: boolean; actor: string; onProgress?: (line: string) => void }): Promise<RunRecord>;
  policy(): Promise<RetrainPolicy>;
  saveBacktest(b: BacktestRecord): Promise<void>;
  backtests(): Promise<BacktestRecord[]>;
  close(): Promise<void>;
}
