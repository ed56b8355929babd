import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { createLogger, errorMessage, FraudError, parseEnv } from '@fraud/common';
import { createKafka } from '@fraud/kafka';
import { hashPassword } from '@fraud/common/passwords';
import { argParser } from '../args.ts';
import { stopOnSignals } from '../lifecycle.ts';
import { envHelp } from '../config/catalogue.ts';
import { registryEnvSchema } from '../config/env.ts';
import {
  COMPATIBILITY_LEVELS,
  createRegistryServer,
  loadRegistryUsers,
  parseRegistryUsers,
  topicNames,
  type CompatibilityLevel,
  type RegistryUser,
} from '@fraud/schemas';

interface ServeOptions {
  port: number;
  host: string;
  topic?: string;
  compatibility: CompatibilityLevel;
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65_535)
    throw new FraudError(
      'CONFIG_INVALID',
      `--port ${JSON.stringify(text)}: expected a TCP port 0-65535 (0 picks a free one)`,
    );
  return port;
}

function parseLevel(text: string): CompatibilityLevel {
  const level = text.toUpperCase();
  if (!(COMPATIBILITY_LEVELS as readonly string[]).includes(level)) {
    throw new FraudError(
      'CONFIG_INVALID',
      `--compatibility ${JSON.stringify(text)}: expected one of ${COMPATIBILITY_LEVELS.join(', ')}`,
    );
  }
  return level as CompatibilityLevel;
}

export function register(program: Command): void {
  const registry = program
    .command('registry')
    .description('the embedded Confluent-compatible schema registry (state in the compacted _schemas topic)');
  registry
    .command('serve')
    .description(
      'serve the Confluent schema-registry REST API; reads KAFKA_BROKERS, TOPIC_PREFIX and the KAFKA_SASL/SSL settings',
    )
    .option('--port <port>', 'TCP port (0 picks a free one)', argParser(parsePort), 8081)
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--topic <topic>', 'storage topic (default: <TOPIC_PREFIX>_schemas, created compacted if missing)')
    .option(
      '--compatibility <level>',
      `default compatibility until PUT /config sets one: ${COMPATIBILITY_LEVELS.join(', ')}`,
      argParser(parseLevel),
      'BACKWARD',
    )
    .addHelpText(
      'after',
      '\nAuthentication: set REGISTRY_USERS_FILE (made by `fraud registry users add`) and every request needs\n' +
        'HTTP Basic credentials; clients put them in SCHEMA_REGISTRY_URL (http://USER:PASSWORD@host:port).\n' +
        'Without it the registry is open: keep it on 127.0.0.1.\n' +
        envHelp('registry'),
    )
    .action(async (o: ServeOptions) => {
      const env = parseEnv(registryEnvSchema);
      const usersFile = env.REGISTRY_USERS_FILE;
      const users = usersFile ? loadRegistryUsers(usersFile) : undefined;
      const logger = createLogger('registry', env.LOG_LEVEL);
      const kafka = createKafka(env, 'fraud-schema-registry', logger);
      const server = createRegistryServer({
        kafka,
        topic: o.topic ?? topicNames(env.TOPIC_PREFIX).schemas,
        host: o.host,
        port: o.port,
        logger,
        defaultCompatibility: o.compatibility,
        ...(users ? { users } : {}),
      });
      stopOnSignals(server, logger, 'stopping schema registry');
      const { url } = await server.start().catch(async (err: unknown) => {
        await server.stop().catch(() => undefined); // best effort: the start error is what matters
        if (err instanceof FraudError) throw err;
        throw new FraudError(
          'KAFKA_UNAVAILABLE',
          `schema registry could not start on Kafka at ${env.KAFKA_BROKERS.join(',')}: ${errorMessage(err)}. Is ` +
            `Kafka up (\`fraud infra status\`)?`,
          { cause: err },
        );
      });
      process.stdout.write(`registry listening on ${url}${users ? ` (HTTP Basic, ${users.length} users)` : ''}\n`);
    });

  registry
    .command('users')
    .description('the registry users file (REGISTRY_USERS_FILE): HTTP Basic users with role read or write')
    .command('add <name>')
    .description('add a user (or give an existing one a new password and role); prints the generated password once')
    .requiredOption(
      '--role <role>',
      'read (GET, lookups, compatibility checks) or write (also register, delete, set compatibility)',
    )
    .option('--file <path>', 'users file (default: REGISTRY_USERS_FILE)')
    .addHelpText(
      'after',
      '\nExample:\n' +
        '  fraud registry users add scorer --role read --file /etc/fraud/registry-users.json\n' +
        '  REGISTRY_USERS_FILE=/etc/fraud/registry-users.json fraud registry serve\n' +
        '  SCHEMA_REGISTRY_URL=http://scorer:PASSWORD@registry:8081 fraud scorer',
    )
    .action(async (name: string, o: { role: string; file?: string }) => {
      const file = o.file ?? parseEnv(registryEnvSchema.pick({ REGISTRY_USERS_FILE: true })).REGISTRY_USERS_FILE;
      if (!file) throw new FraudError('CONFIG_INVALID', 'no users file: pass --file PATH or set REGISTRY_USERS_FILE');
      if (o.role !== 'read' && o.role !== 'write')
        throw new FraudError('CONFIG_INVALID', `--role ${JSON.stringify(o.role)}: expected read or write`);
      const users: RegistryUser[] = existsSync(file) ? parseRegistryUsers(readFileSync(file, 'utf8'), file) : [];
      // 24 random bytes, URL-safe: usable as is in http://USER:PASSWORD@host.
      const password = randomBytes(24).toString('base64url');
      const user: RegistryUser = { name, role: o.role, passwordHash: await hashPassword(password) };
      // parse the new list (validates the name) before anything is written
      const next = parseRegistryUsers(JSON.stringify({ users: [...users.filter((u) => u.name !== name), user] }), file);
      const tmp = `${file}.tmp-${process.pid}`;
      writeFileSync(tmp, `${JSON.stringify({ users: next }, null, 2)}\n`, { mode: 0o600 });
      renameSync(tmp, file);
      process.stdout.write(
        `user ${name} (role ${o.role}) written to ${file}; its password, shown only now:\n${password}\n`,
      );
    });
}
