import { errorMessage, type Logger } from '@fraud/common';
import express, { type NextFunction, type Request, type Response } from 'express';
import { basicAuth, type RegistryUser } from './auth.ts';
import { REGISTRY_CONTENT_TYPE, RegistryError } from './errors.ts';
import type { RegistryService } from './service.ts';

/**
 * The Confluent schema-registry REST API (the part clients use), over a RegistryService.
 * Requests are parsed as JSON whatever their content type (clients send
 * application/vnd.schemaregistry.v1+json, application/json, or curl's form default);
 * responses are application/vnd.schemaregistry.v1+json.
 */
const CONTENT_TYPE = REGISTRY_CONTENT_TYPE;
export const MAX_BODY_BYTES = 1024 * 1024;

function send(res: Response, body: unknown, status = 200): void {
  res.status(status).type(CONTENT_TYPE).send(JSON.stringify(body));
}

const flag = (v: unknown): boolean => v === 'true';
const param = (req: Request, name: string): string => String(req.params[name] ?? '');

interface SchemaBody {
  schema?: unknown;
  schemaType?: unknown;
  references?: unknown;
  compatibility?: unknown;
}

function body(req: Request): SchemaBody {
  const b: unknown = req.body;
  if (b === null || typeof b !== 'object' || Array.isArray(b)) {
    throw new RegistryError(
      400,
      'Request body must be a JSON object, e.g. {"schema": "<Avro schema JSON as a string>"}',
    );
  }
  return b as SchemaBody;
}

/** The schema text of a register/lookup/compatibility body; only self-contained Avro schemas. */
function schemaOf(req: Request): unknown {
  const b = body(req);
  if (b.schemaType !== undefined && b.schemaType !== null && b.schemaType !== 'AVRO') {
    throw new RegistryError(
      42201,
      `Invalid schema: schemaType ${JSON.stringify(b.schemaType)} is not supported; this registry stores AVRO schemas`,
    );
  }
  if (Array.isArray(b.references) && b.references.length > 0) {
    throw new RegistryError(42201, 'Invalid schema: schema references are not supported; inline the referenced types');
  }
  return b.schema;
}

export function createRoutes(
  service: RegistryService,
  logger: Logger,
  users?: readonly RegistryUser[],
): express.Express {
  const app = express();
  app.disable('x-powered-by');
  if (users !== undefined && users.length > 0) app.use(basicAuth(users, logger));
  app.use(express.json({ limit: MAX_BODY_BYTES, type: () => true, strict: false }));

  app.get('/', (_req, res) => send(res, {}));
  app.get('/schemas/types', (_req, res) => send(res, ['AVRO']));
  app.get('/mode', (_req, res) => send(res, { mode: 'READWRITE' }));

  app.get('/schemas/ids/:id', async (req, res) =>
    send(res, { schema: await service.schemaById(schemaId(param(req, 'id'))) }),
  );
  app.get('/schemas/ids/:id/versions', async (req, res) =>
    send(res, await service.subjectsOf(schemaId(param(req, 'id')))),
  );

  app.get('/subjects', (req, res) => send(res, service.subjects(flag(req.query.deleted))));
  app.post('/subjects/:subject/versions', async (req, res) => {
    const { id } = await service.register(param(req, 'subject'), schemaOf(req));
    send(res, { id });
  });
  app.post('/subjects/:subject', async (req, res) => {
    const e = await service.lookup(param(req, 'subject'), schemaOf(req), flag(req.query.deleted));
    send(res, { subject: e.subject, id: e.id, version: e.version, schema: e.schema });
  });
  app.get('/subjects/:subject/versions', async (req, res) =>
    send(res, await service.versions(param(req, 'subject'), flag(req.query.deleted))),
  );
  app.get('/subjects/:subject/versions/:version', async (req, res) => {
    const e = await service.version(param(req, 'subject'), param(req, 'version'), flag(req.query.deleted));
    send(res, { subject: e.subject, id: e.id, version: e.version, schema: e.schema });
  });
  app.get('/subjects/:subject/versions/:version/schema', async (req, res) => {
    const e = await service.version(param(req, 'subject'), param(req, 'version'), flag(req.query.deleted));
    res.status(200).type(CONTENT_TYPE).send(e.schema);
  });
  app.get('/subjects/:subject/versions/:version/referencedby', async (req, res) => {
    await service.version(param(req, 'subject'), param(req, 'version'), false);
    send(res, []);
  });
  app.delete('/subjects/:subject', async (req, res) =>
    send(res, await service.deleteSubject(param(req, 'subject'), flag(req.query.permanent))),
  );
  app.delete('/subjects/:subject/versions/:version', async (req, res) =>
    send(res, await service.deleteVersion(param(req, 'subject'), param(req, 'version'), flag(req.query.permanent))),
  );

  const compatibility = async (req: Request, res: Response, version: string | undefined) => {
    const reasons = await service.checkCompatibility(param(req, 'subject'), version, schemaOf(req));
    send(
      res,
      flag(req.query.verbose)
        ? { is_compatible: reasons.length === 0, messages: reasons }
        : { is_compatible: reasons.length === 0 },
    );
  };
  app.post('/compatibility/subjects/:subject/versions/:version', (req, res) =>
    compatibility(req, res, param(req, 'version')),
  );
  app.post('/compatibility/subjects/:subject/versions', (req, res) => compatibility(req, res, undefined));

  app.get('/config', (_req, res) => send(res, { compatibilityLevel: service.globalLevel() }));
  app.put('/config', async (req, res) =>
    send(res, { compatibility: await service.setGlobalLevel(body(req).compatibility) }),
  );
  app.get('/config/:subject', (req, res) =>
    send(res, { compatibilityLevel: service.subjectLevel(param(req, 'subject'), flag(req.query.defaultToGlobal)) }),
  );
  app.put('/config/:subject', async (req, res) =>
    send(res, { compatibility: await service.setSubjectLevel(param(req, 'subject'), body(req).compatibility) }),
  );
  app.delete('/config/:subject', async (req, res) =>
    send(res, { compatibilityLevel: await service.deleteSubjectLevel(param(req, 'subject')) }),
  );

  app.use((req, res) =>
    send(
      res,
      { error_code: 404, message: `HTTP 404 Not Found: ${req.method} ${req.path} is not a schema registry endpoint` },
      404,
    ),
  );
  // Express tells error handlers by their four parameters, hence the unused `_next`.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const e = toRegistryError(err);
    if (e.status >= 500) logger.error({ err, method: req.method, path: req.path }, 'schema registry request failed');
    send(res, e.toJSON(), e.status);
  });
  return app;
}

function schemaId(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) throw new RegistryError(40403, `Schema ${text} not found`);
  return n;
}

/** Body-parser failures carry `type`; everything unexpected is a store error (50001). */
function toRegistryError(err: unknown): RegistryError {
  if (err instanceof RegistryError) return err;
  const type = typeof err === 'object' && err !== null && 'type' in err ? (err as { type: unknown }).type : undefined;
  if (type === 'entity.too.large') return new RegistryError(413, `Request body is larger than ${MAX_BODY_BYTES} bytes`);
  if (type === 'entity.parse.failed')
    return new RegistryError(400, `Malformed JSON in the request body: ${errorMessage(err)}`);
  if (type === 'encoding.unsupported' || type === 'charset.unsupported')
    return new RegistryError(415, errorMessage(err));
  if (typeof type === 'string') return new RegistryError(400, errorMessage(err));
  return new RegistryError(50001, `Internal error: ${errorMessage(err)}`, { cause: err });
}
