import { readFileSync } from 'node:fs';
import { Kafka, logLevel, type KafkaConfig, type SASLOptions } from 'kafkajs';
import { FraudError, retry, type KafkaEnv, type Logger } from '@fraud/common';

/** Builds a kafkajs client from the shared Kafka settings; SASL/TLS pass straight through. */
export function createKafka(env: KafkaEnv, clientId: string, logger?: Logger): Kafka {
  const config: KafkaConfig = {
    clientId: env.KAFKA_CLIENT_ID ?? clientId,
    brokers: env.KAFKA_BROKERS,
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
    // No client-level `retry`: kafkajs hands it to producers too, and an idempotent or
    // transactional producer must keep its default (unbounded) retries for exactly-once.
    logLevel: logLevel.WARN,
    logCreator: logger ? kafkaLogCreator(logger) : undefined,
  };
  if (env.KAFKA_SSL) config.ssl = env.KAFKA_SSL_CA_FILE ? { ca: [readFileSync(env.KAFKA_SSL_CA_FILE, 'utf8')] } : true;
  if (env.KAFKA_SASL_MECHANISM) {
    if (!env.KAFKA_SASL_USERNAME || !env.KAFKA_SASL_PASSWORD) {
      throw new FraudError(
        'CONFIG_INVALID',
        'KAFKA_SASL_MECHANISM is set: KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required',
      );
    }
    config.sasl = {
      mechanism: env.KAFKA_SASL_MECHANISM,
      username: env.KAFKA_SASL_USERNAME,
      password: env.KAFKA_SASL_PASSWORD,
    } as SASLOptions;
  }
  return new Kafka(config);
}

/**
 * The broker's CONCURRENT_TRANSACTIONS answer (an AddPartitionsToTxn or InitProducerId sent while
 * the previous transaction is still being completed): kafkajs retries it, and if the retries run
 * out the caller gets the error and logs it itself. Logged as an error by kafkajs on every
 * attempt, it made fast small chunks look like failures.
 */
const RETRIED_QUIETLY = 'another concurrent operation on the same transaction was ongoing';

/** kafkajs's log lines through our logger; its retried CONCURRENT_TRANSACTIONS answers at debug. */
export function kafkaLogCreator(logger: Logger) {
  return () =>
    ({ level, log }: { level: number; log: { message: string } & Record<string, unknown> }) => {
      const { message, ...rest } = log;
      const child = { kafka: rest };
      const retried = `${message} ${String(rest.error ?? '')}`.includes(RETRIED_QUIETLY);
      if (level <= logLevel.ERROR && !retried) logger.error(child, message);
      else if (level === logLevel.WARN && !retried) logger.warn(child, message);
      else logger.debug(child, message);
    };
}

/**
 * Runs a kafkajs admin call, retrying retriable errors. kafkajs's admin gives up on most of them
 * (fetchTopicOffsets bails on NOT_LEADER while a broker restarts, for instance), so a service
 * reading offsets at start-up would exit instead of waiting a few seconds.
 */
export function withAdminRetry<T>(fn: () => Promise<T>, onRetry?: (err: unknown, attempt: number) => void): Promise<T> {
  return retry(fn, { retries: 10, initialDelayMs: 200, maxDelayMs: 5_000, onRetry });
}
