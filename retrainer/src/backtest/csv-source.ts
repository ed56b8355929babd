import { FraudError } from '@fraud/common';
import { loadPaysimCsv } from '@fraud/model';
import type { BacktestRow } from './backtest.ts';

/** A Kaggle-format PaySim CSV as backtest rows (isFraud is the truth, typology when present). */
export async function readCsvRows(path: string, onProgress?: (rows: number) => void): Promise<BacktestRow[]> {
  const rows = await loadPaysimCsv(path, onProgress ? { onProgress } : {});
  if (rows.length === 0) throw new FraudError('CSV_INVALID', `${path} has no data rows`);
  return rows.map((r) => ({ tx: r.tx, isFraud: r.isFraud, typology: r.typology }));
}
