import http from 'node:http';
import { FraudError, errorMessage, type Logger } from '@fraud/common';
import { partitionFor, type OwnerMap } from '@fraud/kafka';
import type { EventSlice, FeatureViews, KeyLookup } from '@fraud/model';
import type { ScorerMetrics } from '../metrics.ts';
import type { EntityOwners } from './owner.ts';
import { decodeSlices, encodeRequest, type LookupAnswer, type LookupRequest, type LookupStatus } from './protocol.ts';

export interface EntityGatherDeps {
  /** This instance's owners (local partitions are read in process). */
  owners: EntityOwners;
  /** Partitions of `transactions` and `entity-events`. */
  partitions: number;
  /** The scoring group's owner map with each member's advertised URL (readOwners). */
  readOwners(): Promise<OwnerMap>;
  metrics: ScorerMetrics;
  logger: Logger;
  /** Least time between two owner-map reads forced by failed lookups. */
  minRefreshGapMs?: number;
}

export interface GatherResult {
  /** 'lagging' when some owner could not promise every event before t (or did not answer in time). */
  status: LookupStatus;
}

export interface EntityGather {
  /**
   * Fills `views` (a chunk's private views of one spec) with the events its lookups need, asking
   * each entity partition's owner once: in process when this instance owns it, else over HTTP.
   * Each owner first waits (at most waitMs) until it holds every event before t.
   *
   * A key of an owner in this process is not copied: the private view shares the owner's event
   * list (its arrays), as the global view's chunks read the shared view. Lookups read events
   * strictly before t, so the owner's newer events change nothing, and the chunk's own payments
   * folded into the private view land in the owner's list as the copies will (held once by
   * (eventTime, txId)). Copying them cost a slice per key per chunk, and the chunk's own payment
   * then grew the exact-size copy: the allocations that made the partitioned state promote ~5 MB/s
   * more than the global view at 2k tx/s and collect its old generation twice as often.
   */
  gather(
    spec: string,
    views: FeatureViews,
    lookups: readonly KeyLookup[],
    at: { t: number; appendedBy: number; waitMs: number },
  ): Promise<GatherResult>;
  stop(): void;
}

/** Pause before asking again an owner that is reading its history or a map that is being rebuilt. */
const RETRY_PAUSE_MS = 25;
/** Extra time a remote answer may take beyond the owner's own wait (the round trip and a busy event loop). */
const ROUND_TRIP_GRACE_MS = 2_000;

export function createEntityGather(deps: EntityGatherDeps): EntityGather {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const minGap = deps.minRefreshGapMs ?? 100;
  let map: OwnerMap | undefined;
  let reading: Promise<OwnerMap | undefined> | null = null;
  const refresh = (force: boolean): Promise<OwnerMap | undefined> => {
    if (reading !== null) return reading;
    if (!force && map !== undefined) return Promise.resolve(map);
    if (force && map !== undefined && Date.now() - map.readAt < minGap) return Promise.resolve(map);
    reading = deps
      .readOwners()
      .then(
        (m) => (map = m),
        (err: unknown) => {
          deps.logger.warn({ err: errorMessage(err) }, 'entity lookups: reading the owner map failed');
          return map;
        },
      )
      .finally(() => (reading = null));
    return reading;
  };

  const remote = async (req: LookupRequest, deadline: number): Promise<LookupAnswer | 'retry'> => {
    const owner = (await refresh(false))?.owners.get(req.partition);
    if (owner?.decideUrl == null) {
      await refresh(true);
      return 'retry';
    }
    const timeoutMs = Math.max(1, Math.min(deadline - Date.now(), req.waitMs + ROUND_TRIP_GRACE_MS));
    try {
      const { status, body } = await post(agent, `${owner.decideUrl}/v1/entity-lookup`, encodeRequest(req), timeoutMs);
      if (status === 200) {
        const decoded = decodeSlices(body, req.keys.length);
        return { kind: 'answer', ...decoded };
      }
      if (status === 421) {
        await refresh(true);
        return 'retry';
      }
      if (status === 503)
        return { kind: 'not_ready', why: String((body as { error?: { message?: string } })?.error?.message) };
      throw new Error(`HTTP ${status}: ${JSON.stringify(body).slice(0, 200)}`);
    } catch (err: unknown) {
      deps.logger.warn(
        { err: errorMessage(err), partition: req.partition, owner: owner.decideUrl },
        'entity lookup failed',
      );
      await refresh(true);
      return 'retry';
    }
  };

  /** One entity partition's answer, retried (refreshed map, owner reading its history) until the deadline. */
  const ask = async (req: LookupRequest, deadline: number): Promise<LookupAnswer | null> => {
    for (;;) {
      let answer: LookupAnswer | 'retry';
      const local = await deps.owners.lookup(req, { live: true });
      if (local.kind === 'not_owner') {
        deps.metrics.entity.lookupKeys.inc({ where: 'remote' }, req.keys.length);
        answer = await remote(req, deadline);
      } else {
        deps.metrics.entity.lookupKeys.inc({ where: 'local' }, req.keys.length);
        answer = local;
      }
      if (answer !== 'retry' && answer.kind === 'answer') return answer;
      if (answer !== 'retry') deps.metrics.entity.lookups.inc({ outcome: answer.kind });
      if (Date.now() + RETRY_PAUSE_MS >= deadline) return null;
      await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS));
    }
  };

  return {
    async gather(spec, views, lookups, at) {
      if (lookups.length === 0) return { status: 'ready' };
      const t0 = performance.now();
      const byPartition = new Map<number, KeyLookup[]>();
      for (const l of lookups) {
        const q = partitionFor(l.key, deps.partitions);
        const list = byPartition.get(q);
        if (list === undefined) byPartition.set(q, [l]);
        else list.push(l);
      }
      const deadline = Date.now() + at.waitMs + ROUND_TRIP_GRACE_MS;
      const answers = await Promise.all(
        [...byPartition].map(async ([partition, keys]) => {
          const req: LookupRequest = { spec, partition, t: at.t, appendedBy: at.appendedBy, waitMs: at.waitMs, keys };
          const answer = await ask(req, deadline);
          return { keys, answer };
        }),
      );
      const missing = answers.filter((a) => a.answer === null || a.answer.kind !== 'answer');
      if (missing.length > 0) {
        // No owner answered (it died and its partitions are not reassigned yet, or it is still
        // reading its history): scoring without those keys would silently differ from offline, so
        // the chunk fails and is retried (the caller's task is rebuilt; the API falls back).
        deps.metrics.entity.lookups.inc({ outcome: 'failed' }, missing.length);
        const qs = missing.map((m) => partitionFor(m.keys[0]!.key, deps.partitions));
        throw new FraudError(
          'TIMEOUT',
          `entity partition(s) ${qs.join(', ')}: no owner answered within ${at.waitMs + ROUND_TRIP_GRACE_MS} ms ` +
            '(an owner died or is reading its history); the chunk is retried',
          { retriable: true },
        );
      }
      let status: LookupStatus = 'ready';
      for (const { keys, answer } of answers) {
        if (answer === null || answer.kind !== 'answer') continue;
        deps.metrics.entity.lookups.inc({ outcome: answer.status });
        if (answer.status === 'lagging') status = 'lagging';
        keys.forEach((k, i) => {
          const slice = answer.slices[i] as EventSlice | null | undefined;
          if (slice) views.putSlice(k.store, k.key, slice);
        });
      }
      deps.metrics.entity.gatherSeconds.observe((performance.now() - t0) / 1000);
      return { status };
    },
    stop() {
      agent.destroy();
    },
  };
}

function post(
  agent: http.Agent,
  url: string,
  body: string,
  timeoutMs: number,
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve({
              status: res.statusCode ?? 0,
              body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown,
            });
          } catch (err: unknown) {
            reject(err);
          }
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
