import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '@fraud/common';
import { uniqueName } from '@fraud/common/testing';
import { testKafka, testTopics, type TestTopics } from '@fraud/kafka/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSchemaRegistryClient, loadAvroSchemas } from '../src/index.ts';

/** `fraud registry serve` and `fraud schemas list|show` as the infra scripts run them. */
const FRAUD = join(import.meta.dirname, '..', '..', 'bin', 'fraud.mjs');
const run = promisify(execFile);
// Each CLI process compiles its TypeScript through tsx: seconds on an idle machine, much more
// on a loaded one. Generous deadlines, never timing assertions.
const SPAWN_MS = 180_000;

let topics: TestTopics;
let child: ChildProcess | undefined;
let url = '';
let output = '';

beforeAll(async () => {
  topics = await testTopics(testKafka('registry-cli'));
  const topic = await topics.create(uniqueName('cli-_schemas'), 1, { 'cleanup.policy': 'compact' });
  child = spawn(process.execPath, [FRAUD, 'registry', 'serve', '--port', '0', '--topic', topic], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOG_LEVEL: 'warn' },
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  url = await waitFor(() => /registry listening on (http:\/\/\S+)/.exec(output)?.[1], {
    timeoutMs: SPAWN_MS,
    what: `"registry listening on" from fraud registry serve (output so far: ${output})`,
  });
}, 2 * SPAWN_MS);
afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await topics?.cleanup();
});

describe('fraud registry serve', () => {
  it(
    'serves the REST API, and fraud schemas list/show read it',
    async () => {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${url}/subjects`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual([]);

      const id = await createSchemaRegistryClient({ url }).register(
        'cli-transactions-value',
        JSON.stringify(loadAvroSchemas().json.Transaction),
      );
      const env = { ...process.env, SCHEMA_REGISTRY_URL: url };
      const list = await run(process.execPath, [FRAUD, 'schemas', 'list'], { env, timeout: SPAWN_MS });
      expect(list.stdout).toMatch(new RegExp(`cli-transactions-value\\s+1\\s+${id}\\s+BACKWARD`));
      const show = await run(process.execPath, [FRAUD, 'schemas', 'show', 'cli-transactions-value'], {
        env,
        timeout: SPAWN_MS,
      });
      expect(show.stdout).toContain(`subject cli-transactions-value  version 1  id ${id}`);
      expect(show.stdout).toContain('"logicalType": "timestamp-millis"');
      const missing = await run(process.execPath, [FRAUD, 'schemas', 'show', 'nope-value'], {
        env,
        timeout: SPAWN_MS,
      }).catch((e: unknown) => e as { code: number; stderr: string });
      expect(missing).toMatchObject({ code: 1, stderr: expect.stringContaining('fraud schemas list') as unknown });
    },
    4 * SPAWN_MS,
  );

  it(
    'rejects a bad port naming the option, and stops cleanly on SIGTERM',
    async () => {
      const bad = await run(process.execPath, [FRAUD, 'registry', 'serve', '--port', 'http'], {
        timeout: SPAWN_MS,
      }).catch((e: unknown) => e as { code: number; stderr: string });
      expect(bad).toMatchObject({ code: 1, stderr: expect.stringContaining('--port "http"') as unknown });

      const proc = child!;
      const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
      proc.kill('SIGTERM');
      expect(await exited).toBe(0);
    },
    2 * SPAWN_MS,
  );
});
