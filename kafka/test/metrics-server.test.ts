import { afterEach, describe, expect, it } from 'vitest';
import { Counter, Gauge, Registry } from 'prom-client';
import { isFraudError } from '@fraud/common';
import { startMetricsServer, type MetricsServer } from '../src/metrics-server.ts';

describe('startMetricsServer', () => {
  const servers: MetricsServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  const start = async (healthy?: () => boolean): Promise<{ url: string; registry: Registry }> => {
    const registry = new Registry();
    new Counter({ name: 'fraud_test_things_total', help: 'things', registers: [registry] }).inc(3);
    const server = await startMetricsServer({ registry, port: 0, host: '127.0.0.1', healthy });
    servers.push(server);
    return { url: `http://127.0.0.1:${server.port}`, registry };
  };

  it('serves the registry on GET /metrics', async () => {
    const { url, registry } = await start();
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(registry.contentType);
    expect(await res.text()).toContain('fraud_test_things_total 3');
  });

  it("serves only the metrics named by ?name= prefixes, without running the others' collectors", async () => {
    const { url, registry } = await start();
    let collected = 0;
    new Gauge({
      name: 'fraud_test_costly_bytes',
      help: 'costly to collect',
      registers: [registry],
      collect() {
        collected++;
        this.set(7);
      },
    });
    new Counter({ name: 'nodejs_test_ticks_total', help: 'ticks', registers: [registry] }).inc(2);
    const some = await (await fetch(`${url}/metrics?name=nodejs_&name=fraud_test_things`)).text();
    expect(some).toContain('nodejs_test_ticks_total 2');
    expect(some).toContain('fraud_test_things_total 3');
    expect(some).not.toContain('fraud_test_costly_bytes');
    expect(collected).toBe(0);
    expect(await (await fetch(`${url}/metrics`)).text()).toContain('fraud_test_costly_bytes 7');
    expect(collected).toBe(1);
  });

  it('answers GET /healthz from healthy(), 200 when none is given', async () => {
    let ok = true;
    const { url } = await start(() => ok);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    ok = false;
    const res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ ok: false });
    const plain = await start();
    expect((await fetch(`${plain.url}/healthz`)).status).toBe(200);
  });

  it('answers anything else with a 404 naming the two routes', async () => {
    const { url } = await start();
    const res = await fetch(`${url}/`);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('not found: try GET /metrics or GET /healthz\n');
  });

  it('fails with CONFIG_INVALID when the port is taken', async () => {
    const registry = new Registry();
    const first = await startMetricsServer({ registry, port: 0, host: '127.0.0.1' });
    servers.push(first);
    const err = await startMetricsServer({ registry, port: first.port, host: '127.0.0.1' }).catch((e: unknown) => e);
    expect(isFraudError(err, 'CONFIG_INVALID')).toBe(true);
  });
});
