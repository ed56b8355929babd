import { existsSync } from 'node:fs';
import { FraudError, errorMessage } from '@fraud/common';
import type { BacktestReport, BacktestWindow, ParsedRuleSet } from '@fraud/model/rules';
import { ruleSetJson } from '@fraud/model/rules';
import { createDuckDbStore, runWarehouseBacktest } from '@fraud/sinks';
import type { RuleFeatures } from './features.ts';

export interface BacktestRequest {
  draft: ParsedRuleSet;
  window: BacktestWindow;
  features: RuleFeatures;
  examples: number;
}

function body(r: BacktestRequest) {
  return {
    ruleSet: ruleSetJson(r.draft),
    from: r.window.from,
    to: r.window.to,
    examples: r.examples,
    featureSet: r.features.catalogue.featureSet,
    featureNames: [...r.features.names],
  };
}

/** Asks the warehouse sink (POST /api/backtest): DuckDB or BigQuery, whichever it writes. */
export async function backtestOverApi(baseUrl: string, r: BacktestRequest): Promise<BacktestReport> {
  let res: Response;
  try {
    res = await fetch(new URL('/api/backtest', baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body(r)),
    });
  } catch (err: unknown) {
    throw new FraudError(
      'WAREHOUSE_FAILED',
      `the warehouse sink at ${baseUrl} does not answer (${errorMessage(err)}): start it (\`fraud sink warehouse\`) ` +
        'or pass --warehouse FILE for a DuckDB file no sink holds',
      { retriable: true },
    );
  }
  const answer = (await res.json()) as BacktestReport & { message?: string };
  if (!res.ok) throw new FraudError('WAREHOUSE_FAILED', `backtest refused (${res.status}): ${answer.message ?? ''}`);
  return answer;
}

/** Opens a DuckDB warehouse file itself (no sink may hold it) and runs the backtest there. */
export async function backtestOverFile(path: string, r: BacktestRequest): Promise<BacktestReport> {
  if (!existsSync(path)) throw new FraudError('NOT_FOUND', `no DuckDB warehouse file at ${path}`);
  const store = await createDuckDbStore({ path });
  try {
    return await runWarehouseBacktest(store, body(r));
  } finally {
    await store.close();
  }
}
