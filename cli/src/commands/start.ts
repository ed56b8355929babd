import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { createLogger, envWith, parseEnv, scorerNodeOptions } from '@fraud/common';
import {
  dataDir,
  httpReady,
  repoRoot,
  servicePid,
  stackStatus,
  stackUp,
  startService,
  stopService,
  type ServiceSpec,
} from '@fraud/infra';
import { loadScenario, WORLD_NAMES, type WorldName } from '@fraud/producers';
import { bootstrapModel, hasChampion } from '../start/bootstrap-model.ts';
import { simulatorArgs } from '../start/simulator-args.ts';
import { untilStopSignal } from '../lifecycle.ts';
import { envHelp } from '../config/catalogue.ts';
import { startEnvSchema } from '../config/env.ts';

const log = (s: string) => process.stdout.write(`${s}\n`);

/**
 * `fraud start` (npm start): the whole local pipeline. Kafka, registry and topics; Prometheus;
 * a bootstrap champion model when there is none; then scorer, sinks, retrainer, decision API,
 * console and the simulator, each a background process with its log under .data/logs.
 * Ctrl-C stops the pipeline services (the broker keeps running; `fraud infra down` stops all).
 */
export function register(program: Command): void {
  program
    .command('start')
    .description('start the whole local pipeline with the simulator and the console (npm start)')
    .option('--rate <tx/s>', 'simulator rate in transactions per second', '200')
    .addOption(
      new Option('--world <world>', 'simulated world: paysim (mobile money) or card (card payments)')
        .choices(WORLD_NAMES)
        .default('paysim'),
    )
    .option('--detach', 'start everything and return instead of staying in the foreground')
    .option('--no-simulator', 'start the pipeline without the simulator')
    .option('--bootstrap-rows <n>', 'simulated transactions to train the bootstrap model on', '400000')
    .addHelpText('after', envHelp('start'))
    .action(start);
}

interface StartOptions {
  rate: string;
  world: WorldName;
  detach?: boolean;
  simulator: boolean;
  bootstrapRows: string;
}

async function start(o: StartOptions): Promise<void> {
  const rate = Number(o.rate);
  if (!Number.isFinite(rate) || rate <= 0) throw new Error(`--rate must be a positive number, got ${o.rate}`);
  const env = parseEnv(startEnvSchema);
  const dir = dataDir(env);
  const logger = createLogger('fraud-start', 'warn');
  const t0 = Date.now();
  await stackUp({ log });
  const secrets = localSecrets(dir, env.LIVE_FEED_SECRET);
  await startPrometheusIfPossible(dir);
  const installed = installedWorld(dir);
  if (installed !== o.world)
    log(
      `this installation ran the ${installed} world: a bootstrap model for the ${o.world} world replaces its champion`,
    );
  if (installed !== o.world || !(await hasChampion(env, logger, log))) {
    await bootstrapModel(env, logger, { rows: Number(o.bootstrapRows), seed: 42, log, world: o.world });
    writeFileSync(join(dir, WORLD_FILE), `${o.world}\n`);
  } else {
    log(`champion model found on model-updates (${o.world} world)`);
  }
  const scenarioPath = SCENARIO_PATHS[o.world];
  const txPerHour = (await loadScenario(scenarioPath)).txPerHour;
  const services = pipelineServices(
    dir,
    secrets.liveFeedSecret,
    o.simulator ? { rate, txPerHour, scenarioPath } : null,
  );
  // The first admin must exist before the console opens its database (DuckDB: one writer).
  await ensureAdmin(dir, secrets.adminPasswordFile);
  await startServices(dir, services);
  await printWhereToLook(t0, secrets.adminPasswordFile);
  if (o.detach) return;
  log('\nCtrl-C stops the pipeline services (Kafka and the registry keep running: `npx fraud infra down` stops them).');
  await watchUntilStopSignal(dir, services);
  log('stopping the pipeline services');
  for (const s of [...services].reverse()) if (servicePid(dir, s.name)) await stopService(dir, s.name);
  log('pipeline stopped');
}

/** Prometheus is optional: the pipeline starts without it (the reason is printed). */
async function startPrometheusIfPossible(dir: string): Promise<void> {
  const { startPrometheus } = await import('@fraud/infra');
  const prom = await startPrometheus({ dataDir: dir }).catch((err: unknown) => {
    log(`prometheus not started: ${(err as Error).message}`);
    return undefined;
  });
  if (prom) log('prometheus ready at http://127.0.0.1:9090');
}

/** The scenario the simulator of each world runs. */
const SCENARIO_PATHS: Record<WorldName, string> = {
  paysim: join(repoRoot, 'producers', 'scenarios', 'default.yaml'),
  card: join(repoRoot, 'producers', 'scenarios', 'card.yaml'),
};

/** Names the world the installation's bootstrap champion was trained for (absent: paysim, the first world). */
const WORLD_FILE = 'world';

function installedWorld(dir: string): WorldName {
  const file = join(dir, WORLD_FILE);
  if (!existsSync(file)) return 'paysim';
  const text = readFileSync(file, 'utf8').trim();
  return (WORLD_NAMES as readonly string[]).includes(text) ? (text as WorldName) : 'paysim';
}

/** The pipeline's services in start order; the simulator last, when a rate is given. */
function pipelineServices(
  dir: string,
  liveFeedSecret: string,
  simulator: { rate: number; txPerHour: number; scenarioPath: string } | null,
): ServiceSpec[] {
  const common = {
    LIVE_FEED_SECRET: liveFeedSecret,
    OMP_WAIT_POLICY: 'passive',
    LIVE_CORS_ORIGINS: 'http://127.0.0.1:3000,http://localhost:3000',
    RETRAINER_API_URL: 'http://127.0.0.1:9474',
  };
  const services: ServiceSpec[] = [
    {
      name: 'scorer',
      args: ['scorer'],
      env: { ...common, NODE_OPTIONS: scorerNodeOptions() },
      ready: httpReady('http://127.0.0.1:9470/metrics'),
    },
    { name: 'sinks', args: ['sink', 'all'], env: common, ready: httpReady('http://127.0.0.1:9472/health') },
    { name: 'retrainer', args: ['retrainer'], env: common, ready: httpReady('http://127.0.0.1:9474/health') },
    {
      name: 'api',
      args: ['api', 'serve'],
      env: { ...common, API_KEYS_FILE: join(dir, 'api-keys.json') },
      ready: httpReady('http://127.0.0.1:8080/health'),
    },
    {
      name: 'web',
      args: ['web', 'serve'],
      env: { ...common, WEB_PUBLIC_READONLY: 'true' },
      ready: httpReady('http://127.0.0.1:3000/health'),
      readyTimeoutMs: 180_000,
    },
  ];
  if (simulator !== null)
    services.push({
      name: 'simulator',
      args: simulatorArgs({ ...simulator, now: Date.now() }),
      env: common,
    });
  return services;
}

async function startServices(dir: string, services: readonly ServiceSpec[]): Promise<void> {
  for (const s of services) {
    const r = await startService(dir, s);
    const logFile = join(dir, 'logs', `${s.name}.log`);
    log(`${s.name.padEnd(9)} ${r.alreadyRunning ? 'already running' : 'started'} (pid ${r.pid}, log ${logFile})`);
  }
}

async function printWhereToLook(t0: number, adminPasswordFile: string): Promise<void> {
  log(`\nThe pipeline is up in ${((Date.now() - t0) / 1000).toFixed(1)} s:`);
  for (const row of await stackStatus()) log(`  ${row.name.padEnd(10)} ${row.running ? 'up  ' : 'down'}  ${row.where}`);
  log(`\n  console      http://127.0.0.1:3000  (user admin, password in ${adminPasswordFile})`);
  log(
    '  decision API http://127.0.0.1:8080/docs  ' +
      '(create a key: npx fraud api keys create --name me --scopes submit,read)',
  );
  log('  prometheus   http://127.0.0.1:9090   grafana boards: infra/grafana (docker compose up grafana)');
}

/** Until Ctrl-C: says when a service has died, once, with the log to read. */
async function watchUntilStopSignal(dir: string, services: readonly ServiceSpec[]): Promise<void> {
  const dead = new Set<string>();
  await untilStopSignal(
    () => {
      for (const s of services) {
        if (dead.has(s.name) || servicePid(dir, s.name)) continue;
        dead.add(s.name);
        log(
          `${s.name} is not running any more: see ${join(dir, 'logs', `${s.name}.log`)}; ` +
            '`npx fraud start` again restarts what is down',
        );
      }
    },
    5_000,
    (signal) => log(`${signal}: still stopping the services (each gets its own deadline)`),
  );
}

/** Per-installation secrets, generated once into the data folder (never the repo, never logs). */
function localSecrets(
  dir: string,
  configured: string | undefined,
): { liveFeedSecret: string; adminPasswordFile: string } {
  mkdirSync(dir, { recursive: true });
  const secretFile = join(dir, 'live-feed.secret');
  if (!existsSync(secretFile)) writeFileSync(secretFile, randomBytes(32).toString('base64url'), { mode: 0o600 });
  return {
    liveFeedSecret: configured ?? readFileSync(secretFile, 'utf8').trim(),
    adminPasswordFile: join(dir, 'admin.password'),
  };
}

/** The first admin of a fresh installation, with a random password stored 0600 in the data folder. */
async function ensureAdmin(dir: string, passwordFile: string): Promise<void> {
  if (existsSync(passwordFile) || servicePid(dir, 'web')) return;
  const password = randomBytes(18).toString('base64url');
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(
    process.execPath,
    [
      join(repoRoot, 'bin', 'fraud.mjs'),
      'users',
      'add',
      'admin',
      '--role',
      'admin',
      '--password-env',
      'FRAUD_ADMIN_PASSWORD',
    ],
    {
      env: envWith({ FRAUD_ADMIN_PASSWORD: password, FRAUD_DATA_DIR: dir }),
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) {
    log(
      `could not create the admin user (${r.stderr.trim()}); ` +
        'create one with: npx fraud users add admin --role admin',
    );
    return;
  }
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
}
