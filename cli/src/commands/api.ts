import type { Command } from 'commander';
import { createLogger } from '@fraud/common';
import { SCOPES, createKey, loadApiEnv, readKeyFile, startApiService, type Scope } from '@fraud/api';
import { stopOnSignals } from '../lifecycle.ts';
import { envHelp } from '../config/catalogue.ts';

export function register(program: Command): void {
  const api = program.command('api').description('the synchronous decision API (express) for authorisation systems');
  api
    .command('serve')
    .description('serve POST /v1/transactions, GET /v1/decisions/:txId, POST /v1/labels, /openapi.json, /docs')
    .addHelpText('after', envHelp('api'))
    .action(async () => {
      const env = loadApiEnv();
      const logger = createLogger('api', env.LOG_LEVEL);
      const svc = await startApiService(env, logger);
      process.stdout.write(`decision API listening on ${svc.url} (docs ${svc.url}/docs)\n`);
      stopOnSignals(svc, logger, 'stopping: closing connections and Kafka clients');
    });
  const keys = api.command('keys').description('API keys (hashed at rest, scoped)');
  keys
    .command('create')
    .description('create a key; it is printed once and only its hash is stored')
    .requiredOption('--name <name>', 'who uses the key, e.g. payment-switch')
    .option('--scopes <list>', `comma-separated: ${SCOPES.join(', ')}`, 'submit,read')
    .action((o: { name: string; scopes: string }) => {
      const scopes = o.scopes.split(',').map((s) => s.trim());
      const bad = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
      if (bad.length) throw new Error(`unknown scope(s) ${bad.join(', ')}; choose from ${SCOPES.join(', ')}`);
      const env = loadApiEnv();
      const { key, record } = createKey(env.API_KEYS_FILE, o.name, scopes as Scope[]);
      process.stdout.write(
        `key ${record.id} (${record.scopes.join(',')}) for ${record.name}:\n${key}\nStore it now: it cannot be ` +
          `shown again.\n`,
      );
    });
  keys
    .command('list')
    .description('list keys (ids, names, scopes; never the keys)')
    .action(() => {
      for (const r of readKeyFile(loadApiEnv().API_KEYS_FILE))
        process.stdout.write(`${r.id}  ${r.name}  ${r.scopes.join(',')}  ${new Date(r.createdAt).toISOString()}\n`);
    });
}
