import { join } from 'node:path';
import type { Command } from 'commander';
import { repoRoot, stackUp } from '@fraud/infra';
import { nonNegativeInt } from '../args.ts';
import { runChaos } from '../chaos/run-chaos.ts';

interface ChaosOptions {
  transactions: number;
  kills: number;
  brokerRestarts: number;
  scorers: number;
  seed: number;
  syncRate: number;
}

export function register(program: Command): void {
  program
    .command('chaos')
    .description(
      'npm run chaos: a simulation through scorers and the warehouse sink under SIGKILLs and a broker restart, then ' +
        'a full reconciliation (bench/results/chaos.json)',
    )
    .option('--transactions <n>', 'transactions to simulate', nonNegativeInt('--transactions'), 300_000)
    .option('--kills <n>', 'SIGKILLs of scorer and sink processes', nonNegativeInt('--kills'), 10)
    .option('--broker-restarts <n>', 'restarts of the (private) broker', nonNegativeInt('--broker-restarts'), 1)
    .option('--scorers <n>', 'scorer processes', nonNegativeInt('--scorers'), 2)
    .option('--seed <n>', 'seed of the simulation and of the kill schedule', nonNegativeInt('--seed'), 7)
    .option(
      '--sync-rate <n>',
      'synchronous decide requests per second sent to the scorers meanwhile (0: none)',
      nonNegativeInt('--sync-rate'),
      20,
    )
    .action(async (o: ChaosOptions) => {
      await stackUp({ log: (s) => process.stdout.write(`[infra] ${s}\n`) });
      const r = await runChaos({
        transactions: o.transactions,
        kills: o.kills,
        brokerRestarts: o.brokerRestarts,
        scorers: Math.max(1, o.scorers),
        seed: o.seed,
        syncRate: o.syncRate,
        log: (s) => process.stdout.write(`${s}\n`),
        resultFile: join(repoRoot, 'bench', 'results', 'chaos.json'),
      });
      process.stdout.write(`${JSON.stringify(r, null, 2)}\nresults: bench/results/chaos.json\n`);
      const syncBad = r.sync_answered_lost + r.sync_answered_doubled + r.sync_answered_other_decision;
      if (r.lost || r.duplicates || syncBad || r.warehouse_rows !== r.warehouse_distinct) process.exitCode = 1;
    });
}
