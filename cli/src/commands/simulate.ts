import { InvalidArgumentError, Option, type Command } from 'commander';
import {
  createLabelScheduler,
  createProgress,
  createWorldSimulator,
  defaultScenario,
  formatDuration,
  loadScenario,
  parseDuration,
  parseSpeed,
  runSimulation,
  type Scenario,
  type SimulateSummary,
  type Speed,
  type WorldName,
  type WorldStats,
  WORLD_NAMES,
} from '@fraud/producers';
import { argParser, fraction, positiveInt } from '../args.ts';
import { metricsNote, publishingOptions, runPublishing } from '../publishing.ts';
import { envHelp } from '../config/catalogue.ts';

interface SimulateFlags {
  rate?: number;
  max?: boolean;
  speed: Speed;
  seed?: string;
  scenario?: string;
  world?: WorldName;
  count?: number;
  duration?: number;
  start?: string;
  labels: boolean;
  legitLabelRate?: number;
  metricsPort?: number;
  batchSize?: number;
}

export const DEFAULT_SIMULATE_RATE = 200;

const speedArg = argParser(parseSpeed);
const durationSeconds = argParser((v) =>
  /^\d+(\.\d+)?$/.test(v.trim()) ? Number(v) * 1000 : parseDuration(v, '--duration'),
);

export function register(program: Command): void {
  const command = program
    .command('simulate')
    .description('publish simulated transactions (and their delayed labels): PaySim-like mobile money or card payments')
    .option(
      '--rate <tx/s>',
      `publish at most this many transactions per second (default ${DEFAULT_SIMULATE_RATE})`,
      positiveInt('--rate'),
    )
    .option('--max', 'no rate limit: publish as fast as the broker accepts')
    .addOption(
      new Option('--speed <speed>', 'simulated time speed: realtime, x60 (any factor) or max')
        .default('max' as Speed, 'max')
        .argParser(speedArg),
    )
    .option('--seed <seed>', 'PRNG seed: the same seed gives the same stream (default: random, printed)')
    .addOption(
      new Option('--world <world>', 'the simulated world: paysim (mobile money) or card (card payments)').choices(
        WORLD_NAMES,
      ),
    )
    .option(
      '--scenario <file>',
      'scenario file (YAML or JSON) with its world, population, label delays and fraud phases',
    )
    .option('--count <n>', 'stop after n transactions', positiveInt('--count'))
    .option('--duration <time>', 'stop after this wall-clock time (seconds, or 30s, 10m, 2h)', durationSeconds)
    .option('--start <iso>', 'simulated start time (default: the scenario start, else now)')
    .option('--no-labels', 'do not publish the delayed ground-truth labels')
    .option(
      '--legit-label-rate <r>',
      'fraction of legitimate transactions that get a label (fraud always does)',
      fraction,
    );
  publishingOptions(command)
    .addHelpText(
      'after',
      '\nExamples:\n  fraud simulate --count 100000 --max --seed 42\n' +
        '  fraud simulate --world card --count 50000 --max --seed 7\n' +
        '  fraud simulate --scenario producers/scenarios/card.yaml --speed x3600 --rate 500\n' +
        '  fraud simulate --scenario producers/scenarios/drift-demo.yaml --speed x3600 --rate 500\n' +
        envHelp('producers'),
    )
    .action(simulate);
}

/** The scenario file (or the world's default) with the command line's legitimate label rate. */
export async function scenarioOf(
  flags: Pick<SimulateFlags, 'scenario' | 'world' | 'legitLabelRate'>,
): Promise<Scenario> {
  const scenario: Scenario = flags.scenario
    ? await loadScenario(flags.scenario)
    : defaultScenario(flags.world ?? 'paysim');
  const world = scenario.world ?? 'paysim';
  if (flags.world !== undefined && flags.world !== world)
    throw new InvalidArgumentError(
      `--world ${flags.world} but the scenario ${flags.scenario} is of the ${world} world: ` +
        `drop --world, or set \`world: ${flags.world}\` in the scenario file`,
    );
  if (flags.legitLabelRate === undefined) return scenario;
  return { ...scenario, labels: { ...scenario.labels, legitSampleRate: flags.legitLabelRate } };
}

/** Publishes the simulated stream with Ctrl-C handling (first: stop and flush, second: quit), then the summary. */
async function simulate(flags: SimulateFlags): Promise<void> {
  const scenario = await scenarioOf(flags);
  const start = flags.start !== undefined ? Date.parse(flags.start) : (scenario.start ?? Date.now());
  if (Number.isNaN(start))
    throw new InvalidArgumentError(`--start ${flags.start} is not an ISO date (e.g. 2026-01-01T00:00:00Z)`);
  const seed = flags.seed ?? String(Math.floor(Math.random() * 2 ** 31));
  const simulator = createWorldSimulator({ seed, scenario, start });
  const ratePerSec = flags.max ? undefined : (flags.rate ?? DEFAULT_SIMULATE_RATE);
  const speed = flags.speed === 'max' ? 'max' : `x${flags.speed}`;
  await runPublishing('simulate', flags, async (pub, signal) => {
    const labels = flags.labels ? pub.topics.labels : '(no labels)';
    const rate = ratePerSec ? `${ratePerSec} tx/s` : 'max';
    process.stderr.write(
      `simulate: world ${scenario.world ?? 'paysim'}, scenario ${scenario.name}, seed ${seed}, ` +
        `speed ${speed}, rate ${rate}, topics ${pub.topics.transactions} + ${labels}${metricsNote(pub)}\n`,
    );
    const progress = createProgress({ title: 'simulate', total: flags.count });
    try {
      const summary = await runSimulation(
        { simulator, publisher: pub.publisher, scheduler: createLabelScheduler(), metrics: pub.metrics },
        {
          count: flags.count,
          durationMs: flags.duration,
          ratePerSec,
          speed: flags.speed,
          labels: flags.labels,
          signal,
          onProgress: (p) =>
            progress.update({
              done: p.transactions,
              extra: {
                labels: p.labels,
                pending: p.pendingLabels,
                sim: new Date(p.simTime).toISOString().slice(0, 16),
              },
            }),
        },
      );
      progress.stop();
      process.stdout.write(formatSummary(summary, simulator.stats, seed));
      if (summary.failed > 0) process.exitCode = 1;
    } finally {
      progress.stop();
    }
  });
}

function formatSummary(summary: SimulateSummary, s: WorldStats, seed: string): string {
  const fraudPct = ((100 * summary.fraud) / Math.max(1, summary.transactions)).toFixed(3);
  const typologies = Object.entries(s.byTypology)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const pending = summary.pendingLabels ? `  (${summary.pendingLabels} not yet due, not sent)` : '';
  const iso = (t: number): string => new Date(t).toISOString();
  const simulated = `${iso(summary.simulatedFrom)} .. ${iso(summary.simulatedTo)}`;
  return [
    `simulate: done (${summary.stoppedBy}) in ${formatDuration(summary.elapsedMs)}`,
    `  transactions sent  ${summary.transactions}  (${Math.round(summary.txPerSec)} tx/s)`,
    `  fraud              ${summary.fraud}  (${fraudPct}%)  ${typologies}`,
    `  labels sent        ${summary.labels}${pending}`,
    `  failed             ${summary.failed}`,
    `  simulated time     ${simulated}`,
    `  seed               ${seed} (rerun with --seed ${seed} for the same stream)`,
    '',
  ].join('\n');
}
