/**
 * One phase of `npm run bench -- api`'s load generator, in a process of its own:
 * `node --import tsx bench/lib/load-child.ts SPEC` (SPEC: a ChildSpec as JSON, bench/lib/load-phase.ts).
 * A short unmeasured warm-up (JIT, first connections: at most 200 req/s, so it barely loads the system
 * under test), then one open-loop phase (bench/lib/open-loop.ts); prints the phase as JSON on stdout
 * and writes each answered decision as a `txId,decision` line to the spec's answersFile once the
 * phase is over. Nothing else lives in this heap, so a GC pause or event-loop stall measured here is
 * the load generator's own.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Agent, setGlobalDispatcher } from 'undici';
import type { Transaction } from '@fraud/schemas';
import { openLoop, type Outcome } from './open-loop.ts';
import type { ChildSpec, Pool } from './load-phase.ts';

type Call = (i: number) => Promise<Outcome>;

/** POST /v1/transactions on the decision API, as a payment switch would; or /v1/decide straight at an owner. */
function caller(spec: ChildSpec, pool: Pool, tag: string, answers: string[] | undefined): Call {
  const next = (i: number): [Transaction, number] => {
    const j = i % pool.transactions.length;
    return [
      { ...pool.transactions[j]!, txId: `${spec.prefix}${tag}-${i}`, eventTime: Date.now() },
      pool.partitions[j]!,
    ];
  };
  const target = spec.target;
  if (target.kind === 'api') {
    return async (i) => {
      const [tx] = next(i);
      const res = await fetch(`${target.url}/v1/transactions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${target.key}`, 'content-type': 'application/json' },
        body: JSON.stringify(tx),
        signal: AbortSignal.timeout(5_000),
      });
      if (res.status !== 200) return { ok: false, fallback: false };
      const body = (await res.json()) as { fallback: boolean; routed?: string; decision: string };
      if (!body.fallback) answers?.push(`${tx.txId},${body.decision}`);
      return { ok: true, fallback: body.fallback, routed: body.routed, decision: body.decision };
    };
  }
  return async (i) => {
    const [tx, partition] = next(i);
    const res = await fetch(`${target.urls[partition]}/v1/decide`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ transaction: tx }),
      signal: AbortSignal.timeout(5_000),
    });
    const body = (await res.json()) as { scored?: { decision: string } };
    if (res.status === 200) answers?.push(`${tx.txId},${body.scored!.decision}`);
    return { ok: res.status === 200, fallback: false, routed: 'owner' };
  };
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '') as ChildSpec;
  setGlobalDispatcher(new Agent({ connections: 512, pipelining: 1, keepAliveTimeout: 30_000 }));
  const pool = JSON.parse(readFileSync(spec.poolFile, 'utf8')) as Pool;
  const answers = spec.answersFile ? [] : undefined;
  const warmUp = caller(spec, pool, `${spec.tag}w`, answers);
  if (spec.warmUpS > 0) await openLoop(Math.min(spec.rate, 200), spec.warmUpS, warmUp);
  const phase = await openLoop(spec.rate, spec.seconds, caller(spec, pool, spec.tag, answers), {
    ...spec.procs,
    load_generator: process.pid,
  });
  if (spec.answersFile) writeFileSync(spec.answersFile, answers!.join('\n'));
  // Exits at once: the agent's idle keep-alive connections would hold the process for 30 s.
  process.stdout.write(`${JSON.stringify(phase)}\n`, () => process.exit(0));
}

main().catch((err: unknown) => {
  process.stderr.write(`load child failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
