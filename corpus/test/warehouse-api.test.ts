import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, parseEnv } from '@fraud/common';
import { uniqueName } from '@fraud/common/testing';
import { testKafka, testTopics, type TestTopics } from '@fraud/kafka/testing';
import { topicNames } from '@fraud/schemas';
import { sinkEnvSchema, startSink, type RunningSink } from '@fraud/sinks';
import { warehouseKinds } from '../bad-input.ts';

/** The warehouse's read-only query API, on the real sink and a real DuckDB file. */
describe('bad-input corpus: warehouse query API', () => {
  let topics: TestTopics;
  let sink: RunningSink;
  beforeAll(async () => {
    const prefix = `${uniqueName('corpus-wh')}.`;
    const t = topicNames(prefix);
    topics = await testTopics(testKafka('corpus-wh'));
    for (const name of [t.scored, t.labels, t.dlq]) await topics.create(name, 1);
    await topics.create(t.modelUpdates, 1, { 'cleanup.policy': 'compact' });
    const env = parseEnv(sinkEnvSchema, {
      TOPIC_PREFIX: prefix,
      WAREHOUSE_PATH: join(mkdtempSync(join(tmpdir(), 'corpus-wh-')), 'w.duckdb'),
      WAREHOUSE_PORT: '0',
      SINK_SESSION_TIMEOUT_MS: '6000',
    });
    sink = await startSink('warehouse', { env, logger: createLogger('corpus-wh', 'silent') });
  });
  afterAll(async () => {
    await sink?.stop();
    await topics?.cleanup();
  });

  it.each(warehouseKinds)('$kind -> $status', async (k) => {
    const res = await fetch(`${sink.url}${k.path}`);
    expect(res.status).toBe(k.status);
    const body = (await res.json()) as { error?: unknown; message?: unknown };
    expect(JSON.stringify(body)).toMatch(/error|message/);
  });

  it('still answers a good question afterwards (nothing was dropped or broken)', async () => {
    const res = await fetch(`${sink.url}/api/questions/decision-counts`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { rows: unknown[] }).rows).toEqual([]);
  });
});
