import type { Server } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { errorMessage, isFraudError, type Logger } from '@fraud/common';
import type { PolicyManager } from '../policy/manager.ts';
import type { RegistryOps } from '../run/registry-ops.ts';
import type { Store } from '../store/index.ts';
import type { BacktestRecord } from '../store/registry-store.ts';
import type { RetrainerMetrics } from './metrics.ts';
import type { Scheduler } from './scheduler.ts';

/**
 * The retrainer's HTTP API (port 9474), used by the console and by `fraud models` when the
 * service is running (it owns the DuckDB file). Errors are JSON {error, message} with a 4xx
 * that says what is wrong; a refused policy edit is a 400 and the old policy stays.
 */
export interface HttpDeps {
  store: Store;
  manager: PolicyManager;
  ops: RegistryOps;
  scheduler: Scheduler;
  metrics: RetrainerMetrics;
  logger: Logger;
  /** Also publish accepted API edits to the control topic, so every reader sees them. */
  publishPolicy?: (policy: unknown) => Promise<void>;
  ready: () => boolean;
}

export function createHttpApp(deps: HttpDeps): express.Express {
  const app = express();
  app.use(express.json({ limit: '1mb' }));
  addStatusRoutes(app, deps);
  addPolicyRoutes(app, deps);
  addModelRoutes(app, deps);
  addRunRoutes(app, deps);
  app.use(errorHandler(deps.logger));
  return app;
}

function actor(req: Request): string {
  const body = req.body as { actor?: unknown } | undefined;
  return String(req.header('x-fraud-actor') ?? body?.actor ?? 'api').slice(0, 128);
}

/** An async handler whose rejection goes to the error handler. */
const wrap =
  (fn: (req: Request, res: Response) => Promise<unknown>) =>
  (req: Request, res: Response, next: NextFunction): void => {
    fn(req, res).catch(next);
  };

function addStatusRoutes(app: express.Express, deps: HttpDeps): void {
  app.get('/health', (_req, res) => {
    const s = deps.scheduler.status();
    res
      .status(deps.ready() ? 200 : 503)
      .json({ status: deps.ready() ? 'ok' : 'starting', running: s.running, lastError: s.lastError });
  });
  app.get(
    '/metrics',
    wrap(async (_req, res) => {
      res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
    }),
  );
  app.get(
    '/api/status',
    wrap(async (_req, res) => {
      res.json({
        scheduler: deps.scheduler.status(),
        counters: await deps.store.training.counters(),
        store: await deps.store.training.stats(),
      });
    }),
  );
}

/** PUT replaces the policy, PATCH merges into it; a refused edit is a 400 and the old policy stays. */
function addPolicyRoutes(app: express.Express, deps: HttpDeps): void {
  app.get('/api/policy', (_req, res) => res.json(deps.manager.current()));
  const edit = (merge: boolean) =>
    wrap(async (req, res) => {
      const body: unknown = req.body;
      const policy = merge ? deepMerge(deps.manager.current(), body) : body;
      const result = await deps.manager.apply({ source: 'api', actor: actor(req), policy });
      deps.metrics.policyEdits.inc({ source: 'api', accepted: String(result.accepted) });
      if (!result.accepted)
        return res.status(400).json({ error: 'BAD_REQUEST', message: result.message, policy: result.policy });
      await deps.publishPolicy?.(result.policy);
      return res.json(result.policy);
    });
  app.put('/api/policy', edit(false));
  app.patch('/api/policy', edit(true));
  app.get(
    '/api/policy/audit',
    wrap(async (req, res) => res.json(await deps.store.registry.audit(limit(req)))),
  );
}

function addModelRoutes(app: express.Express, deps: HttpDeps): void {
  app.get(
    '/api/models',
    wrap(async (_req, res) => res.json(await deps.ops.list())),
  );
  app.get(
    '/api/models/:version',
    wrap(async (req, res) => res.json(await deps.ops.show(String(req.params.version)))),
  );
  app.post(
    '/api/models/:version/promote',
    wrap(async (req, res) => {
      const shadow = (req.body as { shadow?: unknown } | undefined)?.shadow === true;
      const u = await deps.ops.promote(String(req.params.version), { shadow, actor: actor(req) });
      deps.metrics.publications.inc({ role: u.role, action: 'manual' });
      res.json({ version: u.version, role: u.role, sha256: u.sha256 });
    }),
  );
  app.post(
    '/api/models/rollback',
    wrap(async (req, res) => {
      const u = await deps.ops.rollback({ actor: actor(req) });
      deps.metrics.publications.inc({ role: u.role, action: 'rollback' });
      res.json({ version: u.version, role: u.role, sha256: u.sha256 });
    }),
  );
}

/** Retraining on request, the run history and the backtests. */
function addRunRoutes(app: express.Express, deps: HttpDeps): void {
  app.post(
    '/api/retrain',
    wrap(async (req, res) => {
      const force = (req.body as { force?: unknown } | undefined)?.force === true;
      const wait = (req.body as { wait?: unknown } | undefined)?.wait !== false;
      const p = deps.scheduler.requestRun({ force, actor: actor(req) });
      if (!wait) {
        p.catch((err: unknown) => deps.logger.error({ err: errorMessage(err) }, 'requested run failed'));
        return res.status(202).json({ accepted: true });
      }
      return res.json(await p);
    }),
  );
  app.get(
    '/api/runs',
    wrap(async (req, res) => res.json(await deps.store.registry.runs(limit(req)))),
  );
  app.get(
    '/api/backtests',
    wrap(async (req, res) => res.json(await deps.store.registry.backtests(limit(req)))),
  );
  app.post(
    '/api/backtests',
    wrap(async (req, res) => {
      const b = req.body as Partial<BacktestRecord>;
      if (
        typeof b.backtestId !== 'string' ||
        typeof b.version !== 'string' ||
        typeof b.rows !== 'number' ||
        typeof b.metrics !== 'object'
      ) {
        return res
          .status(400)
          .json({ error: 'BAD_REQUEST', message: 'a backtest needs backtestId, version, rows and metrics' });
      }
      await deps.store.registry.saveBacktest(b as BacktestRecord);
      return res.status(201).json({ backtestId: b.backtestId });
    }),
  );
}

/** FraudError codes map to 4xx; a body that is not JSON is a 400; anything else is logged and a 500. */
function errorHandler(logger: Logger) {
  return (err: unknown, _req: Request, res: Response, _next: NextFunction): Response => {
    if (isFraudError(err)) {
      const status =
        err.code === 'NOT_FOUND'
          ? 404
          : err.code === 'MODEL_INCOMPATIBLE'
            ? 409
            : err.code === 'BAD_REQUEST' || err.code === 'MODEL_INVALID'
              ? 400
              : 500;
      return res.status(status).json({ error: err.code, message: err.message });
    }
    if (err instanceof SyntaxError)
      return res.status(400).json({ error: 'BAD_REQUEST', message: `request body is not valid JSON: ${err.message}` });
    logger.error({ err: errorMessage(err) }, 'retrainer API error');
    return res.status(500).json({ error: 'INTERNAL', message: errorMessage(err) });
  };
}

export function listen(app: express.Express, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(server)));
  });
}

function limit(req: Request): number {
  const n = Number(req.query.limit ?? 100);
  return Number.isInteger(n) && n > 0 && n <= 10_000 ? n : 100;
}

/** Objects merge recursively; anything else in `patch` replaces. */
export function deepMerge(base: unknown, patch: unknown): unknown {
  if (
    patch === null ||
    typeof patch !== 'object' ||
    Array.isArray(patch) ||
    base === null ||
    typeof base !== 'object' ||
    Array.isArray(base)
  )
    return patch;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) out[k] = deepMerge(out[k], v);
  return out;
}
