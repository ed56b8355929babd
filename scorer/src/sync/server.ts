import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { errorMessage, type Logger } from '@fraud/common';
import type { Transaction } from '@fraud/schemas';
import type { SyncAnswer, SyncDecider } from './decider.ts';
import { decodeRequest, encodeSlices, type LookupAnswer, type LookupRequest } from '../entity/protocol.ts';

const BODY_LIMIT = 256 * 1024;

export interface DecideServer {
  /** The URL this instance advertises (http://host:port). */
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface DecideServerOptions {
  host: string;
  port: number;
  /** The host written into the advertised URL (the bind address when absent). */
  advertisedHost?: string;
  /** The decider, once the scorer has one; until then every request is answered NOT_READY. Null: decide disabled. */
  decider: () => SyncDecider | null;
  /** False: the server only answers entity lookups (SCORER_DECIDE_ENABLED=false); decide answers 404. */
  decideEnabled?: boolean;
  /** Entity lookups on the partitions this instance owns (SCORER_ENTITY_STATE=partitioned); absent: no route. */
  lookup?: (req: LookupRequest) => Promise<LookupAnswer>;
  logger: Logger;
}

/**
 * The decide endpoint of one scorer instance: `POST /v1/decide` with `{"transaction": {...}}`
 * answers the owner's decision (200), or NOT_OWNER (421), NOT_READY (503), RECORD_INVALID (400).
 * Internal: the decision API is its client, over kept-alive connections (docs/api.md). Plain
 * node:http, no framework: it sits on the synchronous path of every forwarded payment.
 */
export async function startDecideServer(opts: DecideServerOptions): Promise<DecideServer> {
  const server: Server = createServer((req, res) => void handle(req, res, opts));
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${advertised(opts)}:${port}`;
  return {
    url,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The advertised host: as configured; else the bind address, or this machine's name when bound to all. */
function advertised(opts: DecideServerOptions): string {
  if (opts.advertisedHost !== undefined) return opts.advertisedHost;
  return opts.host === '0.0.0.0' || opts.host === '::' ? hostname() : opts.host;
}

async function handle(req: IncomingMessage, res: ServerResponse, opts: DecideServerOptions): Promise<void> {
  try {
    if (req.method === 'POST' && req.url === '/v1/entity-lookup' && opts.lookup !== undefined) {
      return await entityLookup(req, res, opts.lookup);
    }
    if (opts.decideEnabled === false && req.url === '/v1/decide') {
      const message = 'decisions are not served by this instance (SCORER_DECIDE_ENABLED=false): use the Kafka path';
      return send(res, 404, { error: { code: 'NOT_FOUND', message } });
    }
    if (req.method !== 'POST' || req.url !== '/v1/decide') {
      const routes = opts.lookup === undefined ? 'POST /v1/decide' : 'POST /v1/decide and POST /v1/entity-lookup';
      return send(res, 404, { error: { code: 'NOT_FOUND', message: `${routes} are the routes here` } });
    }
    const body = await readJson(req);
    const tx = (body as { transaction?: unknown } | null)?.transaction;
    if (typeof tx !== 'object' || tx === null || Array.isArray(tx)) {
      return send(res, 400, { error: { code: 'RECORD_INVALID', message: 'body: {"transaction": {...}} expected' } });
    }
    const decider = opts.decider();
    if (decider === null) {
      return send(res, 503, { error: { code: 'NOT_READY', message: 'the scorer is starting' } });
    }
    const answer: SyncAnswer = await decider.decide(tx as Transaction);
    if (answer.status === 200) {
      return send(res, 200, { scored: answer.scored, replayed: answer.replayed, viewLagMs: answer.viewLagMs ?? null });
    }
    return send(res, answer.status, { error: { code: answer.code, message: answer.message } });
  } catch (err: unknown) {
    if (err instanceof BadBody) return send(res, err.status, { error: { code: err.code, message: err.message } });
    opts.logger.error({ err: errorMessage(err) }, 'decide request failed');
    return send(res, 503, { error: { code: 'NOT_READY', message: `the decision failed: ${errorMessage(err)}` } });
  }
}

/**
 * Internal: another scorer instance's chunk asks for the events of the keys it reads in an entity
 * partition this instance owns (docs/scorer.md, "Entity state partitioned by Kafka"). 200 with the
 * slices, 421 NOT_OWNER, 503 NOT_READY (reading its history, or the spec is not running here),
 * 400 with what is wrong with the request.
 */
async function entityLookup(
  req: IncomingMessage,
  res: ServerResponse,
  lookup: (r: LookupRequest) => Promise<LookupAnswer>,
): Promise<void> {
  const request = decodeRequest(await readJson(req));
  if (typeof request === 'string') return send(res, 400, { error: { code: 'BAD_REQUEST', message: request } });
  const answer = await lookup(request);
  if (answer.kind === 'not_owner') {
    const message = `this scorer does not own entity partition ${request.partition}`;
    return send(res, 421, { error: { code: 'NOT_OWNER', message } });
  }
  if (answer.kind === 'not_ready') return send(res, 503, { error: { code: 'NOT_READY', message: answer.why } });
  const json = encodeSlices(answer.status, answer.slices);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

class BadBody extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > BODY_LIMIT) {
        reject(new BadBody(413, 'BODY_TOO_LARGE', `body larger than ${BODY_LIMIT} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(new BadBody(400, 'INVALID_JSON', 'the body is not valid JSON'));
      }
    });
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}
