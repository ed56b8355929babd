import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { errorMessage, type Logger } from '@fraud/common';
import { backtest, problemsOf, validateRuleSet, type BacktestReport } from '@fraud/model/rules';
import { renderSql } from './dialect.ts';
import type { WarehouseStore } from './store.ts';

/**
 * POST /api/backtest: a draft rule set run over a window of stored decisions (docs/rules.md).
 * The body carries the rule set as JSON text (checked here against the given feature names, then
 * compiled to SQL with every string bound as a parameter: no SQL crosses the API) and the window.
 * 400 with `problems` (rule, line, column, message) when a rule does not check.
 */
const MAX_MS = 8_640_000_000_000_000;
const bodySchema = z.object({
  ruleSet: z.unknown(),
  from: z.number().int().min(0).max(MAX_MS),
  to: z.number().int().min(0).max(MAX_MS),
  examples: z.number().int().min(0).max(100).default(10),
  /** The feature set whose stored vectors the rules read, and its names in vector order. */
  featureSet: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/)
    .nullable()
    .default(null),
  featureNames: z.array(z.string().max(128)).max(10_000).default([]),
});
export type BacktestRequest = z.input<typeof bodySchema>;

export function runWarehouseBacktest(
  store: WarehouseStore,
  body: z.output<typeof bodySchema>,
): Promise<BacktestReport> {
  const features = { features: body.featureNames, featureSet: body.featureSet };
  const set = validateRuleSet(body.ruleSet, features);
  const query = (template: string, params: Record<string, string | number>) =>
    store.query(renderSql(template, store.dialect), params);
  return backtest(query, { from: body.from, to: body.to }, set, {
    dialect: store.dialect.name,
    features,
    featureNames: body.featureNames,
    examples: body.examples,
  });
}

export function createBacktestRouter(deps: { store: WarehouseStore; logger: Logger }): Router {
  const router = Router();
  router.post('/api/backtest', express.json({ limit: '8mb' }), async (req: Request, res: Response) => {
    const parsed = bodySchema.safeParse(req.body);
    if (!parsed.success) {
      const message = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
      res.status(400).json({ error: 'BAD_REQUEST', message: `invalid backtest request: ${message}` });
      return;
    }
    try {
      res.json(await runWarehouseBacktest(deps.store, parsed.data));
    } catch (err: unknown) {
      const problems = problemsOf(err);
      if (problems.length > 0) {
        res.status(400).json({ error: 'RULE_INVALID', message: errorMessage(err), problems });
        return;
      }
      deps.logger.error({ err: errorMessage(err) }, 'backtest failed');
      res
        .status(502)
        .json({ error: 'WAREHOUSE_FAILED', message: `the warehouse could not run the backtest: ${errorMessage(err)}` });
    }
  });
  return router;
}
