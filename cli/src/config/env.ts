import { z } from 'zod';
import { envInt, kafkaEnvShape, logEnvShape, parseEnv, sharedEnvFields } from '@fraud/common';
import { infraEnvSchema } from '@fraud/infra/env';
import { webEnvSchema } from '@fraud/web/env';

/**
 * What the CLI itself reads from the environment (the services' own schemas live in their
 * packages). Each command parses the schema it needs once, in its action, never at import time.
 */
export const cliEnvSchema = z.object({
  FRAUD_DEBUG: z.string().optional().describe('Any non-empty value: a failing command also prints its stack trace.'),
  USER: z
    .string()
    .default('cli')
    .describe('Login name (set by the shell): the default --actor of audited edits (fraud models, fraud retrainer).'),
});
export type CliEnv = z.infer<typeof cliEnvSchema>;

/** `fraud web serve`: the console server's address (adapter-node reads the same three) and database. */
export const webServeEnvSchema = z.object({
  PORT: envInt(0, 65_535).default(3000).describe('Port of the console; --port overrides it.'),
  HOST: z.string().min(1).default('127.0.0.1').describe('Address the console binds; --host overrides it.'),
  ORIGIN: z
    .url()
    .optional()
    .describe('Public origin of the console, compared by the CSRF checks; unset: http://HOST:PORT.'),
  WEB_DB_PATH: webEnvSchema.shape.WEB_DB_PATH,
});
export type WebServeEnv = z.infer<typeof webServeEnvSchema>;

/** `fraud users`: the console database only. */
export const usersEnvSchema = webEnvSchema.pick({ WEB_DB_PATH: true });

/** `fraud registry serve` and `fraud registry users add`. */
export const registryEnvSchema = z.object({
  ...kafkaEnvShape,
  ...logEnvShape,
  REGISTRY_USERS_FILE: z
    .string()
    .min(1)
    .optional()
    .describe(
      'HTTP Basic users of the embedded registry (made by `fraud registry users add`); unset: the registry ' +
        'is open, keep it on 127.0.0.1.',
    ),
});
export type RegistryEnv = z.infer<typeof registryEnvSchema>;

/** `fraud start`: the local pipeline; every service it starts also reads its own variables. */
export const startEnvSchema = z.object({
  ...kafkaEnvShape,
  ...infraEnvSchema.shape,
  LIVE_FEED_SECRET: sharedEnvFields.LIVE_FEED_SECRET.optional(),
});
export type StartEnv = z.infer<typeof startEnvSchema>;

/** `fraud rules`: the control topic (Kafka) and the warehouse sink's API for backtests. */
export const rulesEnvSchema = z.object({
  ...kafkaEnvShape,
  ...logEnvShape,
  WAREHOUSE_API_URL: sharedEnvFields.WAREHOUSE_API_URL,
});
export type RulesEnv = z.infer<typeof rulesEnvSchema>;

export function parseRulesEnv(env: Record<string, string | undefined> = process.env): RulesEnv {
  return parseEnv(rulesEnvSchema, env);
}

export function parseCliEnv(env: Record<string, string | undefined> = process.env): CliEnv {
  return parseEnv(cliEnvSchema, env);
}

/**
 * A variable whose name the user chose at run time (`fraud users add --password-env VAR`): a
 * secret handed over by name, not configuration, so it has no schema.
 */
export function namedEnvValue(name: string): string | undefined {
  return process.env[name];
}
