import { join } from 'node:path';
import type { Command } from 'commander';
import { repoRoot, stackUp } from '@fraud/infra';
import { runChaos } from '../chaos/run-chaos.ts';

export function register(program: Command): void {
  program
    .command('chaos')
    .description(
      'npm run chaos: a simulation through scorers and the warehouse sink under SIGKILLs and a broker restart, then ' +
        'a full reconciliation (bench/results/chaos.json)',
    )
    .option('--transactions <n>', 'transactions to simulate', '300000')
    .option('--kills <n>', 'SIGKILLs of scorer and sink processes', '10')
    .option('--broker-restarts <n>', 'restarts of the (private) broker', '1')
    .option('--scorers <n>', 'scorer processes', '2')
    .option('--seed <n>', 'seed of the simulation and of the kill schedule', '7')
    .action(async (o: Record<string, string>) => {
      const num = (k: string) => {
        const v = Number(o[k]);
        if (!Number.isInteger(v) || v < 0) throw new Error(`--${k} must be a non-negative integer, got ${o[k]}`);
        return v;
      };
      await stackUp({ log: (s) => process.stdout.write(`[infra] ${s}\n`) });
      const r = await runChaos({
        transactions: num('transactions'),
        kills: num('kills'),
        brokerRestarts: num('brokerRestarts'),
        scorers: Math.max(1, num('scorers')),
        seed: num('seed'),
        log: (s) => process.stdout.write(`${s}\n`),
        resultFile: join(repoRoot, 'bench', 'results', 'chaos.json'),
      });
      process.stdout.write(`${JSON.stringify(r, null, 2)}\nresults: bench/results/chaos.json\n`);
      if (r.lost || r.duplicates || r.warehouse_rows !== r.warehouse_distinct) process.exitCode = 1;
    });
}
