import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Counter, Gauge, Histogram } from 'prom-client';
import { createLogger, createMetricsRegistry, waitFor } from '@fraud/common';
import { startPrometheus, stopPrometheus } from '@fraud/infra';
import { startSink, type RunningSink } from '../src/service.ts';
import { labelRecord, scoredRecord } from './fixtures.ts';
import { freePort, pipelineSlice, type PipelineSlice } from './helpers.ts';

const repoRoot = resolve(import.meta.dirname, '..', '..');
const N = 600;

interface Dashboard {
  title: string;
  panels: { title: string; targets: { expr: string }[] }[];
}

/** Grafana's built-in variables, as a 1 s scrape interval makes sense of them. */
function toPromQL(expr: string): string {
  return expr.replaceAll('$__rate_interval', '1m').replaceAll('$__range', '1h').replaceAll('$__interval', '5s');
}

/**
 * Stands in for the scorer's /metrics with the names the scorer exposes (its own tests prove it
 * really does); the sinks' metrics below come from a real run through Kafka.
 */
async function startScorerStandIn(): Promise<{ server: Server; target: string }> {
  const registry = createMetricsRegistry('scorer');
  const r = [registry];
  new Counter({ name: 'fraud_scorer_consumed_total', help: 'h', registers: r }).inc(N);
  new Counter({ name: 'fraud_scorer_scored_total', help: 'h', registers: r }).inc(N - 2);
  new Counter({ name: 'fraud_scorer_dead_lettered_total', help: 'h', registers: r }).inc(2);
  new Counter({ name: 'fraud_scorer_decisions_total', help: 'h', labelNames: ['decision', 'type'], registers: r })
    .labels('BLOCK', 'TRANSFER')
    .inc(3);
  for (const name of ['fraud_scorer_batch_seconds', 'fraud_scorer_tx_seconds', 'fraud_scorer_end_to_end_seconds'])
    new Histogram({ name, help: 'h', registers: r }).observe(0.004);
  new Histogram({ name: 'fraud_scorer_batch_size', help: 'h', buckets: [1, 10, 100, 1000], registers: r }).observe(64);
  new Gauge({ name: 'fraud_scorer_model_info', help: 'h', labelNames: ['version', 'role'], registers: r })
    .labels('m-1', 'CHAMPION')
    .set(1);
  new Gauge({ name: 'fraud_scorer_consumer_lag', help: 'h', labelNames: ['partition'], registers: r })
    .labels('0')
    .set(5);
  new Histogram({ name: 'fraud_scorer_dest_view_wait_seconds', help: 'h', registers: r }).observe(0.002);
  new Counter({ name: 'fraud_scorer_dest_view_lagging_batches_total', help: 'h', registers: r }).inc(0);
  new Gauge({ name: 'fraud_scorer_dest_view_size', help: 'h', labelNames: ['kind'], registers: r })
    .labels('events')
    .set(120);
  new Histogram({ name: 'fraud_scorer_entity_chunk_wait_seconds', help: 'h', registers: r }).observe(0.01);
  new Counter({ name: 'fraud_scorer_entity_lookups_total', help: 'h', labelNames: ['outcome'], registers: r })
    .labels('ready')
    .inc(40);
  new Counter({ name: 'fraud_scorer_entity_lagging_total', help: 'h', labelNames: ['path'], registers: r })
    .labels('chunk')
    .inc(0);
  new Counter({ name: 'fraud_scorer_entity_copies_written_total', help: 'h', registers: r }).inc(N);
  const server = createServer((_req, res) => {
    void registry.metrics().then((text) => {
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(text);
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { server, target: `127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('Grafana boards against a real Prometheus scraping a real pipeline slice', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sinks-prom-'));
  let slice: PipelineSlice;
  const sinks: RunningSink[] = [];
  let scorer: { server: Server; target: string };
  let promUrl = '';

  beforeAll(async () => {
    slice = await pipelineSlice('graf');
    const env = slice.env({
      WAREHOUSE_PATH: join(dir, 'w.duckdb'),
      LAG_INTERVAL_MS: '500',
      LIVE_FROM_BEGINNING: 'true',
    });
    const logger = createLogger('graf-test', 'warn');
    for (const kind of ['warehouse', 'metrics', 'live'] as const)
      sinks.push(await startSink(kind, { env, logger, codecs: slice.codecs }));
    scorer = await startScorerStandIn();

    const recs = Array.from({ length: N }, (_, i) =>
      scoredRecord(slice.prefix, i, { modelVersion: i < N / 2 ? 'm-1' : 'm-2' }),
    );
    await slice.sendScored(recs);
    await slice.sendRaw(slice.topics.scored, [Buffer.from('garbage')]);
    const metricsUrl = sinks[1]!.url;
    await waitFor(
      async () =>
        (await (await fetch(`${metricsUrl}/metrics`)).text()).includes(
          `fraud_sink_written_total{sink="metrics",table="scored",service="sink-metrics"} ${N}`,
        ),
      { timeoutMs: 60_000, intervalMs: 200, what: 'the metrics sink to count every scored record' },
    );
    await slice.sendLabels(Array.from({ length: N / 2 }, (_, i) => labelRecord(slice.prefix, i, i % 7 === 0)));
    await waitFor(
      async () =>
        (await (await fetch(`${metricsUrl}/metrics`)).text()).includes(
          `fraud_sink_written_total{sink="metrics",table="labels",service="sink-metrics"} ${N / 2}`,
        ),
      { timeoutMs: 60_000, intervalMs: 200, what: 'the metrics sink to join every label' },
    );

    const port = await freePort();
    const target = (u: string) => u.replace('http://', '');
    const started = await startPrometheus({
      dataDir: dir,
      port,
      scrapeInterval: '1s',
      targets: {
        scorer: [scorer.target],
        'sink-warehouse': [target(sinks[0]!.url)],
        'sink-metrics': [target(metricsUrl)],
        'sink-live': [target(sinks[2]!.url)],
      },
    });
    promUrl = started.url;
  });

  afterAll(async () => {
    await stopPrometheus({ dataDir: dir });
    for (const s of sinks) await s.stop();
    await new Promise<void>((r) => scorer.server.close(() => r()));
    await slice.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const query = async (q: string) => {
    const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(q)}`);
    return (await res.json()) as {
      status: string;
      error?: string;
      data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
    };
  };

  it('every panel query of both boards succeeds and returns series', { timeout: 120_000 }, async () => {
    // Enough scrapes of every target for rate() over the window.
    await waitFor(
      async () => {
        const r = await query('min(count_over_time(up[1m]))');
        return Number(r.data?.result[0]?.value[1] ?? 0) >= 4;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'four scrapes of every target' },
    );
    const up = await query('up');
    expect(up.data?.result.map((s) => `${s.metric.job}=${s.value[1]}`).sort()).toEqual([
      'scorer=1',
      'sink-live=1',
      'sink-metrics=1',
      'sink-warehouse=1',
    ]);

    const failures: string[] = [];
    let checked = 0;
    for (const file of ['technical.json', 'business.json']) {
      const board = JSON.parse(
        readFileSync(join(repoRoot, 'infra', 'grafana', 'dashboards', file), 'utf8'),
      ) as Dashboard;
      for (const panel of board.panels) {
        for (const t of panel.targets) {
          checked++;
          const r = await query(toPromQL(t.expr));
          if (r.status !== 'success') failures.push(`${file} "${panel.title}": ${t.expr} -> error ${r.error}`);
          else if (!r.data?.result.length) failures.push(`${file} "${panel.title}": ${t.expr} -> no series`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(30);

    // And the numbers behind the business board are the run's numbers.
    const decisions = await query('sum(fraud_decisions_total)');
    expect(Number(decisions.data?.result[0]?.value[1])).toBe(N);
    const fraudLabels = await query('sum(fraud_labels_total{is_fraud="true"})');
    expect(Number(fraudLabels.data?.result[0]?.value[1])).toBe(
      Array.from({ length: N / 2 }, (_, i) => i).filter((i) => i % 7 === 0).length,
    );
    const dlq = await query('sum(fraud_sink_dead_lettered_total)');
    expect(Number(dlq.data?.result[0]?.value[1])).toBe(3); // the garbage record, once per sink reading scored
    const versions = await query('count(fraud_decisions_by_model_total)');
    expect(Number(versions.data?.result[0]?.value[1])).toBe(2);
  });
});
