import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMPOSE_SCRAPE_TARGETS, DEFAULT_SCRAPE_TARGETS, renderPrometheusConfig } from '@fraud/infra';
import { sinkEnvSchema } from '../src/env.ts';

const dir = resolve(import.meta.dirname, '..', '..', 'infra', 'prometheus');

function promtool(config: string): { status: number | null; out: string } {
  const tmp = mkdtempSync(join(tmpdir(), 'promtool-'));
  const file = join(tmp, 'prometheus.yml');
  writeFileSync(file, config);
  const r = spawnSync('/usr/bin/promtool', ['check', 'config', file], { encoding: 'utf8' });
  rmSync(tmp, { recursive: true, force: true });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('Prometheus configuration', () => {
  it('scrapes every service on its documented port', () => {
    const port = (targets: Record<string, string[]>, job: string) => Number(targets[job]?.[0]?.split(':')[1]);
    // The sinks' own port defaults are the ones Prometheus scrapes, locally and in docker-compose.
    const sinks = sinkEnvSchema.parse({});
    const sinkPorts = {
      'sink-metrics': sinks.METRICS_PORT,
      'sink-warehouse': sinks.WAREHOUSE_PORT,
      'sink-live': sinks.LIVE_PORT,
    };
    for (const [job, expected] of Object.entries(sinkPorts))
      expect(port(DEFAULT_SCRAPE_TARGETS, job), job).toBe(expected);
    expect(Object.keys(COMPOSE_SCRAPE_TARGETS)).toEqual(Object.keys(DEFAULT_SCRAPE_TARGETS));
    for (const job of Object.keys(DEFAULT_SCRAPE_TARGETS))
      expect(port(COMPOSE_SCRAPE_TARGETS, job), job).toBe(port(DEFAULT_SCRAPE_TARGETS, job));
    const docs = readFileSync(resolve(dir, '..', '..', 'docs', 'observability.md'), 'utf8');
    for (const job of Object.keys(DEFAULT_SCRAPE_TARGETS))
      expect(docs, job).toContain(`| ${port(DEFAULT_SCRAPE_TARGETS, job)} |`);
  });

  it('the checked-in configs are the renderings and pass promtool', () => {
    const local = renderPrometheusConfig();
    const compose = renderPrometheusConfig({ targets: COMPOSE_SCRAPE_TARGETS });
    expect(readFileSync(join(dir, 'prometheus.yml'), 'utf8')).toBe(local);
    expect(readFileSync(join(dir, 'prometheus.compose.yml'), 'utf8')).toBe(compose);
    for (const c of [
      local,
      compose,
      renderPrometheusConfig({ scrapeInterval: '1s', targets: { x: ['127.0.0.1:1'] } }),
    ]) {
      const r = promtool(c);
      expect(r.status, r.out).toBe(0);
    }
    expect(local).toContain('scrape_interval: 5s');
    expect(compose).toContain('"sinks:9472"');
  });
});
