import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { createLogger, waitFor } from '@fraud/common';
import type { Transaction } from '@fraud/schemas';
import type { Pipeline } from '@fraud/scorer/testing';
import { createKey, loadApiEnv, startApiService, type ApiService } from '../src/index.ts';

export interface PipelineApi {
  api: ApiService;
  /** POST /v1/transactions with a submit+read key; expects 200 and returns the body. */
  submit<T>(tx: Transaction): Promise<T>;
}

/**
 * The decision API in this process on a test pipeline's topics (no warehouse), with its own key,
 * once /ready answers (the scored consumer must be assigned before a request can be answered).
 */
export async function startPipelineApi(p: Pipeline, name: string, env: Record<string, string>): Promise<PipelineApi> {
  const keyFile = join(mkdtempSync(join(tmpdir(), `${name}-`)), 'keys.json');
  const key = createKey(keyFile, 'it', ['submit', 'read']).key;
  const api = await startApiService(
    loadApiEnv({
      ...p.env(),
      API_PORT: '0',
      API_KEYS_FILE: keyFile,
      WAREHOUSE_API_URL: 'http://127.0.0.1:9',
      ...env,
    }),
    createLogger(name, 'warn'),
  );
  await waitFor(async () => (await fetch(`${api.url}/ready`)).ok, { timeoutMs: 30_000, what: 'the API to be ready' });
  return {
    api,
    async submit<T>(tx: Transaction): Promise<T> {
      const res = await fetch(`${api.url}/v1/transactions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(tx),
        signal: AbortSignal.timeout(10_000),
      });
      expect(res.status).toBe(200);
      return (await res.json()) as T;
    },
  };
}
