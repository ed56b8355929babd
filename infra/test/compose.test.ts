import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { z } from 'zod';
import { apiEnvSchema } from '@fraud/api';
import { producerEnvSchema } from '@fraud/producers';
import { retrainerEnvSchema } from '@fraud/retrainer';
import { scorerEnvSchema } from '@fraud/scorer';
import { sinkEnvSchema } from '@fraud/sinks';
import { webEnvSchema } from '@fraud/web';
import { scorerNodeOptions } from '@fraud/common';
import { repoRoot } from '../src/paths.ts';
import { plannedTopics } from '../src/topics.ts';

/**
 * There is no Docker engine here, so the compose files are validated structurally: services,
 * pinned images, loopback ports, health checks and depends_on conditions, commands that the
 * CLI really has, and every service's environment against that service's own config schema.
 * docker-compose.yml is the one-broker stack; docker-compose.scale.yml the three-broker,
 * three-scorer starting point of docs/operations.md ("Sizing for a national switch").
 */
interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string | number>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test: string[] };
  volumes?: string[];
  profiles?: string[];
  container_name?: string;
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
  secrets: Record<string, { file: string }>;
}
const read = (file: string) => readFileSync(join(repoRoot, file), 'utf8');
const load = (file: string) => parse(read(file), { merge: true }) as ComposeFile;

type Schema = { schema: z.ZodObject; extra?: string[] };
const app: Record<string, Schema> = {
  // NODE_OPTIONS: the scorer's V8 young generation (checked below against scorerNodeOptions).
  scorer: { schema: scorerEnvSchema, extra: ['NODE_OPTIONS'] },
  sinks: { schema: sinkEnvSchema },
  retrainer: { schema: retrainerEnvSchema },
  api: { schema: apiEnvSchema },
  // PORT and ORIGIN are read by SvelteKit's adapter-node server itself.
  web: { schema: webEnvSchema, extra: ['PORT', 'ORIGIN', 'HOST'] },
  simulator: { schema: producerEnvSchema },
};
const SCORERS = ['scorer-1', 'scorer-2', 'scorer-3'];
const BROKERS = ['kafka-1', 'kafka-2', 'kafka-3'];
/** The app services of each file (built from the Dockerfile, run as `fraud ...`) and their config schema. */
const files: Record<string, Record<string, Schema>> = {
  'docker-compose.yml': { ...app, topics: app.scorer! },
  'docker-compose.scale.yml': {
    ...Object.fromEntries(Object.entries(app).filter(([name]) => name !== 'scorer')),
    ...Object.fromEntries(SCORERS.map((name) => [name, app.scorer!])),
  },
};

/** `${VAR:?message}` and `${VAR}` are filled from the operator's .env; use a valid stand-in. */
const substitute = (v: string) => v.replace(/\$\{[A-Z_]+(:\?[^}]*)?\}/g, 'x'.repeat(32));
const envOf = (s: Service) => Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, String(v)]));

describe.each(Object.keys(files))('%s', (file) => {
  const compose = load(file);
  const services = compose.services;
  const schemas = files[file]!;

  it('pins every image and builds the app services from the multi-stage Dockerfile', () => {
    for (const [name, s] of Object.entries(services)) {
      expect(s.image, name).toBeDefined();
      expect(s.image, name).not.toMatch(/:latest$|^[^:]+$/);
    }
    const dockerfile = read('Dockerfile');
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    for (const name of Object.keys(schemas)) expect(services[name]?.build, name).toBeDefined();
  });

  it('runs only commands the fraud CLI has', () => {
    const help = execFileSync(process.execPath, [join(repoRoot, 'bin', 'fraud.mjs'), '--help'], { encoding: 'utf8' });
    const commands = new Set([...help.matchAll(/^ {2}([a-z-]+)/gm)].map((m) => m[1]));
    for (const name of Object.keys(schemas)) {
      const cmd = services[name]!.command!;
      expect(commands.has(cmd[0]), `${name}: fraud ${cmd[0]}`).toBe(true);
    }
  });

  it.each(Object.keys(schemas))('%s: every environment variable is known to the service config and parses', (name) => {
    const { schema, extra = [] } = schemas[name]!;
    const env = Object.fromEntries(Object.entries(envOf(services[name]!)).map(([k, v]) => [k, substitute(v)]));
    const known = new Set([...Object.keys(schema.shape), ...extra, 'LOG_LEVEL', 'NODE_ENV']);
    for (const key of Object.keys(env))
      expect(known.has(key), `${name}: ${key} is not a setting of this service`).toBe(true);
    const parsed = schema.safeParse(env);
    expect(
      parsed.success ? 'ok' : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      name,
    ).toBe('ok');
  });

  it('gives every scorer the young generation the local launchers give it', () => {
    const scorers = Object.keys(schemas).filter((name) => schemas[name]!.schema === scorerEnvSchema);
    expect(scorers.length).toBeGreaterThan(0);
    for (const name of scorers.filter((n) => n !== 'topics'))
      expect(envOf(services[name]!).NODE_OPTIONS, name).toBe(scorerNodeOptions(''));
  });

  it('publishes ports on loopback only and gives health checks to what others wait on', () => {
    for (const [name, s] of Object.entries(services))
      for (const p of s.ports ?? []) expect(p, name).toMatch(/^127\.0\.0\.1:/);
    for (const [name, s] of Object.entries(services)) {
      const deps = s.depends_on && !Array.isArray(s.depends_on) ? s.depends_on : {};
      for (const [dep, { condition }] of Object.entries(deps)) {
        expect(services[dep], `${name} depends on unknown ${dep}`).toBeDefined();
        if (condition === 'service_healthy')
          expect(services[dep]!.healthcheck, `${dep} needs a healthcheck for ${name}`).toBeDefined();
        expect(['service_healthy', 'service_started', 'service_completed_successfully']).toContain(condition);
      }
    }
    const scorers = file === 'docker-compose.yml' ? ['scorer'] : SCORERS;
    const kafka = file === 'docker-compose.yml' ? ['kafka'] : BROKERS;
    for (const name of [...kafka, 'schema-registry', ...scorers, 'sinks', 'api'])
      expect(services[name]?.healthcheck, name).toBeDefined();
  });

  it('declares its volumes and mounts files that exist', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const v of s.volumes ?? []) {
        const src = v.split(':')[0]!;
        if (src.startsWith('./')) expect(existsSync(join(repoRoot, src)), `${name}: ${src}`).toBe(true);
        else expect(compose.volumes[src], `${name}: volume ${src}`).toBeDefined();
      }
    }
    const dashboards = join(repoRoot, 'infra', 'grafana', 'dashboards');
    expect(existsSync(join(dashboards, 'technical.json')) && existsSync(join(dashboards, 'business.json'))).toBe(true);
  });

  it('keeps secrets out of the file: they come from .env or secret files', () => {
    expect(read(file)).not.toMatch(/(PASSWORD|SECRET|TOKEN)\s*:\s*["']?(?!\$\{)[A-Za-z0-9]/);
    for (const [, secret] of Object.entries(compose.secrets)) expect(secret.file).toMatch(/^\.\/secrets\//);
    expect(read('.gitignore')).toMatch(/^secrets\/$/m);
  });
});

describe('docker-compose.yml', () => {
  const services = load('docker-compose.yml').services;

  it('has the infrastructure and one container per service', () => {
    expect(Object.keys(services).sort()).toEqual([
      'api',
      'grafana',
      'kafka',
      'prometheus',
      'retrainer',
      'schema-registry',
      'scorer',
      'simulator',
      'sinks',
      'topics',
      'web',
    ]);
    expect(services.kafka!.image).toMatch(/^apache\/kafka:4\.1\.1$/);
    expect(services['schema-registry']!.image).toMatch(/^confluentinc\/cp-schema-registry:\d/);
  });

  it('scales the scorer: no fixed container name or host port on it, partitions enough for 3', () => {
    const s = services.scorer!;
    expect(s.container_name).toBeUndefined();
    expect(s.ports ?? []).toHaveLength(0);
    expect(services.topics!.command).toEqual(['infra', 'topics', '--partitions', '6']);
  });
});

/** `create <topic> <partitions> [--config k=v]...` lines of the scale file's topics job. */
function createdTopics(script: string): Map<string, { partitions: number; config: Record<string, string> }> {
  const topics = new Map<string, { partitions: number; config: Record<string, string> }>();
  for (const m of script.matchAll(/^\s*create ([\w.-]+) (\d+)(.*)$/gm)) {
    const config = Object.fromEntries([...m[3]!.matchAll(/--config ([\w.]+)=(\S+)/g)].map((c) => [c[1]!, c[2]!]));
    topics.set(m[1]!, { partitions: Number(m[2]), config });
  }
  return topics;
}

describe('docker-compose.scale.yml', () => {
  const services = load('docker-compose.scale.yml').services;
  const brokerEnv = BROKERS.map((name) => envOf(services[name]!));

  it('has three brokers, the registry, a topics job, three scorers and the services of the base file', () => {
    expect(Object.keys(services).sort()).toEqual(
      [...BROKERS, 'schema-registry', 'topics', ...SCORERS, 'sinks', 'retrainer', 'api', 'web', 'simulator'].sort(),
    );
    for (const name of [...BROKERS, 'topics']) expect(services[name]!.image, name).toBe('apache/kafka:4.1.1');
  });

  it('runs the brokers as one KRaft cluster: unique node ids, one cluster id, all three in the voters', () => {
    const ids = brokerEnv.map((env) => env.KAFKA_NODE_ID);
    expect(new Set(ids).size).toBe(3);
    expect(new Set(brokerEnv.map((env) => env.CLUSTER_ID)).size).toBe(1);
    expect(brokerEnv[0]!.CLUSTER_ID).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const voters = BROKERS.map((name, i) => `${ids[i]}@${name}:9093`).join(',');
    BROKERS.forEach((name, i) => {
      const env = brokerEnv[i]!;
      expect(env.KAFKA_CONTROLLER_QUORUM_VOTERS, name).toBe(voters);
      expect(env.KAFKA_PROCESS_ROLES, name).toBe('broker,controller');
      expect(env.KAFKA_ADVERTISED_LISTENERS, name).toBe(`PLAINTEXT://${name}:9092`);
      expect(env.KAFKA_LISTENERS, name).toContain('CONTROLLER://:9093');
    });
    const volumes = BROKERS.map((name) => services[name]!.volumes![0]!.split(':')[0]);
    expect(new Set(volumes).size).toBe(3);
  });

  it('replicates everything 3 times and acknowledges writes on 2 in-sync replicas', () => {
    for (const env of brokerEnv) {
      expect(env.KAFKA_DEFAULT_REPLICATION_FACTOR).toBe('3');
      expect(env.KAFKA_MIN_INSYNC_REPLICAS).toBe('2');
      expect(env.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR).toBe('3');
      expect(env.KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR).toBe('3');
      expect(env.KAFKA_TRANSACTION_STATE_LOG_MIN_ISR).toBe('2');
      expect(env.KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE).toBe('false');
      expect(env.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe('false');
    }
    const registry = envOf(services['schema-registry']!);
    expect(registry.SCHEMA_REGISTRY_KAFKASTORE_TOPIC_REPLICATION_FACTOR).toBe('3');
    for (const name of BROKERS) expect(registry.SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS).toContain(`${name}:9092`);
  });

  it('creates the planned topics with their settings at RF 3, min ISR 2, partitions for 3+ scorers', () => {
    const script = [...(services.topics!.entrypoint ?? []), ...(services.topics!.command ?? [])].join('\n');
    expect(script).toContain('--replication-factor 3');
    expect(script).toContain('--config min.insync.replicas=2');
    const created = createdTopics(script);
    const data = created.get('transactions')!.partitions;
    expect(data).toBeGreaterThanOrEqual(SCORERS.length);
    for (const planned of plannedTopics({ partitions: data })) {
      const got = created.get(planned.topic);
      expect(got, `topics job does not create ${planned.topic}`).toBeDefined();
      expect(got!.partitions, planned.topic).toBe(planned.numPartitions);
      const config = Object.fromEntries((planned.configEntries ?? []).map((c) => [c.name, c.value]));
      expect(got!.config, planned.topic).toEqual(config);
    }
    for (const name of Object.keys(files['docker-compose.scale.yml']!))
      expect(services[name]!.depends_on, name).toMatchObject({
        topics: { condition: 'service_completed_successfully' },
      });
  });

  it('runs three scorers in one consumer group, each advertising its own decide address', () => {
    const envs = SCORERS.map((name) => envOf(services[name]!));
    expect(new Set(envs.map((env) => env.SCORER_GROUP_ID)).size).toBe(1);
    expect(envs[0]!.SCORER_GROUP_ID).toBeTruthy();
    expect(envOf(services.api!).SCORER_GROUP_ID).toBe(envs[0]!.SCORER_GROUP_ID);
    expect(envs.map((env) => env.SCORER_DECIDE_ADVERTISED_HOST)).toEqual(SCORERS);
    for (const [i, name] of SCORERS.entries()) {
      expect(envs[i]!.SCORER_DECIDE_HOST, name).toBe('0.0.0.0');
      expect(services[name]!.ports ?? [], name).toHaveLength(0);
      expect(services[name]!.container_name, name).toBeUndefined();
    }
  });

  it('points every service at all three brokers', () => {
    for (const name of Object.keys(files['docker-compose.scale.yml']!))
      expect(envOf(services[name]!).KAFKA_BROKERS, name).toBe(BROKERS.map((b) => `${b}:9092`).join(','));
  });
});
