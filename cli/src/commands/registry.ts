import type { Command } from 'commander';
import { FraudError, createKafka, createLogger, errorMessage, kafkaEnvSchema, parseEnv } from '@fraud/common';
import { COMPATIBILITY_LEVELS, createRegistryServer, topicNames, type CompatibilityLevel } from '@fraud/schemas';

interface ServeOptions {
  port: string;
  host: string;
  topic?: string;
  compatibility: string;
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65_535) throw new FraudError('CONFIG_INVALID', `--port ${JSON.stringify(text)}: expected a TCP port 0-65535 (0 picks a free one)`);
  return port;
}

function parseLevel(text: string): CompatibilityLevel {
  const level = text.toUpperCase();
  if (!(COMPATIBILITY_LEVELS as readonly string[]).includes(level)) {
    throw new FraudError('CONFIG_INVALID', `--compatibility ${JSON.stringify(text)}: expected one of ${COMPATIBILITY_LEVELS.join(', ')}`);
  }
  return level as CompatibilityLevel;
}

export function register(program: Command): void {
  const registry = program.command('registry').description('the embedded Confluent-compatible schema registry (state in the compacted _schemas topic)');
  registry
    .command('serve')
    .description('serve the Confluent schema-registry REST API; reads KAFKA_BROKERS, TOPIC_PREFIX and the KAFKA_SASL/SSL settings')
    .option('--port <port>', 'TCP port (0 picks a free one)', '8081')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--topic <topic>', 'storage topic (default: <TOPIC_PREFIX>_schemas, created compacted if missing)')
    .option('--compatibility <level>', `default compatibility until PUT /config sets one: ${COMPATIBILITY_LEVELS.join(', ')}`, 'BACKWARD')
    .action(async (o: ServeOptions) => {
      const port = parsePort(o.port);
      const defaultCompatibility = parseLevel(o.compatibility);
      const env = parseEnv(kafkaEnvSchema);
      const logger = createLogger('registry');
      const kafka = createKafka(env, 'fraud-schema-registry', logger);
      const server = createRegistryServer({ kafka, topic: o.topic ?? topicNames(env.TOPIC_PREFIX).schemas, host: o.host, port, logger, defaultCompatibility });
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, 'stopping schema registry');
        server.stop().then(
          () => process.exit(0),
          (err: unknown) => {
            logger.error({ err }, 'schema registry did not stop cleanly');
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
      const { url } = await server.start().catch(async (err: unknown) => {
        await server.stop().catch(() => undefined); // best effort: the start error is what matters
        if (err instanceof FraudError) throw err;
        throw new FraudError('KAFKA_UNAVAILABLE', `schema registry could not start on Kafka at ${env.KAFKA_BROKERS.join(',')}: ${errorMessage(err)}. Is Kafka up (\`fraud infra status\`)?`, { cause: err });
      });
      process.stdout.write(`registry listening on ${url}\n`);
    });
}
