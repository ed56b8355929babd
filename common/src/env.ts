import { z } from 'zod';
import { FraudError } from './errors.ts';

/**
 * Parses an environment with a zod object schema, once, at start-up. A bad or missing variable
 * fails with a message that names it and says what was expected.
 */
export function parseEnv<S extends z.ZodObject>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const name = issue.path.join('.') || '(environment)';
    const got = env[String(issue.path[0] ?? '')];
    const shown = got === undefined ? ' (not set)' : ` (got ${JSON.stringify(redactIfSecret(name, got))})`;
    return `  ${name}: ${issue.message}${shown}`;
  });
  throw new FraudError(
    'CONFIG_INVALID',
    `invalid configuration:\n${lines.join('\n')}\nFix the variable(s) above and start again.`,
  );
}

function redactIfSecret(name: string, value: string): string {
  return /PASS|SECRET|TOKEN|KEY/i.test(name) ? '***' : value;
}

/** Reusable field parsers. */
export const envBool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
export const envInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
export const envList = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);

/** Kafka connection settings shared by every service (the catalogue's "Kafka connection" group). */
export const kafkaEnvShape = {
  KAFKA_BROKERS: envList.default(['127.0.0.1:9092']).describe('Bootstrap servers, comma-separated host:port.'),
  KAFKA_CLIENT_ID: z
    .string()
    .min(1)
    .optional()
    .describe('Client id sent to the brokers (quotas, broker logs); unset: one per service, e.g. fraud-scorer.'),
  KAFKA_SSL: envBool.default(false).describe('Connect to the brokers over TLS.'),
  KAFKA_SSL_CA_FILE: z.string().optional().describe('PEM file of a private CA to trust for TLS (with KAFKA_SSL).'),
  KAFKA_SASL_MECHANISM: z
    .enum(['plain', 'scram-sha-256', 'scram-sha-512'])
    .optional()
    .describe('SASL mechanism; when set, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required.'),
  KAFKA_SASL_USERNAME: z.string().optional().describe('SASL user name.'),
  KAFKA_SASL_PASSWORD: z.string().optional().describe('SASL password (never logged).'),
  SCHEMA_REGISTRY_URL: z
    .url()
    .default('http://127.0.0.1:8081')
    .describe('Confluent-compatible schema registry; credentials go in the URL (http://USER:PASSWORD@host:port).'),
  TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, 'letters, digits, . _ - only')
    .default('')
    .describe('Prefix of every topic, subject and consumer group name: several installations on one cluster.'),
};
export const kafkaEnvSchema = z.object(kafkaEnvShape);
export type KafkaEnv = z.infer<typeof kafkaEnvSchema>;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Logging settings shared by every service (the catalogue's "Logging" group). */
export const logEnvShape = {
  LOG_LEVEL: z
    .enum(LOG_LEVELS)
    .optional()
    .describe('pino log level; unset: info for services, warn for one-shot commands and benchmarks.'),
};
export const logEnvSchema = z.object(logEnvShape);
export type LogEnv = z.infer<typeof logEnvSchema>;

/**
 * Variables read by more than one service, declared here once; each service composes the ones
 * it reads (with `.optional()` where it can run without one).
 */
export const sharedEnvFields = {
  WAREHOUSE_API_URL: z
    .url()
    .default('http://127.0.0.1:9472')
    .describe("Base URL of the warehouse sink's read-only question API."),
  MODEL_ARTIFACTS_DIR: z
    .string()
    .min(1)
    .default('model-artifacts')
    .describe('Folder of local model versions (<version>/model.onnx, model.json, metadata.json).'),
  LIVE_FEED_SECRET: z
    .string()
    .min(16, 'at least 16 characters')
    .describe(
      'HMAC secret shared by the console and the live sink: the console signs short-lived feed tokens, ' +
        'the live sink checks them (its feed is open when unset).',
    ),
};

/**
 * This process's environment with `overrides` on top: for a child process, or a service started
 * in-process with other settings. The receiver parses it with its own schema.
 */
export function envWith(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...overrides };
}

/**
 * V8's young generation for `fraud scorer`, in MB per semi-space (Node's default is 16). A fetch
 * batch, its decoded records and their decisions live for one transaction (~100-200 ms at 2k tx/s);
 * with 16 MB semi-spaces they outlive two scavenges, get promoted and fill the old generation,
 * whose full collection is the scorer's tail latency (docs/scorer.md, "Garbage collection").
 */
export const SCORER_SEMI_SPACE_MB = 64;

/**
 * NODE_OPTIONS for a `fraud scorer` child: `base` (this process's NODE_OPTIONS when not given) with
 * the scorer's young-generation size, unless it already sets one (an operator's choice wins).
 */
export function scorerNodeOptions(base: string | undefined = process.env.NODE_OPTIONS): string {
  const options = (base ?? '').trim();
  if (/(^|\s)--max-semi-space-size(=|\s)/.test(options)) return options;
  return `${options} --max-semi-space-size=${SCORER_SEMI_SPACE_MB}`.trim();
}
