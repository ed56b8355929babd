import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { FraudError } from '@fraud/common';
import { parseDuration } from './duration.ts';
import { DEFAULT_LABEL_POLICY, type DelayDistribution, type LabelPolicy } from './labels.ts';
import { PAYSIM_FRAUD_RATE } from './calibration.ts';

export const TYPOLOGY_NAMES = [
  'takeover',
  'partial-drain',
  'mule-fan-in',
  'velocity-burst',
  'new-payee-night',
] as const;
export type TypologyName = (typeof TYPOLOGY_NAMES)[number];
/** The card world's fraud scenarios (producers/src/worlds/card). */
export const CARD_TYPOLOGY_NAMES = ['compromised-terminal', 'card-spike', 'card-testing'] as const;
export type CardTypologyName = (typeof CARD_TYPOLOGY_NAMES)[number];
/** Fraction of all transactions that are fraud of each typology (0.0013 = 0.13%). */
export type TypologyRates = Partial<Record<TypologyName | CardTypologyName, number>>;

/** The simulated worlds: PaySim's mobile money (the default) and card payments. */
export const WORLD_NAMES = ['paysim', 'card'] as const;
export type WorldName = (typeof WORLD_NAMES)[number];
/** The typologies each world can simulate; a scenario naming another world's typology is refused. */
export const WORLD_TYPOLOGIES: Readonly<Record<WorldName, readonly string[]>> = {
  paysim: TYPOLOGY_NAMES,
  card: CARD_TYPOLOGY_NAMES,
};

export interface Phase {
  name: string;
  /** Simulated milliseconds after the scenario start at which the phase begins. */
  fromMs: number;
  typologies: TypologyRates;
}

export interface Population {
  customers: number;
  merchants: number;
  /** PaySim world: cash-in/cash-out agents. */
  agents: number;
  /** Card world: card-present terminals (undefined: the card world's default). */
  terminals?: number;
}

export interface Scenario {
  name: string;
  /** The world simulated; undefined: paysim. */
  world?: WorldName;
  /** Simulated epoch ms of the first transaction; undefined: the caller decides (e.g. now). */
  start: number | undefined;
  /** Mean legitimate transactions per simulated hour (shaped by the hourly cycle). */
  txPerHour: number;
  population: Population;
  currency: string;
  labels: LabelPolicy;
  phases: Phase[];
}

export const DEFAULT_SCENARIO: Scenario = {
  name: 'paysim',
  world: 'paysim',
  start: undefined,
  txPerHour: 8_500,
  population: { customers: 20_000, merchants: 2_000, agents: 500 },
  currency: 'USD',
  labels: DEFAULT_LABEL_POLICY,
  phases: [{ name: 'paysim', fromMs: 0, typologies: { takeover: PAYSIM_FRAUD_RATE } }],
};

/**
 * The card world's defaults: 20,000 cards making about 3 payments a day at 8,000 terminals and
 * 3,000 merchants, 0.5% fraud over the three card scenarios. Card fraud is confirmed later than
 * mobile-money fraud (a chargeback or the holder's call): median 1 day; legitimate after 2 days.
 */
export const DEFAULT_CARD_SCENARIO: Scenario = {
  name: 'card',
  world: 'card',
  start: undefined,
  txPerHour: 2_500,
  population: { customers: 20_000, merchants: 3_000, agents: 0, terminals: 8_000 },
  currency: 'EUR',
  labels: {
    fraudDelay: { kind: 'lognormal', medianMs: 86_400_000, sigma: 1, minMs: 3_600_000, maxMs: 14 * 86_400_000 },
    legitDelay: { kind: 'fixed', ms: 2 * 86_400_000 },
    legitSampleRate: 1,
  },
  phases: [
    {
      name: 'card',
      fromMs: 0,
      typologies: { 'compromised-terminal': 0.002, 'card-spike': 0.0015, 'card-testing': 0.0015 },
    },
  ],
};

/** The default scenario of a world. */
export function defaultScenario(world: WorldName): Scenario {
  return world === 'card' ? DEFAULT_CARD_SCENARIO : DEFAULT_SCENARIO;
}

const duration = z.union([z.string(), z.number().nonnegative()]);
const rate = z.number().min(0).max(0.2);
const delay = z.discriminatedUnion('distribution', [
  z.object({ distribution: z.literal('fixed'), value: duration }),
  z.object({ distribution: z.literal('uniform'), min: duration, max: duration }),
  z.object({
    distribution: z.literal('lognormal'),
    median: duration,
    sigma: z.number().nonnegative(),
    min: duration.default(0),
    max: duration.default('30d'),
  }),
]);
const typologies = z
  .object(
    Object.fromEntries([...TYPOLOGY_NAMES, ...CARD_TYPOLOGY_NAMES].map((n) => [n, rate.optional()])) as Record<
      TypologyName | CardTypologyName,
      z.ZodOptional<typeof rate>
    >,
  )
  .strict();

const fileSchema = z
  .object({
    name: z.string().min(1).default('scenario'),
    world: z.enum(WORLD_NAMES).default('paysim'),
    start: z.union([z.iso.datetime({ offset: true }), z.number().int()]).optional(),
    txPerHour: z.number().positive().max(1e9).optional(),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/)
      .optional(),
    population: z
      .object({
        customers: z.number().int().min(100).max(5_000_000),
        merchants: z.number().int().min(10).max(1_000_000),
        agents: z.number().int().min(5).max(1_000_000),
        terminals: z.number().int().min(10).max(1_000_000),
      })
      .partial()
      .default({}),
    labels: z
      .object({
        fraudDelay: delay.optional(),
        legitDelay: delay.optional(),
        legitSampleRate: z.number().min(0).max(1).optional(),
      })
      .strict()
      .default({}),
    phases: z.array(z.object({ name: z.string().min(1), from: duration.default(0), typologies }).strict()).min(1),
  })
  .strict();

function toDelay(d: z.infer<typeof delay>, what: string): DelayDistribution {
  switch (d.distribution) {
    case 'fixed':
      return { kind: 'fixed', ms: parseDuration(d.value, what) };
    case 'uniform':
      return { kind: 'uniform', minMs: parseDuration(d.min, what), maxMs: parseDuration(d.max, what) };
    case 'lognormal':
      return {
        kind: 'lognormal',
        medianMs: parseDuration(d.median, what),
        sigma: d.sigma,
        minMs: parseDuration(d.min, what),
        maxMs: parseDuration(d.max, what),
      };
  }
}

/** Validates a parsed scenario document (from YAML or JSON); errors name the offending path. */
export function scenarioFromObject(doc: unknown, source = 'scenario'): Scenario {
  const parsed = fileSchema.safeParse(doc);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new FraudError(
      'CONFIG_INVALID',
      `${source} is not a valid scenario:\n${lines.join('\n')}\nSee docs/producers.md for the format.`,
    );
  }
  const s = parsed.data;
  const base = defaultScenario(s.world);
  const allowed = new Set(WORLD_TYPOLOGIES[s.world]);
  for (const p of s.phases) {
    const foreign = Object.keys(p.typologies).filter((t) => !allowed.has(t));
    if (foreign.length)
      throw new FraudError(
        'CONFIG_INVALID',
        `${source}: phase "${p.name}" names ${foreign.join(', ')}, not a typology of the ${s.world} world ` +
          `(it has ${[...allowed].join(', ')}); set \`world:\` to the world that has it`,
      );
  }
  const phases = s.phases.map((p) => ({
    name: p.name,
    fromMs: parseDuration(p.from, `${source}: phases.${p.name}.from`),
    typologies: p.typologies,
  }));
  if (phases[0]!.fromMs !== 0)
    throw new FraudError(
      'CONFIG_INVALID',
      `${source}: the first phase must start at 0 (it starts at ${phases[0]!.fromMs} ms)`,
    );
  for (let i = 1; i < phases.length; i++) {
    if (phases[i]!.fromMs <= phases[i - 1]!.fromMs)
      throw new FraudError(
        'CONFIG_INVALID',
        `${source}: phase "${phases[i]!.name}" must start after "${phases[i - 1]!.name}"`,
      );
  }
  return {
    name: s.name,
    world: s.world,
    start: s.start === undefined ? undefined : typeof s.start === 'number' ? s.start : Date.parse(s.start),
    txPerHour: s.txPerHour ?? base.txPerHour,
    currency: s.currency ?? base.currency,
    population: { ...base.population, ...s.population },
    labels: {
      fraudDelay: s.labels.fraudDelay
        ? toDelay(s.labels.fraudDelay, `${source}: labels.fraudDelay`)
        : base.labels.fraudDelay,
      legitDelay: s.labels.legitDelay
        ? toDelay(s.labels.legitDelay, `${source}: labels.legitDelay`)
        : base.labels.legitDelay,
      legitSampleRate: s.labels.legitSampleRate ?? base.labels.legitSampleRate,
    },
    phases,
  };
}

/** Reads a scenario file: .yaml/.yml or .json. */
export async function loadScenario(path: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err: unknown) {
    throw new FraudError('CONFIG_INVALID', `cannot read scenario file ${path}: check the path`, { cause: err });
  }
  let doc: unknown;
  try {
    doc = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err: unknown) {
    throw new FraudError(
      'CONFIG_INVALID',
      `scenario file ${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  return scenarioFromObject(doc, path);
}

/** The phase in force at `offsetMs` simulated ms after the start. */
export function phaseAt(scenario: Scenario, offsetMs: number): Phase {
  let current = scenario.phases[0]!;
  for (const p of scenario.phases) if (p.fromMs <= offsetMs) current = p;
  return current;
}
