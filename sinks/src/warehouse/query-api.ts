import { Router, type Request, type Response } from 'express';
import { errorMessage, type Logger } from '@fraud/common';
import { renderSql } from './dialect.ts';
import { QUESTIONS, QUESTIONS_BY_NAME } from './questions.ts';
import type { QueryParams, WarehouseStore } from './store.ts';

/**
 * Read-only HTTP API over the warehouse: GET /api/questions lists the named questions,
 * GET /api/questions/:name?param=... answers one. Parameters are validated (unknown ones are
 * refused) and bound, never spliced into SQL; a bad request is a 400 that names the parameter.
 */
export function createQueryRouter(deps: { store: WarehouseStore; logger: Logger }): Router {
  const router = Router();
  const sqlByName = new Map(QUESTIONS.map((q) => [q.name, renderSql(q.sql, deps.store.dialect)]));

  router.get('/api/questions', (_req, res) => {
    res.json({
      backend: deps.store.dialect.name,
      questions: QUESTIONS.map((q) => ({
        name: q.name,
        description: q.description,
        params: Object.keys(q.params.shape),
      })),
    });
  });

  router.get('/api/questions/:name', async (req: Request<{ name: string }>, res: Response) => {
    const q = QUESTIONS_BY_NAME.get(req.params.name);
    if (!q) {
      res
        .status(404)
        .json({ error: 'NOT_FOUND', message: `no question named "${req.params.name}"; GET /api/questions lists them` });
      return;
    }
    const parsed = q.params.strict().safeParse(req.query);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({
        param: i.path.join('.') || (i.code === 'unrecognized_keys' ? i.keys.join(',') : ''),
        message: i.message,
      }));
      res.status(400).json({
        error: 'BAD_REQUEST',
        message: `invalid parameters for ${q.name}: ${issues.map((i) => `${i.param}: ${i.message}`).join('; ')}`,
        issues,
      });
      return;
    }
    const t0 = performance.now();
    try {
      const rows = await deps.store.query(sqlByName.get(q.name)!, parsed.data as QueryParams);
      res.json({ question: q.name, params: parsed.data, rows, ms: Math.round(performance.now() - t0) });
    } catch (err: unknown) {
      deps.logger.error({ err: errorMessage(err), question: q.name }, 'warehouse query failed');
      res
        .status(502)
        .json({ error: 'WAREHOUSE_FAILED', message: `the warehouse could not answer ${q.name}; see the sink's log` });
    }
  });
  return router;
}
