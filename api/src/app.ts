import express, { type NextFunction, type Request, type Response } from 'express';
import { Counter, Histogram, type Registry } from 'prom-client';
import swaggerUi from 'swagger-ui-dist';
import type { z } from 'zod';
import type { Label, ScoredTransaction, Transaction } from '@fraud/schemas';
import type { Logger } from '@fraud/common';
import type { DecisionWaiter } from './decisions.ts';
import type { KeyRecord, KeyStore, Scope } from './keys.ts';
import { buildOpenApi } from './openapi.ts';
import type { OwnerRouter } from './owner-router.ts';
import type { RateLimiter } from './rate-limit.ts';
import { labelBody, transactionBody, type DecisionResponse, type ErrorBody, type Routed } from './schemas.ts';

/** The side effects the HTTP layer needs, injected (Kafka in production, the same in tests). */
export interface ApiDeps {
  publishTransaction(tx: Transaction): Promise<void>;
  publishLabel(label: Label): Promise<void>;
  /** A recorded decision from the warehouse, for txIds evicted from (or never in) the cache. */
  lookupDecision(txId: string): Promise<ScoredTransaction | undefined>;
  ready(): Promise<{ ok: boolean; checks: Record<string, boolean> }>;
  waiter: DecisionWaiter;
  /** Owner routing (API_ROUTE_MODE=owner): absent, every payment takes the Kafka path. */
  router?: OwnerRouter;
  keys: KeyStore;
  limiter: RateLimiter;
  registry: Registry;
  logger: Logger;
  config: { deadlineMs: number; fallbackApproveUnder: number; bodyLimit: string; publicUrl: string };
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

function body(code: string, message: string, field?: string): ErrorBody {
  return { error: field === undefined ? { code, message } : { code, message, field } };
}

function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(',') : undefined);
  throw new HttpError(400, 'INVALID_BODY', `${field ? `${field}: ` : ''}${issue.message}`, field);
}

export function toResponse(s: ScoredTransaction, latencyMs: number): DecisionResponse {
  return {
    txId: s.transaction.txId,
    decision: s.decision,
    score: s.score,
    reasons: s.reasons,
    rulesFired: s.rulesFired,
    modelVersion: s.modelVersion,
    fallback: false,
    latencyMs,
  };
}

export function createApp(deps: ApiDeps): express.Express {
  const metrics = createHttpMetrics(deps.registry);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(observeRequests(metrics));
  const auth = authenticator(deps);
  const json = express.json({
    limit: deps.config.bodyLimit,
    strict: true,
    type: ['application/json', 'application/*+json'],
  });
  app.post('/v1/transactions', auth('submit'), json, submitTransaction(deps, metrics));
  app.get('/v1/decisions/:txId', auth('read'), getDecision(deps));
  app.post('/v1/labels', auth('label'), json, async (req, res) => {
    const b = parse(labelBody, req.body);
    const key = res.locals.key as KeyRecord;
    await deps.publishLabel({ ...b, labeledAt: Date.now(), author: `api:${key.name}` });
    res.status(202).json({ accepted: true, txId: b.txId });
  });
  addServiceRoutes(app, deps);
  addDocsRoutes(app, deps.config.publicUrl);
  app.use((_req, _res, next) => next(new HttpError(404, 'NOT_FOUND', 'no such route; see /openapi.json')));
  app.use(errorHandler(deps));
  return app;
}

interface HttpMetrics {
  requests: Counter<'route' | 'status'>;
  latency: Histogram<'route'>;
  fallbacks: Counter;
  routed: Counter<'route' | 'outcome'>;
}

function createHttpMetrics(registry: Registry): HttpMetrics {
  return {
    requests: new Counter({
      name: 'fraud_api_requests_total',
      help: 'HTTP requests',
      labelNames: ['route', 'status'],
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'fraud_api_request_seconds',
      help: 'Request latency',
      labelNames: ['route'],
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    fallbacks: new Counter({
      name: 'fraud_api_fallback_total',
      help: 'Answers given by the fallback policy after the deadline',
      registers: [registry],
    }),
    routed: new Counter({
      name: 'fraud_api_routed_total',
      help:
        'Payments by path: route owner (first forward to the partition owner), owner_retry (the forward after ' +
        'a refresh of the owners), kafka (publish and wait on scored); outcome: how it ended',
      labelNames: ['route', 'outcome'],
      registers: [registry],
    }),
  };
}

/** Counts every request and its latency by route pattern, once the response is sent. */
function observeRequests(m: HttpMetrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const t0 = process.hrtime.bigint();
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? 'other';
      m.requests.inc({ route, status: String(res.statusCode) });
      m.latency.observe({ route }, Number(process.hrtime.bigint() - t0) / 1e9);
    });
    next();
  };
}

/** Middleware for one scope: a known key with that scope, within its rate limit; the key goes to res.locals. */
function authenticator(deps: Pick<ApiDeps, 'keys' | 'limiter'>) {
  return (scope: Scope) => (req: Request, res: Response, next: NextFunction) => {
    const header = req.get('authorization') ?? '';
    const presented = header.startsWith('Bearer ') ? header.slice(7) : (req.get('x-api-key') ?? '');
    if (!presented)
      return next(new HttpError(401, 'AUTH_REQUIRED', 'an API key is required: Authorization: Bearer <key>'));
    const key = deps.keys.authenticate(presented);
    if (!key) return next(new HttpError(401, 'AUTH_INVALID', 'unknown or revoked API key'));
    if (!key.scopes.includes(scope))
      return next(new HttpError(403, 'FORBIDDEN', `this key lacks the "${scope}" scope`));
    const rl = deps.limiter.take(key.id);
    if (!rl.ok) {
      res.setHeader('Retry-After', String(rl.retryAfterS));
      return next(new HttpError(429, 'RATE_LIMITED', `rate limit exceeded; retry in ${rl.retryAfterS} s`));
    }
    res.locals.key = key satisfies KeyRecord;
    next();
  };
}

/**
 * POST /v1/transactions: forwards the transaction to the scorer that owns its partition and answers
 * with its decision; when no owner can answer (none known, moving, restoring, dead), publishes it
 * and answers with the stream's decision, or with the fallback policy once the deadline passes.
 */
function submitTransaction(deps: ApiDeps, metrics: HttpMetrics) {
  const { waiter, router, config } = deps;
  return async (req: Request, res: Response): Promise<void> => {
    const t0 = performance.now();
    const answer = (s: ScoredTransaction, routed: Routed) =>
      void res.json({ ...toResponse(s, performance.now() - t0), routed });
    const tx = parse(transactionBody, req.body);
    const cached = waiter.get(tx.txId);
    if (cached) return answer(cached, 'cache');
    // A txId already on its way through Kafka from this process waits for that decision.
    if (router && !waiter.isSubmitted(tx.txId)) {
      const { result, attempts } = await router.route(tx, config.deadlineMs);
      attempts.forEach((outcome, i) => metrics.routed.inc({ route: i === 0 ? 'owner' : 'owner_retry', outcome }));
      if (result.kind === 'invalid') throw new HttpError(400, 'RECORD_INVALID', result.message);
      if (result.kind === 'decided') {
        // GET /v1/decisions and concurrent requests for this txId see it at once.
        waiter.deliver(result.scored);
        return answer(result.scored, 'owner');
      }
    }
    const scored = await viaKafka(deps, tx, Math.max(0, config.deadlineMs - (performance.now() - t0)));
    metrics.routed.inc({ route: 'kafka', outcome: scored ? 'decided' : 'deadline' });
    if (scored) return answer(scored, 'kafka');
    metrics.fallbacks.inc();
    const decision = tx.amount < config.fallbackApproveUnder ? 'APPROVE' : 'REVIEW';
    const fallback: DecisionResponse = {
      txId: tx.txId,
      decision,
      score: null,
      reasons: [],
      rulesFired: ['fallback:deadline'],
      modelVersion: null,
      fallback: true,
      latencyMs: performance.now() - t0,
      routed: 'kafka',
    };
    res.json(fallback);
  };
}

/**
 * Publishes the transaction (once per process) and waits up to `waitMs` for its decision on
 * `scored`. A payment an owner wrote before it failed to answer is published again: the scorer
 * dead-letters the copy as DUPLICATE_TX_ID, and the owner's decision arrives on `scored` by txId.
 */
async function viaKafka(deps: ApiDeps, tx: Transaction, waitMs: number): Promise<ScoredTransaction | undefined> {
  const { waiter } = deps;
  const pending = waiter.wait(tx.txId, waitMs);
  let recorded: Promise<ScoredTransaction | undefined> = Promise.resolve(undefined);
  if (waiter.markSubmitted(tx.txId)) {
    // A txId this process has not seen may still have been decided before (a client's retry
    // after an API restart): the warehouse is asked beside the publish, never in front of it.
    // In front, the lookup cost every new transaction 130 ms at the median under load (bench
    // api: 110 -> 177 req/s without it). A retry that the warehouse knows is answered from it;
    // its republished copy is dead-lettered by the scorer as DUPLICATE_TX_ID.
    recorded = deps.lookupDecision(tx.txId).catch(() => undefined);
    try {
      await deps.publishTransaction(tx);
    } catch (err: unknown) {
      waiter.forgetSubmitted(tx.txId);
      throw err;
    }
  }
  return Promise.race([pending, recorded.then((r) => r ?? pending)]);
}

function getDecision(deps: ApiDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const txId = String(req.params.txId);
    if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(txId))
      throw new HttpError(400, 'INVALID_TXID', 'txId: letters, digits and _ . : - only, at most 128', 'txId');
    const s = deps.waiter.get(txId) ?? (await deps.lookupDecision(txId));
    if (!s) throw new HttpError(404, 'NOT_FOUND', `no recorded decision for txId ${txId}`);
    res.json(toResponse(s, 0));
  };
}

function addServiceRoutes(app: express.Express, deps: ApiDeps): void {
  app.get('/health', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/ready', async (_req, res) => {
    const r = await deps.ready();
    res.status(r.ok ? 200 : 503).json(r);
  });
  app.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', deps.registry.contentType);
    res.send(await deps.registry.metrics());
  });
}

/** The OpenAPI document and Swagger UI served from the package's own files. */
function addDocsRoutes(app: express.Express, publicUrl: string): void {
  const openapi = buildOpenApi(publicUrl);
  app.get('/openapi.json', (_req, res) => void res.json(openapi));
  app.get('/docs', (_req, res) => {
    res.setHeader(
      'Content-Security-Policy',
      "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'",
    );
    res.type('html').send(DOCS_HTML);
  });
  app.get(
    '/docs/init.js',
    (_req, res) => void res.type('js').send("window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui' });"),
  );
  app.use('/docs/assets', express.static(swaggerUi.getAbsoluteFSPath(), { index: false }));
}

/** Our HttpErrors and body-parser's failures as their status; anything else is logged and a 503. */
function errorHandler(deps: Pick<ApiDeps, 'logger' | 'config'>) {
  return (err: unknown, _req: Request, res: Response, _next: NextFunction): void => {
    if (err instanceof HttpError) return void res.status(err.status).json(body(err.code, err.message, err.field));
    const e = err as { type?: string; status?: number };
    if (e.type === 'entity.too.large')
      return void res.status(413).json(body('BODY_TOO_LARGE', `body larger than ${deps.config.bodyLimit}`));
    if (e.type === 'entity.parse.failed')
      return void res.status(400).json(body('INVALID_JSON', 'the body is not valid JSON'));
    if (e.type === 'charset.unsupported' || e.type === 'encoding.unsupported')
      return void res.status(415).json(body('UNSUPPORTED_ENCODING', 'send UTF-8 JSON'));
    deps.logger.error({ err }, 'request failed');
    res.status(503).json(body('UNAVAILABLE', 'the decision service could not complete the request; retry'));
  };
}

const DOCS_HTML = `<!doctype html><html><head><meta charset="utf-8"><title>Fraud decision API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="ui"></div><script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script></body></html>`;
