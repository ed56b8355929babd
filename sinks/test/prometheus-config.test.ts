import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMPOSE_SCRAPE_TARGETS, DEFAULT_SCRAPE_TARGETS, renderPrometheusConfig } from '@fraud/infra';

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
    expect(DEFAULT_SCRAPE_TARGETS).toMatchObject({
      producer: ['127.0.0.1:9464'],
      scorer: ['127.0.0.1:9470'],
      'sink-metrics': ['127.0.0.1:9471'],
      'sink-warehouse': ['127.0.0.1:9472'],
      'sink-live': ['127.0.0.1:9473'],
      retrainer: ['127.0.0.1:9474'],
      web: ['127.0.0.1:9475'],
      api: ['127.0.0.1:8080'],
    });
    const docs = readFileSync(resolve(dir, '..', '..', 'docs', 'observability.md'), 'utf8');
    for (const [job, [target]] of Object.entries(DEFAULT_SCRAPE_TARGETS))
      expect(docs, job).toContain(`| ${target!.split(':')[1]} |`);
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
