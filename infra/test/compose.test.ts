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
import { repoRoot } from '../src/paths.ts';

/**
 * There is no Docker engine here, so docker-compose.yml is validated structurally: services,
 * pinned images, loopback ports, health checks and depends_on conditions, commands that the
 * CLI really has, and every service's environment against that service's own config schema.
 */
interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test: string[] };
  volumes?: string[];
  profiles?: string[];
}
const compose = parse(readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
  secrets: Record<string, { file: string }>;
};
const services = compose.services;

const schemas: Record<string, { schema: z.ZodObject; extra?: string[] }> = {
  scorer: { schema: scorerEnvSchema },
  sinks: { schema: sinkEnvSchema },
  retrainer: { schema: retrainerEnvSchema },
  api: { schema: apiEnvSchema },
  // PORT and ORIGIN are read by SvelteKit's adapter-node server itself.
  web: { schema: webEnvSchema, extra: ['PORT', 'ORIGIN', 'HOST'] },
  simulator: { schema: producerEnvSchema },
  topics: { schema: scorerEnvSchema },
};

/** `${VAR:?message}` and `${VAR}` are filled from the operator's .env; use a valid stand-in. */
const substitute = (v: string) => v.replace(/\$\{[A-Z_]+(:\?[^}]*)?\}/g, 'x'.repeat(32));

describe('docker-compose.yml', () => {
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

  it('pins every image and builds the app services from the multi-stage Dockerfile', () => {
    for (const [name, s] of Object.entries(services)) {
      expect(s.image, name).toBeDefined();
      expect(s.image, name).not.toMatch(/:latest$|^[^:]+$/);
    }
    const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    for (const name of Object.keys(schemas)) expect(services[name]!.build, name).toBeDefined();
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
    const env = Object.fromEntries(
      Object.entries(services[name]!.environment ?? {}).map(([k, v]) => [k, substitute(String(v))]),
    );
    const known = new Set([...Object.keys(schema.shape), ...extra, 'LOG_LEVEL', 'NODE_ENV']);
    for (const key of Object.keys(env))
      expect(known.has(key), `${name}: ${key} is not a setting of this service`).toBe(true);
    const parsed = schema.safeParse(env);
    expect(
      parsed.success ? 'ok' : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      name,
    ).toBe('ok');
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
    for (const name of ['kafka', 'schema-registry', 'scorer', 'sinks', 'api'])
      expect(services[name]!.healthcheck, name).toBeDefined();
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
    const text = readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8');
    expect(text).not.toMatch(/(PASSWORD|SECRET|TOKEN)\s*:\s*["']?(?!\$\{)[A-Za-z0-9]/);
    for (const [, secret] of Object.entries(compose.secrets)) expect(secret.file).toMatch(/^\.\/secrets\//);
    expect(readFileSync(join(repoRoot, '.gitignore'), 'utf8')).toMatch(/^secrets\/$/m);
  });

  it('scales the scorer: no fixed container name or host port on it, partitions enough for 3', () => {
    const s = services.scorer! as Service & { container_name?: string };
    expect(s.container_name).toBeUndefined();
    expect(s.ports ?? []).toHaveLength(0);
    expect(services.topics!.command).toEqual(['infra', 'topics', '--partitions', '6']);
  });
});
