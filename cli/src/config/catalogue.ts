import type { Command } from 'commander';
import { kafkaEnvShape, logEnvShape } from '@fraud/common';
import {
  renderConfigMarkdown,
  renderEnvHelp,
  type ConfigCatalogue,
  type ConfigGroup,
  type ConfigService,
} from '@fraud/common/config';
import { apiEnvSchema } from '@fraud/api/env';
import { infraEnvSchema } from '@fraud/infra/env';
import { modelEnvSchema } from '@fraud/model/env';
import { producerEnvSchema } from '@fraud/producers/env';
import { retrainerEnvSchema } from '@fraud/retrainer/env';
import { scorerEnvSchema } from '@fraud/scorer/env';
import { sinkEnvSchema } from '@fraud/sinks/env';
import { webEnvSchema } from '@fraud/web/env';
import { benchEnvSchema } from './bench-env.ts';
import {
  cliEnvSchema,
  registryEnvSchema,
  rulesEnvSchema,
  startEnvSchema,
  usersEnvSchema,
  webServeEnvSchema,
} from './env.ts';

/**
 * Every environment variable of the system, by service: the one list docs/configuration.md and
 * each command's --help are rendered from (`npm run docs:config`). It lives in the CLI because
 * the CLI may import every service's env module; common/ only renders.
 */

const kafka: ConfigGroup = {
  title: 'Kafka connection',
  intro:
    'Read by every service and command that talks to Kafka or the schema registry. ' +
    'SASL/TLS settings pass straight to the Kafka client (docs/operations.md, "Secure Kafka").',
  shape: kafkaEnvShape,
};
const logging: ConfigGroup = { title: 'Logging', intro: 'Read by every service.', shape: logEnvShape };
const native: ConfigGroup = {
  title: 'Native libraries',
  intro: 'Read wherever XGBoost is loaded: training, retraining, the bootstrap model of `fraud start`.',
  shape: modelEnvSchema.shape,
};
const cli: ConfigGroup = { title: 'CLI', intro: 'Read by every `fraud` command.', shape: cliEnvSchema.shape };

/** One service's entry; `intro` only where the service has more to say than its table. */
function service(
  title: string,
  commands: readonly string[],
  shape: ConfigService['shape'],
  shared: readonly ConfigGroup[],
  intro?: string,
): ConfigService {
  return { title, commands, ...(intro === undefined ? {} : { intro }), shape, shared };
}

export const CONFIG_SERVICES = {
  scorer: service('Scorer', ['fraud scorer'], scorerEnvSchema.shape, [kafka, logging]),
  sinks: service(
    'Sinks',
    ['fraud sink warehouse|metrics|live|all'],
    sinkEnvSchema.shape,
    [kafka, logging],
    'The warehouse uses DuckDB unless both BIGQUERY_PROJECT and BIGQUERY_DATASET are set.',
  ),
  retrainer: service(
    'Retrainer',
    ['fraud retrainer', 'fraud models', 'fraud backtest'],
    { ...retrainerEnvSchema.shape, ...modelEnvSchema.shape },
    [kafka, logging, native],
  ),
  producers: service('Producers', ['fraud simulate', 'fraud replay'], producerEnvSchema.shape, [kafka, logging]),
  api: service('Decision API', ['fraud api serve', 'fraud api keys'], apiEnvSchema.shape, [kafka, logging]),
  web: service(
    'Console',
    ['fraud web serve'],
    { ...webServeEnvSchema.shape, ...webEnvSchema.shape },
    [kafka, logging],
    'The live sink must allow the console origin in LIVE_CORS_ORIGINS.',
  ),
  users: service('Console users', ['fraud users add|list'], usersEnvSchema.shape, []),
  registry: service('Schema registry', ['fraud registry serve', 'fraud registry users add'], registryEnvSchema.shape, [
    kafka,
    logging,
  ]),
  start: service(
    'Local pipeline',
    ['fraud start'],
    { ...startEnvSchema.shape, ...modelEnvSchema.shape },
    [kafka, native],
    'Every service it starts also reads its own variables (see each). Unset LIVE_FEED_SECRET: a secret generated ' +
      'once into the data folder (live-feed.secret) is given to the sinks and the console.',
  ),
  rules: service(
    'Rules',
    ['fraud rules list|show|validate|backtest|publish|rollback'],
    { WAREHOUSE_API_URL: rulesEnvSchema.shape.WAREHOUSE_API_URL },
    [kafka, logging],
    'Rule sets live on the control topic; backtests ask the warehouse sink (or a DuckDB file given with --warehouse).',
  ),
  infra: service('Local runtime', ['fraud infra up|down|status|reset|topics'], infraEnvSchema.shape, []),
  model: service('Model toolkit', ['fraud model train|evaluate|score'], modelEnvSchema.shape, [native]),
  bench: service(
    'Benchmarks',
    ['fraud bench NAME', 'npm run bench -- NAME'],
    { ...benchEnvSchema.shape, ...modelEnvSchema.shape },
    [kafka, logging, native],
    'Each variable names the benchmark it tunes; the SCORER_* ones are passed to the scorer under test.',
  ),
} as const satisfies Record<string, ConfigService>;

export type ConfigServiceId = keyof typeof CONFIG_SERVICES;

export const CONFIG_CATALOGUE: ConfigCatalogue = {
  groups: [kafka, logging, native, cli],
  services: Object.values(CONFIG_SERVICES),
};

/** The "Environment" section of a command's --help. */
export function envHelp(id: ConfigServiceId): string {
  return `\n${renderEnvHelp(CONFIG_SERVICES[id])}`;
}

/** `parent name`, described, whose --help ends with the environment of service `id`. */
export function envCommand(parent: Command, name: string, description: string, id: ConfigServiceId): Command {
  return parent.command(name).description(description).addHelpText('after', envHelp(id));
}

export const CONFIG_DOC_PATH = 'docs/configuration.md';

/** The header of docs/configuration.md. */
export const CONFIG_DOC_HEADER: readonly string[] = [
  '# Configuration',
  '',
  '<!-- Generated by `npm run docs:config` (scripts/gen-config-docs.ts) from the zod schemas listed in',
  'cli/src/config/catalogue.ts. Do not edit: change the schema (its .describe() text or default) and',
  'regenerate; cli/test/config-catalogue.test.ts fails when this file differs from the schemas. -->',
  '',
  'Every service parses its environment once at start-up with a zod schema; a bad or missing value',
  'stops it with a message naming the variable. `fraud COMMAND --help` shows the same tables as text.',
];

/** docs/configuration.md as the schemas say it should read now. */
export function configDoc(): string {
  return renderConfigMarkdown(CONFIG_CATALOGUE, CONFIG_DOC_HEADER);
}
