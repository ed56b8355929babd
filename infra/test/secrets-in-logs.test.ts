import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retry, waitFor } from '@fraud/common';
import { uniqueName } from '@fraud/common/testing';
import { testTopics, type TestTopics } from '@fraud/kafka/testing';
import { createKey } from '@fraud/api';
import { topicNames } from '@fraud/schemas';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const RUNNER = join(ROOT, 'infra', 'test', 'fixtures', 'secrets-run.ts');

/** Every encoding under which a secret could leak into a log line. */
function forms(secret: string): string[] {
  return [
    ...new Set([
      secret,
      Buffer.from(secret).toString('base64'),
      Buffer.from(secret).toString('base64url'),
      encodeURIComponent(secret),
      JSON.stringify(secret).slice(1, -1),
    ]),
  ];
}

describe('no secrets in logs, error messages or the repository', () => {
  const dir = mkdtempSync(join(tmpdir(), 'secrets-'));
  const prefix = `${uniqueName('secrets')}.`;
  const topics = topicNames(prefix);
  let admin: TestTopics;
  // Distinctive random values: any hit in the output is a real leak, not a coincidence.
  const secrets = {
    SECRETS_SASL_PASSWORD: `saslPw-${randomBytes(12).toString('hex')}`,
    SECRETS_FEED_SECRET: `feedSecret-${randomBytes(16).toString('hex')}`,
    SECRETS_SHORT_SECRET: `short${randomBytes(4).toString('hex')}`, // 13 chars: too short, rejected by parseEnv
    SECRETS_API_KEY: '',
    SECRETS_WRONG_KEY: '',
  };
  let badKeyInFile = '';

  beforeAll(async () => {
    admin = await testTopics();
    // A loaded broker may answer the leader check before it hosts the partitions (retriable; a
    // retry of an existing topic is a no-op), as in the scorer's harness.
    const create = (t: string, configs: Record<string, string> = {}) =>
      retry(() => admin.create(t, 1, configs), { retries: 5, initialDelayMs: 200 });
    for (const t of [topics.transactions, topics.scored, topics.labels, topics.dlq]) await create(t);
    await create(topics.modelUpdates, { 'cleanup.policy': 'compact' });
    const keysFile = join(dir, 'keys.json');
    secrets.SECRETS_API_KEY = createKey(keysFile, 'secrets-test', ['submit', 'read']).key;
    // Same id, another secret: a well-formed key that must be refused.
    secrets.SECRETS_WRONG_KEY = `${secrets.SECRETS_API_KEY.slice(0, 12)}${randomBytes(24).toString('base64url')}`;
    // A broken keys file that contains a key in clear (an operator's mistake): the error must not quote it.
    badKeyInFile = `fk_abcdefgh_${randomBytes(24).toString('base64url')}`;
    writeFileSync(join(dir, 'bad-keys.json'), `[{"id": "abcdefgh", "key": "${badKeyInFile}",]`);
  });
  afterAll(async () => {
    await admin?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'a run with secrets configured (bad config, broken keys file, refused SASL, API keys, live feed) never prints them',
    { timeout: 240_000 },
    async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', RUNNER], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          ...secrets,
          SECRETS_TOPIC_PREFIX: prefix,
          SECRETS_KEYS_FILE: join(dir, 'keys.json'),
          SECRETS_BAD_KEYS_FILE: join(dir, 'bad-keys.json'),
          KAFKAJS_NO_PARTITIONER_WARNING: '1',
          LOG_LEVEL: 'debug',
        },
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      let exitCode: number | null | undefined;
      child.once('exit', (code) => (exitCode = code));
      try {
        await waitFor(() => exitCode !== undefined, {
          timeoutMs: 220_000,
          intervalMs: 250,
          what: 'the secrets run to finish',
        });
      } finally {
        if (exitCode === undefined) child.kill('SIGKILL');
      }
      const scenario = (name: string): Record<string, unknown> => {
        const line = out.split('\n').find((l) => l.startsWith(`SCENARIO ${name} `));
        expect(line, `scenario ${name} ran; output:\n${out.slice(-3000)}`).toBeDefined();
        return JSON.parse(line!.slice(`SCENARIO ${name} `.length)) as Record<string, unknown>;
      };
      expect(exitCode, out.slice(-3000)).toBe(0);
      scenario('done');
      // Each scenario did what it should, so the grep below covers real error and log paths.
      expect(scenario('bad-config')).toEqual({
        threw: true,
        code: 'CONFIG_INVALID',
        names: ['LIVE_FEED_SECRET', 'KAFKA_SASL_MECHANISM', 'WAREHOUSE_PORT'],
      });
      expect(scenario('bad-keys-file')).toEqual({ threw: true, code: 'CONFIG_INVALID', namesVariable: true });
      expect(scenario('sasl')).toEqual({ threw: true, timedOut: false });
      const api = scenario('api');
      expect(api).toMatchObject({ wrong: 401, badBody: 400, invalid: 400 });
      expect(scenario('live')).toHaveProperty('handshake');
      // The redaction line was logged, with its fields censored.
      expect(out).toMatch(/"msg":"redaction check: these fields are censored"/);
      expect(out).toContain('"password":"***"');

      const leaks: string[] = [];
      for (const [name, value] of Object.entries({ ...secrets, badKeyInFile })) {
        for (const f of forms(value)) if (out.includes(f)) leaks.push(`${name} (as ${JSON.stringify(f)})`);
      }
      // The secret part of the API key alone must not appear either (a log of "fk_id_…" truncated differently).
      const apiSecretPart = secrets.SECRETS_API_KEY.slice(12);
      if (out.includes(apiSecretPart)) leaks.push('the secret part of SECRETS_API_KEY');
      expect(leaks, `secrets found in the output:\n${leaks.join('\n')}`).toEqual([]);
      expect(out.length).toBeGreaterThan(1000); // it did log: an empty output would pass the grep trivially
    },
  );

  it('the repository holds no committed secrets (private keys, .env files, cloud credentials, tokens)', () => {
    const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 })
      .toString()
      .split('\0')
      .filter(Boolean);
    expect(files.length).toBeGreaterThan(100);
    const badNames = files.filter(
      (f) =>
        /(^|\/)\.env(\.(?!example$|sample$|template$)[^/]+)?$/.test(f) ||
        /(^|\/)(id_rsa|id_ed25519|id_ecdsa)$/.test(f) ||
        /\.(pem|p12|pfx|jks|keystore)$/i.test(f) ||
        /(^|\/)secrets\/(?!README\.md$|\.gitkeep$)[^/]+$/.test(f),
    );
    expect(badNames, 'files that should never be committed').toEqual([]);
    // Patterns are built from pieces so that this file does not match itself.
    const dash = '-----';
    const patterns: [string, RegExp][] = [
      ['private key block', new RegExp(`${dash}BEGIN (RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY${dash}`)],
      ['AWS access key id', new RegExp(`\\b(AKIA|ASIA)[0-9A-Z]{16}\\b`)],
      ['GCP service account key', new RegExp(`"private_key"\\s*:\\s*"${dash}BEGIN`)],
      ['GitHub token', new RegExp(`\\bgh[pousr]_[A-Za-z0-9]{36,}\\b`)],
      ['Slack token', new RegExp(`\\bxox[abprs]-[A-Za-z0-9-]{10,}`)],
      ['project API key (fk_) in clear', new RegExp(`\\bfk_[a-z0-9]{8}_[A-Za-z0-9_-]{32}\\b`)],
    ];
    const hits: string[] = [];
    for (const f of files) {
      if (/\.(png|jpe?g|gif|ico|onnx|duckdb|parquet|gz|zip|woff2?|bin|avro)$/i.test(f)) continue;
      let text: string;
      try {
        text = readFileSync(join(ROOT, f), 'utf8');
      } catch (err: unknown) {
        // deleted in the working tree, not yet committed
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw err;
      }
      if (text.length > 5_000_000) continue;
      for (const [what, re] of patterns) if (re.test(text)) hits.push(`${f}: ${what}`);
    }
    expect(hits, 'secret-looking content in tracked files').toEqual([]);
  });
});
