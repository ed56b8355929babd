import { pidFromFile } from './pidfile.ts';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FraudError, waitFor } from '@fraud/common';
import { isAlive } from './pidfile.ts';
import { repoRoot } from './paths.ts';

/**
 * Prometheus from Debian's package (/usr/bin/prometheus, 2.42) as a detached local process:
 * config rendered from infra/prometheus/prometheus.yml.tmpl, TSDB in the data folder, a pid
 * file, readiness from /-/ready. Port defaults of every service are in docs/observability.md.
 */
export const PROMETHEUS_BINARY = '/usr/bin/prometheus';
export const prometheusTemplate = join(repoRoot, 'infra', 'prometheus', 'prometheus.yml.tmpl');

/** job -> host:port targets. Every service serves /metrics with process metrics (CPU, RAM, event loop). */
export const DEFAULT_SCRAPE_TARGETS: Record<string, string[]> = {
  producer: ['127.0.0.1:9464'],
  scorer: ['127.0.0.1:9470'],
  'sink-metrics': ['127.0.0.1:9471'],
  'sink-warehouse': ['127.0.0.1:9472'],
  'sink-live': ['127.0.0.1:9473'],
  retrainer: ['127.0.0.1:9474'],
  web: ['127.0.0.1:9475'],
  api: ['127.0.0.1:8080'],
  prometheus: ['127.0.0.1:9090'],
};

/** The same jobs inside docker-compose, by service name (the sinks service runs all three sinks). */
export const COMPOSE_SCRAPE_TARGETS: Record<string, string[]> = {
  producer: ['simulator:9464'],
  scorer: ['scorer:9470'],
  'sink-metrics': ['sinks:9471'],
  'sink-warehouse': ['sinks:9472'],
  'sink-live': ['sinks:9473'],
  retrainer: ['retrainer:9474'],
  web: ['web:9475'],
  api: ['api:8080'],
  prometheus: ['localhost:9090'],
};

export interface PrometheusConfigOptions {
  /** Prometheus duration, e.g. "5s" (default) or "1s" in tests. */
  scrapeInterval?: string;
  targets?: Record<string, string[]>;
}

export function renderPrometheusConfig(o: PrometheusConfigOptions = {}): string {
  const interval = o.scrapeInterval ?? '5s';
  const targets = o.targets ?? DEFAULT_SCRAPE_TARGETS;
  const jobs = Object.entries(targets).map(([job, ts]) =>
    [
      `  - job_name: ${JSON.stringify(job)}`,
      '    metrics_path: /metrics',
      '    static_configs:',
      `      - targets: [${ts.map((t) => JSON.stringify(t)).join(', ')}]`,
    ].join('\n'),
  );
  return readFileSync(prometheusTemplate, 'utf8')
    .replaceAll('{{SCRAPE_INTERVAL}}', interval)
    .replaceAll('{{SCRAPE_TIMEOUT}}', interval)
    .replace('{{SCRAPE_CONFIGS}}', jobs.join('\n'));
}

export interface PrometheusOptions extends PrometheusConfigOptions {
  dataDir: string;
  port?: number;
  host?: string;
  retention?: string;
  readyTimeoutMs?: number;
}

function dirs(o: PrometheusOptions) {
  const dir = join(o.dataDir, 'prometheus');
  return {
    dir,
    pid: join(dir, 'prometheus.pid'),
    config: join(dir, 'prometheus.yml'),
    tsdb: join(dir, 'data'),
    log: join(dir, 'prometheus.log'),
  };
}

export function prometheusPid(o: Pick<PrometheusOptions, 'dataDir'>): number | undefined {
  const { pid } = dirs(o as PrometheusOptions);
  return pidFromFile(pid, 'prometheus');
}

/** Starts Prometheus if not running (rewriting its config either way) and waits for /-/ready. */
export async function startPrometheus(
  o: PrometheusOptions,
): Promise<{ pid: number; url: string; alreadyRunning: boolean }> {
  const d = dirs(o);
  const host = o.host ?? '127.0.0.1';
  const port = o.port ?? 9090;
  const url = `http://${host}:${port}`;
  if (!existsSync(PROMETHEUS_BINARY))
    throw new FraudError(
      'CONFIG_INVALID',
      `${PROMETHEUS_BINARY} not found: install Debian's prometheus package (apt-get install prometheus)`,
    );
  mkdirSync(d.tsdb, { recursive: true });
  writeFileSync(d.config, renderPrometheusConfig(o));
  const running = prometheusPid(o);
  if (running) {
    // best effort: a restart also picks the config up
    await fetch(`${url}/-/reload`, { method: 'POST' }).catch(() => undefined);
    return { pid: running, url, alreadyRunning: true };
  }
  const out = openSync(d.log, 'a');
  const child = spawn(
    PROMETHEUS_BINARY,
    [
      `--config.file=${d.config}`,
      `--storage.tsdb.path=${d.tsdb}`,
      `--storage.tsdb.retention.time=${o.retention ?? '15d'}`,
      `--web.listen-address=${host}:${port}`,
      '--web.enable-lifecycle',
      `--web.console.templates=/usr/share/prometheus/consoles`,
      `--web.console.libraries=/usr/share/prometheus/console_libraries`,
    ],
    { detached: true, stdio: ['ignore', out, out] },
  );
  child.unref();
  if (!child.pid) throw new FraudError('INTERNAL', 'could not spawn prometheus');
  const pid = child.pid;
  writeFileSync(d.pid, String(pid));
  await waitFor(
    async () => {
      if (!isAlive(pid)) throw new FraudError('INTERNAL', `prometheus exited during start-up; see ${d.log}`);
      const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) }).catch(() => undefined);
      return res?.ok === true;
    },
    { timeoutMs: o.readyTimeoutMs ?? 30_000, intervalMs: 100, what: `Prometheus ready on ${url} (log: ${d.log})` },
  );
  return { pid, url, alreadyRunning: false };
}

/** SIGTERM, wait, SIGKILL after the grace period; removes the pid file. */
export async function stopPrometheus(o: Pick<PrometheusOptions, 'dataDir'>, graceMs = 10_000): Promise<boolean> {
  const pid = prometheusPid(o);
  rmSync(dirs(o as PrometheusOptions).pid, { force: true });
  if (!pid) return false;
  process.kill(pid, 'SIGTERM');
  try {
    await waitFor(() => !isAlive(pid), { timeoutMs: graceMs, intervalMs: 100, what: 'prometheus to exit' });
  } catch {
    process.kill(pid, 'SIGKILL');
  }
  return true;
}
