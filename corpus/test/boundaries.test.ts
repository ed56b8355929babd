import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, type FraudError, isFraudError, parseEnv } from '@fraud/common';
import { createKafka } from '@fraud/kafka';
import { uniqueName } from '@fraud/common/testing';
import { testKafka, testTopics, type TestTopics } from '@fraud/kafka/testing';
import { apiEnvSchema, createKey } from '@fraud/api';
import { startTestApi, type TestApi } from '@fraud/api/testing';
import { parsePaysimCsv } from '@fraud/producers';
import { createRegistryServer } from '@fraud/schemas';
import { parseScorerEnv } from '@fraud/scorer';
import { sinkEnvSchema } from '@fraud/sinks';
import { configKinds, csvKinds, httpKinds, registryKinds } from '../bad-input.ts';

const here = dirname(fileURLToPath(import.meta.url));

describe('bad-input corpus: schema registry requests', () => {
  let topics: TestTopics;
  let stop: () => Promise<void>;
  let url = '';
  const subject = uniqueName('corpus');
  beforeAll(async () => {
    const kafka = testKafka('corpus-registry');
    topics = await testTopics(kafka);
    const topic = await topics.create(uniqueName('corpus-schemas'), 1, { 'cleanup.policy': 'compact' });
    const server = createRegistryServer({
      kafka,
      topic,
      host: '127.0.0.1',
      port: 0,
      logger: createLogger('corpus-registry', 'silent'),
    });
    url = (await server.start()).url;
    stop = () => server.stop();
    const v1 = {
      type: 'record',
      name: 'C',
      fields: [
        { name: 'a', type: 'string' },
        { name: 'b', type: 'long' },
      ],
    };
    const res = await fetch(`${url}/subjects/corpus-${subject}-value/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ schema: JSON.stringify(v1) }),
    });
    expect(res.status).toBe(200);
  });
  afterAll(async () => {
    await stop?.();
    await topics?.cleanup();
  });

  it.each(registryKinds)('$kind -> $status', async (k) => {
    const path = k.path.replace('SUBJ', subject);
    let body: string | undefined = 'body' in k ? k.body : undefined;
    if (body === 'INCOMPATIBLE')
      body = JSON.stringify({
        schema: JSON.stringify({
          type: 'record',
          name: 'C',
          fields: [
            { name: 'a', type: 'string' },
            { name: 'c', type: 'int' },
          ],
        }),
      });
    if (body === 'HUGE') body = JSON.stringify({ schema: 'x'.repeat(20 * 1024 * 1024) });
    const res = await fetch(`${url}${path}`, {
      method: k.method,
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body,
    });
    expect(res.status).toBe(k.status);
    const json = (await res.json()) as { error_code?: number; message?: string };
    expect(typeof json.message, 'a message in Confluent shape').toBe('string');
    if ('errorCode' in k) expect(json.error_code).toBe(k.errorCode);
  });
});

describe('bad-input corpus: decision API requests', () => {
  let api: TestApi;
  let base = '';
  const keyFile = join(mkdtempSync(join(tmpdir(), 'corpus-keys-')), 'keys.json');
  const keys = {
    submit: createKey(keyFile, 'corpus-submit', ['submit']).key,
    label: createKey(keyFile, 'corpus-label', ['label']).key,
    bogus: `fk_abcdefgh_${'A'.repeat(32)}`,
  };
  let published = 0;
  beforeAll(async () => {
    api = await startTestApi('corpus-api', keyFile, {
      publishTransaction: async () => void published++,
      config: { deadlineMs: 20, fallbackApproveUnder: 100, bodyLimit: '16kb', publicUrl: 'http://127.0.0.1' },
    });
    base = api.base;
  });
  afterAll(() => api.close());

  it.each(httpKinds)('$kind -> $status $code', async (k) => {
    const headers: Record<string, string> = { 'content-type': 'contentType' in k ? k.contentType : 'application/json' };
    if (k.auth !== 'none') headers.authorization = `Bearer ${keys[k.auth as keyof typeof keys]}`;
    const res = await fetch(`${base}/v1/transactions`, {
      method: 'POST',
      headers,
      body: 'raw' in k ? k.raw : JSON.stringify(k.body),
    });
    expect(res.status).toBe(k.status);
    const json = (await res.json()) as { error: { code: string; message: string; field?: string } };
    expect(json.error.code).toBe(k.code);
    expect(json.error.message.length).toBeGreaterThan(5);
    if ('field' in k) expect(json.error.field).toBe(k.field);
  });

  it('published nothing for any of them', () => expect(published).toBe(0));
});

describe('bad-input corpus: PaySim CSV rows', () => {
  it.each(csvKinds)('$kind -> rejected with its line number and reason, the good row kept', async (k) => {
    const records = [];
    for await (const r of parsePaysimCsv(join(here, '..', 'csv', k.file))) records.push(r);
    expect(records).toHaveLength(2);
    expect(records[0]!.ok).toBe(true);
    const bad = records[1]!;
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.line).toBe(3);
      expect(bad.reason).toMatch(k.reason);
    }
  });
});

describe('bad-input corpus: configuration', () => {
  const parsers: Record<string, (env: Record<string, string>) => unknown> = {
    scorer: (env) => parseScorerEnv(env),
    api: (env) => {
      const parsed = parseEnv(apiEnvSchema, env);
      // SASL settings are checked when the client is built, with the same clear error.
      return createKafka(parsed, 'corpus');
    },
    sinks: (env) => parseEnv(sinkEnvSchema, env),
  };
  it.each(configKinds)('$kind ($service) fails at start-up naming $names', (k) => {
    let error: unknown;
    try {
      parsers[k.service]!({ ...k.env });
    } catch (err: unknown) {
      error = err;
    }
    expect(isFraudError(error, 'CONFIG_INVALID'), String(error)).toBe(true);
    expect((error as FraudError).message).toContain(k.names);
    for (const v of Object.values(k.env))
      if (/SECRET|PASS/.test(k.names)) expect((error as FraudError).message).not.toContain(v);
  });
});
