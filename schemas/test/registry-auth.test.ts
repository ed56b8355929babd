import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, isFraudError, waitFor } from '@fraud/common';
import { hashPassword, verifyPassword } from '@fraud/common/passwords';
import { uniqueName } from '@fraud/common/testing';
import { testKafka, testTopics, type TestTopics } from '@fraud/kafka/testing';
import {
  createCodecs,
  createRegistryServer,
  createSchemaRegistryClient,
  loadAvroSchemas,
  topicNames,
  loadRegistryUsers,
  parseRegistryUsers,
  redactRegistryUrl,
  registryEndpoint,
  requiredRole,
  type RegistryServer,
  type RegistryUser,
} from '../src/index.ts';

const FRAUD = join(import.meta.dirname, '..', '..', 'bin', 'fraud.mjs');
const run = promisify(execFile);
const SPAWN_MS = 180_000;
// Cheap scrypt parameters for the test users (the format carries them; production uses the default).
const FAST = { N: 2 ** 12, r: 8, p: 1, keyLen: 32 };
const txSchema = JSON.stringify(loadAvroSchemas().json.Transaction);

describe('registry users and roles (unit)', () => {
  it('reads, lookups and compatibility checks need read; everything else write', () => {
    expect(requiredRole('GET', '/subjects')).toBe('read');
    expect(requiredRole('GET', '/schemas/ids/3')).toBe('read');
    expect(requiredRole('POST', '/subjects/tx-value')).toBe('read');
    expect(requiredRole('POST', '/compatibility/subjects/tx-value/versions/latest')).toBe('read');
    expect(requiredRole('POST', '/subjects/tx-value/versions')).toBe('write');
    expect(requiredRole('DELETE', '/subjects/tx-value')).toBe('write');
    expect(requiredRole('PUT', '/config')).toBe('write');
  });

  it('refuses a malformed users file, naming the user and what to do', () => {
    expect(() => parseRegistryUsers('{', 'f')).toThrow(/not JSON.*fraud registry users add/);
    expect(() => parseRegistryUsers('{"users": []}', 'f')).toThrow(/no "users" list/);
    expect(() =>
      parseRegistryUsers('{"users": [{"name": "a", "role": "admin", "passwordHash": "scrypt$x"}]}', 'f'),
    ).toThrow(/users\[0\] \(a\) role must be "read" or "write"/);
    expect(() =>
      parseRegistryUsers('{"users": [{"name": "a", "role": "read", "passwordHash": "plain"}]}', 'f'),
    ).toThrow(/passwordHash must be a scrypt hash/);
    expect(() =>
      parseRegistryUsers('{"users": [{"name": "a b", "role": "read", "passwordHash": "scrypt$x"}]}', 'f'),
    ).toThrow(/users\[0\]\.name/);
    expect(() => loadRegistryUsers('/nowhere/users.json')).toThrow(
      /REGISTRY_USERS_FILE \/nowhere\/users.json cannot be read/,
    );
  });

  it('takes credentials out of the registry URL: a header for requests, the bare address for messages', () => {
    const e = registryEndpoint('http://scorer:p%40ss@127.0.0.1:8081/');
    expect(e.base).toBe('http://127.0.0.1:8081');
    expect(Buffer.from(String(e.authorization).slice(6), 'base64').toString()).toBe('scorer:p@ss');
    expect(registryEndpoint('http://127.0.0.1:8081').authorization).toBeUndefined();
    expect(redactRegistryUrl('http://u:secret@h:1')).toBe('http://h:1');
    expect(redactRegistryUrl('not a url')).not.toContain('not a url');
  });
});

describe('registry with HTTP Basic users', () => {
  let topics: TestTopics;
  let server: RegistryServer;
  let url = '';
  const writer = { name: 'retrainer', password: 'writer-password-123' };
  const reader = { name: 'scorer', password: 'reader-password-456' };
  const at = (u: { name: string; password: string }) =>
    url.replace('http://', `http://${u.name}:${encodeURIComponent(u.password)}@`);

  beforeAll(async () => {
    const kafka = testKafka('registry-auth');
    topics = await testTopics(kafka);
    const topic = await topics.create(uniqueName('auth-_schemas'), 1, { 'cleanup.policy': 'compact' });
    const users: RegistryUser[] = [
      { name: writer.name, role: 'write', passwordHash: await hashPassword(writer.password, FAST) },
      { name: reader.name, role: 'read', passwordHash: await hashPassword(reader.password, FAST) },
    ];
    server = createRegistryServer({
      kafka,
      topic,
      logger: createLogger('registry-auth-test', 'silent'),
      port: 0,
      timeoutMs: 60_000,
      users,
    });
    url = (await server.start()).url;
  });
  afterAll(async () => {
    await server?.stop();
    await topics?.cleanup();
  });

  it('answers 401 with a Basic challenge without credentials or with a wrong password', async () => {
    const none = await fetch(`${url}/subjects`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic realm="schema-registry"/);
    expect(await none.json()).toMatchObject({
      error_code: 401,
      message: expect.stringMatching(/HTTP Basic credentials/),
    });
    const wrong = await fetch(`${url}/subjects`, {
      headers: { authorization: `Basic ${Buffer.from(`${writer.name}:nope`).toString('base64')}` },
    });
    expect(wrong.status).toBe(401);
    const unknown = await fetch(`${url}/subjects`, {
      headers: { authorization: `Basic ${Buffer.from('mallory:whatever').toString('base64')}` },
    });
    expect(unknown.status).toBe(401);
  });

  it('lets a write user register and a read user read, but not write', async () => {
    const subject = uniqueName('auth-tx-value');
    const w = createSchemaRegistryClient({ url: at(writer), retries: 0 });
    expect(w.url).toBe(url);
    const id = await w.register(subject, txSchema);
    const r = createSchemaRegistryClient({ url: at(reader), retries: 0 });
    expect(await r.schemaById(id)).toContain('Transaction');
    expect(await r.subjects()).toContain(subject);
    const denied = await r.register(subject, txSchema).catch((err: unknown) => err);
    expect(isFraudError(denied, 'FORBIDDEN')).toBe(true);
    expect(String((denied as Error).message)).toMatch(
      /User scorer \(role read\) cannot POST .*needs role write.*use a registry user with role write/,
    );
  });

  it('a read user gets the codecs of schemas a write user registered; before that, it is told what to do', async () => {
    const topics = topicNames(uniqueName('auth-svc.'));
    const early = await createCodecs({ registryUrl: at(reader), topics }).catch((e: unknown) => e);
    expect(isFraudError(early, 'FORBIDDEN')).toBe(true);
    expect(String((early as Error).message)).toMatch(
      /is not registered under .* start a service once with a registry user of role write/,
    );
    const byWriter = await createCodecs({ registryUrl: at(writer), topics });
    const byReader = await createCodecs({ registryUrl: at(reader), topics });
    expect(byReader.transaction.schemaId).toBe(byWriter.transaction.schemaId);
    expect(byReader.modelUpdate.schemaId).toBe(byWriter.modelUpdate.schemaId);
  });

  it('works with the Confluent-protocol reference client given the same credentials', async () => {
    const subject = uniqueName('auth-ref-value');
    const ref = new SchemaRegistry({ host: url, auth: { username: writer.name, password: writer.password } });
    const { id } = await ref.register({ type: 'AVRO' as never, schema: txSchema }, { subject });
    expect(id).toBeGreaterThan(0);
    const refNoAuth = new SchemaRegistry({ host: url });
    await expect(refNoAuth.getSchema(id)).rejects.toThrow(/401|Unauthorized/);
  });

  it('says what to do on wrong credentials, and never repeats the password', async () => {
    const bad = createSchemaRegistryClient({
      url: at({ name: writer.name, password: 'not-the-password' }),
      retries: 0,
    });
    const err = await bad.subjects().catch((e: unknown) => e);
    expect(isFraudError(err, 'AUTH_REQUIRED')).toBe(true);
    expect(String((err as Error).message)).toMatch(/set SCHEMA_REGISTRY_URL to http:\/\/USER:PASSWORD@host:port/);
    expect(String((err as Error).message)).not.toContain('not-the-password');
  });
});

describe('fraud registry users add + serve with REGISTRY_USERS_FILE', () => {
  let topics: TestTopics;
  let child: ChildProcess | undefined;
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await topics?.cleanup();
  });

  it(
    'writes a private users file, prints the password once, and the served registry accepts it',
    async () => {
      const file = join(mkdtempSync(join(tmpdir(), 'registry-users-')), 'users.json');
      const added = await run(
        process.execPath,
        [FRAUD, 'registry', 'users', 'add', 'ops', '--role', 'write', '--file', file],
        { timeout: SPAWN_MS },
      );
      const password = added.stdout.trim().split('\n').at(-1) ?? '';
      expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const [user] = loadRegistryUsers(file);
      expect(user).toMatchObject({ name: 'ops', role: 'write' });
      expect(user?.passwordHash).not.toContain(password);
      expect(await verifyPassword(password, user?.passwordHash ?? '')).toBe(true);
      const bad = await run(
        process.execPath,
        [FRAUD, 'registry', 'users', 'add', 'ops2', '--role', 'admin', '--file', file],
        { timeout: SPAWN_MS },
      ).catch((e: unknown) => e as { stderr: string; code: number });
      expect((bad as { code: number }).code).not.toBe(0);
      expect((bad as { stderr: string }).stderr).toMatch(/--role "admin": expected read or write/);

      topics = await testTopics(testKafka('registry-auth-cli'));
      const topic = await topics.create(uniqueName('auth-cli-_schemas'), 1, { 'cleanup.policy': 'compact' });
      let output = '';
      child = spawn(process.execPath, [FRAUD, 'registry', 'serve', '--port', '0', '--topic', topic], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, LOG_LEVEL: 'warn', REGISTRY_USERS_FILE: file },
      });
      child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
      const url = await waitFor(
        () => /registry listening on (http:\/\/\S+) \(HTTP Basic, 1 users\)/.exec(output)?.[1],
        { timeoutMs: SPAWN_MS, what: `"registry listening" with HTTP Basic (output so far: ${output})` },
      );
      expect((await fetch(`${url}/subjects`)).status).toBe(401);
      const client = createSchemaRegistryClient({ url: url.replace('http://', `http://ops:${password}@`), retries: 0 });
      expect(await client.register(uniqueName('cli-auth-value'), txSchema)).toBeGreaterThan(0);
      expect(output).not.toContain(password);
    },
    3 * SPAWN_MS,
  );
});
