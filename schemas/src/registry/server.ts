import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@fraud/common';
import type { Kafka } from '@fraud/kafka';
import type { RegistryUser } from './auth.ts';
import type { CompatibilityLevel } from './compat.ts';
import { parseSchema } from './canonical.ts';
import { createSchemaLog } from './log.ts';
import { createRoutes } from './routes.ts';
import { createRegistryService } from './service.ts';
import { RegistryState } from './state.ts';

export interface RegistryServerOptions {
  kafka: Kafka;
  /** The compacted storage topic, `_schemas` by default in the stack; created if missing. */
  topic: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  logger: Logger;
  defaultCompatibility?: CompatibilityLevel;
  /** Deadline for reading the log and for a write to be read back. */
  timeoutMs?: number;
  /** HTTP Basic users (auth.ts); none: the registry is open (bind it to 127.0.0.1 then). */
  users?: readonly RegistryUser[];
}

/** Canonical form of a stored schema; a text that fails to parse stays its own identity. */
function canonicalOrSelf(schema: string): string {
  try {
    return parseSchema(schema).canonical;
  } catch {
    return schema; // stored by another writer and not valid Avro: only ever equal to itself
  }
}

export interface RegistryServer {
  start(): Promise<{ url: string }>;
  stop(): Promise<void>;
}

/**
 * The embedded Confluent-compatible schema registry. start() reads the storage topic to its
 * end before it listens, so the first answer already reflects every earlier write.
 */
export function createRegistryServer(options: RegistryServerOptions): RegistryServer {
  const { logger } = options;
  const state = new RegistryState(options.defaultCompatibility ?? 'BACKWARD', canonicalOrSelf);
  const log = createSchemaLog({
    kafka: options.kafka,
    topic: options.topic,
    logger,
    timeoutMs: options.timeoutMs,
    apply: (record) => {
      if (!state.apply(record))
        logger.info({ record }, 'schema record lost a race with a concurrent writer; ignored by every instance');
    },
  });
  let server: Server | undefined;

  return {
    async start() {
      const started = Date.now();
      await log.start();
      const app = createRoutes(createRegistryService(state, log), logger, options.users);
      const host = options.host ?? '127.0.0.1';
      const srv = app.listen(options.port ?? 0, host);
      server = srv;
      await new Promise<void>((resolve, reject) => {
        srv.once('listening', resolve);
        srv.once('error', reject);
      });
      const { port } = srv.address() as AddressInfo;
      const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
      logger.info(
        {
          url,
          topic: options.topic,
          subjects: state.subjects().length,
          auth: options.users?.length ? `basic, ${options.users.length} users` : 'none',
          startMs: Date.now() - started,
        },
        'schema registry listening',
      );
      return { url };
    },
    async stop() {
      const srv = server;
      server = undefined;
      if (srv) {
        const closed = new Promise<void>((resolve, reject) => srv.close((err) => (err ? reject(err) : resolve())));
        srv.closeAllConnections();
        await closed;
      }
      await log.stop();
    },
  };
}
