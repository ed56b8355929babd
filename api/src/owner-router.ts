import http from 'node:http';
import https from 'node:https';
import { partitionFor, withDeadline, type OwnerMap, type PartitionOwner } from '@fraud/kafka';
import { errorMessage, type Logger } from '@fraud/common';
import { DECISIONS, type ScoredTransaction, type Transaction } from '@fraud/schemas';

/**
 * Forwards a payment to the scorer instance that owns its partition (the interactive-queries
 * pattern): the owner of partitionFor(originAccount) in the scorers' consumer group, read from the
 * group's member userData (readOwners in @fraud/kafka), answers POST {decideUrl}/v1/decide.
 *
 * The owner answers 200 with the decision (durable in Kafka before the answer), 421 NOT_OWNER (our
 * map is stale), 503 NOT_READY (it owns the partition but is still restoring), 400 RECORD_INVALID,
 * 409 DECIDED_BEFORE (a txId decided too long ago for its memory: the recorded decision answers). A
 * wrong owner, a dead one or an unreadable answer forces a refresh of the map and one retry
 * against the owner it names, within the deadline; everything else is left to the caller's Kafka
 * path (which also asks the warehouse for a recorded decision).
 */

/** How one forward ended; the metric's outcome label. */
export type OwnerOutcome =
  | 'decided'
  | 'invalid'
  | 'not_owner'
  | 'not_ready'
  | 'decided_before'
  | 'unreachable'
  | 'timeout'
  | 'bad_answer'
  | 'no_owner'
  | 'no_time';

export type RouteResult =
  | { kind: 'decided'; scored: ScoredTransaction; replayed: boolean; viewLagMs: number | null }
  | { kind: 'invalid'; message: string }
  | { kind: 'fallback' };

export interface RouteAnswer {
  result: RouteResult;
  /** The outcome of the first attempt and, when there was one, of the retry. */
  attempts: OwnerOutcome[];
}

export interface OwnerRouter {
  /** Forwards `tx` to its owner, retrying once after a refresh; never takes longer than `deadlineMs`. */
  route(tx: Transaction, deadlineMs: number): Promise<RouteAnswer>;
  /** Re-reads the owner map now (a failed read keeps the last map). */
  refresh(): Promise<OwnerMap | undefined>;
  current(): OwnerMap | undefined;
  stop(): void;
}

export interface OwnerRouterOptions {
  /** Reads the scorers' owner map (readOwners on the scorer group and `transactions`). */
  readOwners(): Promise<OwnerMap>;
  /** Period of the background refresh. */
  refreshMs: number;
  logger: Logger;
  /** Least time between two refreshes forced by failed forwards (a dead owner fails every request). */
  minForcedRefreshGapMs?: number;
  /** Kept-alive connections per owner. */
  maxSocketsPerOwner?: number;
}

/** The answer of one forward, before the router decides what to do with it. */
interface Attempt {
  outcome: OwnerOutcome;
  result?: RouteResult;
}

/** Outcomes after which a refreshed map and a second owner may do better. */
const RETRIABLE = new Set<OwnerOutcome>(['not_owner', 'unreachable', 'bad_answer', 'timeout']);
/** An owner idle this long after it left the map loses its kept-alive connections. */
const AGENT_IDLE_MS = 60_000;

export function createOwnerRouter(opts: OwnerRouterOptions): OwnerRouter {
  const { logger } = opts;
  const minGap = opts.minForcedRefreshGapMs ?? 50;
  const agents = new Map<string, { agent: http.Agent; lastUsed: number }>();
  let map: OwnerMap | undefined;
  /** When the read behind `map` started (Date.now()). */
  let mapStartedAt = -Infinity;
  let inflight: Promise<OwnerMap | undefined> | undefined;
  let lastForcedAt = -Infinity;
  let failing = false;

  const read = (): Promise<OwnerMap | undefined> => {
    const startedAt = Date.now();
    const done = opts.readOwners().then(
      (m) => {
        failing = false;
        // Two reads may overlap (an explicit refresh() beside the timer's): the later start wins.
        if (startedAt >= mapStartedAt) [map, mapStartedAt] = [m, startedAt];
        return map;
      },
      (err: unknown) => {
        if (!failing) logger.warn({ err: errorMessage(err) }, 'reading the scorer owners failed; keeping the last map');
        failing = true;
        return map;
      },
    );
    inflight = done;
    void done.finally(() => {
      if (inflight === done) inflight = undefined;
    });
    return done;
  };

  /**
   * A map read no earlier than `since`, or the read in flight (one at a time: with the broker slow
   * to answer, failing requests must not pile reads up), or the current map when a forced read
   * started less than minGap ago.
   */
  const refreshSince = (since: number): Promise<OwnerMap | undefined> => {
    if (mapStartedAt >= since) return Promise.resolve(map);
    if (inflight) return inflight;
    const now = Date.now();
    if (now - lastForcedAt < minGap) return Promise.resolve(map);
    lastForcedAt = now;
    return read();
  };

  const agentFor = (url: string, now: number): http.Agent => {
    let entry = agents.get(url);
    if (!entry) {
      const Agent = url.startsWith('https:') ? https.Agent : http.Agent;
      const agent = new Agent({ keepAlive: true, keepAliveMsecs: 1_000, maxSockets: opts.maxSocketsPerOwner ?? 64 });
      agents.set(url, (entry = { agent, lastUsed: now }));
    }
    entry.lastUsed = now;
    return entry.agent;
  };

  const pruneAgents = () => {
    const live = new Set([...(map?.owners.values() ?? [])].map((o) => o.decideUrl));
    const now = Date.now();
    for (const [url, entry] of agents) {
      if (live.has(url) || now - entry.lastUsed < AGENT_IDLE_MS) continue;
      entry.agent.destroy();
      agents.delete(url);
    }
  };

  const timer = setInterval(() => {
    if (!inflight) void read().then(pruneAgents);
  }, opts.refreshMs);
  timer.unref();

  const ownerOf = (m: OwnerMap | undefined, key: string): PartitionOwner | undefined =>
    m && m.partitions > 0 ? m.owners.get(partitionFor(key, m.partitions)) : undefined;

  return {
    async route(tx, deadlineMs) {
      const deadlineAt = performance.now() + deadlineMs;
      const left = () => deadlineAt - performance.now();
      const first = ownerOf(map, tx.originAccount);
      if (!first?.decideUrl) return { result: { kind: 'fallback' }, attempts: ['no_owner'] };
      const a = await forward(first.decideUrl, tx, left(), agentFor(first.decideUrl, Date.now()));
      if (a.result && !RETRIABLE.has(a.outcome)) return { result: a.result, attempts: [a.outcome] };
      if (!RETRIABLE.has(a.outcome)) return { result: { kind: 'fallback' }, attempts: [a.outcome] };

      const failedAt = Date.now();
      // refreshSince never rejects (a failed read keeps the last map): a rejection is the deadline.
      const fresh =
        left() > 1
          ? await withDeadline(refreshSince(failedAt), left(), 'reading the scorer owners').catch(() => undefined)
          : undefined;
      const next = ownerOf(fresh, tx.originAccount);
      // The same owner answers the same, except when the connection failed (a kept-alive socket the
      // owner had closed, or an owner restarted at the same address): that one is worth a retry.
      const same = next?.memberId === first.memberId && next.decideUrl === first.decideUrl;
      if (!next?.decideUrl || (same && a.outcome !== 'unreachable'))
        return { result: { kind: 'fallback' }, attempts: [a.outcome] };
      if (left() < 1) return { result: { kind: 'fallback' }, attempts: [a.outcome, 'no_time'] };
      const b = await forward(next.decideUrl, tx, left(), agentFor(next.decideUrl, Date.now()));
      return { result: b.result ?? { kind: 'fallback' }, attempts: [a.outcome, b.outcome] };
    },
    refresh: read,
    current: () => map,
    stop() {
      clearInterval(timer);
      for (const { agent } of agents.values()) agent.destroy();
      agents.clear();
    },
  };
}

/** POST {decideUrl}/v1/decide; settles within `timeoutMs` whatever the owner does. */
function forward(decideUrl: string, tx: Transaction, timeoutMs: number, agent: http.Agent): Promise<Attempt> {
  if (timeoutMs < 1) return Promise.resolve({ outcome: 'no_time' });
  const body = JSON.stringify({ transaction: tx, deadlineMs: Math.floor(timeoutMs) });
  const url = `${decideUrl.replace(/\/+$/, '')}/v1/decide`;
  return new Promise<Attempt>((resolve) => {
    let settled = false;
    const settle = (a: Attempt) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(a);
    };
    let req: http.ClientRequest;
    try {
      req = (url.startsWith('https:') ? https : http).request(
        url,
        {
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => settle(interpret(res.statusCode ?? 0, Buffer.concat(chunks), tx.txId)));
          res.on('error', () => settle({ outcome: 'unreachable' }));
        },
      );
    } catch {
      // A decideUrl that is not a URL: the owner's misconfiguration, treated as an unusable answer.
      return resolve({ outcome: 'bad_answer' });
    }
    // The owner is abandoned at the deadline; if it decided anyway, the decision is on `scored` and
    // the Kafka path's copy of the payment is dead-lettered as a duplicate.
    const timer = setTimeout(() => {
      settle({ outcome: 'timeout' });
      req.destroy();
    }, timeoutMs);
    req.on('error', () => settle({ outcome: 'unreachable' }));
    req.end(body);
  });
}

interface DecideAnswer {
  scored?: ScoredTransaction;
  replayed?: unknown;
  viewLagMs?: unknown;
  error?: { code?: unknown; message?: unknown };
}

function interpret(status: number, raw: Buffer, txId: string): Attempt {
  let answer: DecideAnswer;
  try {
    answer = JSON.parse(raw.toString('utf8')) as DecideAnswer;
    if (typeof answer !== 'object' || answer === null) return { outcome: 'bad_answer' };
  } catch {
    // Not JSON: not our scorer (or a proxy's error page).
    return { outcome: 'bad_answer' };
  }
  const code = answer.error?.code;
  if (status === 200) {
    const s = answer.scored;
    if (s?.transaction?.txId !== txId || !DECISIONS.includes(s.decision)) return { outcome: 'bad_answer' };
    const viewLagMs = typeof answer.viewLagMs === 'number' ? answer.viewLagMs : null;
    return {
      outcome: 'decided',
      result: { kind: 'decided', scored: s, replayed: answer.replayed === true, viewLagMs },
    };
  }
  if (status === 421 && code === 'NOT_OWNER') return { outcome: 'not_owner' };
  if (status === 503 && code === 'NOT_READY') return { outcome: 'not_ready' };
  if (status === 409 && code === 'DECIDED_BEFORE') return { outcome: 'decided_before' };
  if (status === 400 && code === 'RECORD_INVALID') {
    const message = typeof answer.error?.message === 'string' ? answer.error.message : 'the payment is invalid';
    return { outcome: 'invalid', result: { kind: 'invalid', message } };
  }
  return { outcome: 'bad_answer' };
}
