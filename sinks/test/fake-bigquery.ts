import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local HTTP server speaking the slice of the BigQuery REST API (v2) the sink uses, so the
 * contract tests can assert the exact requests the real client library sends. Every request is
 * recorded; responses come from a scripted handler, defaulting to the real API's answers.
 */
export interface RecordedRequest {
  method: string;
  path: string;
  search: string;
  authorization: string | undefined;
  body: unknown;
}

export type Reply = { status: number; body: unknown };
export type Script = (req: RecordedRequest) => Reply | undefined;

export interface FakeBigQuery {
  url: string;
  requests: RecordedRequest[];
  /** Scripts run first (newest first); returning undefined falls through to the defaults. */
  script(fn: Script): void;
  close(): Promise<void>;
}

export async function startFakeBigQuery(project: string): Promise<FakeBigQuery> {
  const requests: RecordedRequest[] = [];
  const scripts: Script[] = [];
  const datasets = new Set<string>();
  const tables = new Map<string, unknown>();
  const base = `/bigquery/v2/projects/${project}`;

  const defaults = (r: RecordedRequest): Reply => {
    const ds = r.path.match(new RegExp(`^${base}/datasets/([^/]+)$`));
    if (r.method === 'GET' && ds)
      return datasets.has(ds[1]!)
        ? {
            status: 200,
            body: { id: `${project}:${ds[1]}`, datasetReference: { projectId: project, datasetId: ds[1] } },
          }
        : notFound(`Dataset ${project}:${ds[1]}`);
    if (r.method === 'POST' && r.path === `${base}/datasets`) {
      const id = (r.body as { datasetReference: { datasetId: string } }).datasetReference.datasetId;
      datasets.add(id);
      return { status: 200, body: r.body };
    }
    const tb = r.path.match(new RegExp(`^${base}/datasets/([^/]+)/tables/([^/]+)$`));
    if (r.method === 'GET' && tb)
      return tables.has(`${tb[1]}.${tb[2]}`)
        ? { status: 200, body: tables.get(`${tb[1]}.${tb[2]}`) }
        : notFound(`Table ${project}:${tb[1]}.${tb[2]}`);
    if (r.method === 'PATCH' && tb) {
      const merged = { ...(tables.get(`${tb[1]}.${tb[2]}`) ?? {}), ...(r.body as object) };
      tables.set(`${tb[1]}.${tb[2]}`, merged);
      return { status: 200, body: merged };
    }
    const tc = r.path.match(new RegExp(`^${base}/datasets/([^/]+)/tables$`));
    if (r.method === 'POST' && tc) {
      const id = (r.body as { tableReference: { tableId: string } }).tableReference.tableId;
      tables.set(`${tc[1]}.${id}`, r.body);
      return { status: 200, body: r.body };
    }
    if (r.method === 'POST' && /\/insertAll$/.test(r.path))
      return { status: 200, body: { kind: 'bigquery#tableDataInsertAllResponse' } };
    return { status: 400, body: { error: { code: 400, message: `fake BigQuery: unexpected ${r.method} ${r.path}` } } };
  };

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const text = await readBody(req);
    const rec: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      search: url.search,
      authorization: req.headers.authorization,
      body: text ? (JSON.parse(text) as unknown) : undefined,
    };
    requests.push(rec);
    let reply: Reply | undefined;
    for (const s of [...scripts].reverse()) if ((reply = s(rec))) break;
    reply ??= defaults(rec);
    res.writeHead(reply.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(reply.body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script: (fn) => void scripts.push(fn),
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function notFound(what: string): Reply {
  return {
    status: 404,
    body: {
      error: {
        code: 404,
        message: `Not found: ${what}`,
        errors: [{ reason: 'notFound', message: `Not found: ${what}` }],
        status: 'NOT_FOUND',
      },
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
