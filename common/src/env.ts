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
    return `  ${name}: ${issue.message}${got === undefined ? ' (not set)' : ` (got ${JSON.stringify(redactIfSecret(name, got))})`}`;
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

/** Kafka connection settings shared by every service. */
export const kafkaEnvShape = {
  KAFKA_BROKERS: envList.default(['127.0.0.1:9092']),
  KAFKA_CLIENT_ID: z.string().min(1).optional(),
  KAFKA_SSL: envBool.default(false),
  KAFKA_SSL_CA_FILE: z.string().optional(),
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  KAFKA_SASL_USERNAME: z.string().optional(),
  KAFKA_SASL_PASSWORD: z.string().optional(),
  SCHEMA_REGISTRY_URL: z.url().default('http://127.0.0.1:8081'),
  TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, 'letters, digits, . _ - only')
    .default(''),
};
export const kafkaEnvSchema = z.object(kafkaEnvShape);
export type KafkaEnv = z.infer<typeof kafkaEnvSchema>;
