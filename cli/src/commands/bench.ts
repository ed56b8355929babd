import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { envWith } from '@fraud/common';
import { repoRoot, stackUp } from '@fraud/infra';
import { envHelp } from '../config/catalogue.ts';

/** `fraud bench NAME` (npm run bench -- NAME): starts what the benchmark needs, runs bench/NAME.ts. */
export function register(program: Command): void {
  program
    .command('bench')
    .description('run one benchmark; it writes bench/results/NAME.json')
    .argument('[name]', 'benchmark name (omit to list them)')
    .addHelpText('after', envHelp('bench'))
    .action(async (name: string | undefined) => {
      const dir = join(repoRoot, 'bench');
      const available = readdirSync(dir)
        .filter((f) => f.endsWith('.ts'))
        .map((f) => f.replace(/\.ts$/, ''))
        .sort();
      if (!name) {
        process.stdout.write(`benchmarks: ${available.join(', ')}\nrun one with: npm run bench -- NAME\n`);
        return;
      }
      const file = join(dir, `${name}.ts`);
      if (!existsSync(file)) throw new Error(`no benchmark named "${name}"; available: ${available.join(', ')}`);
      await stackUp({ log: (s) => process.stdout.write(`[infra] ${s}\n`) });
      const startedAt = Date.now();
      const r = spawnSync(process.execPath, ['--import', 'tsx', file], {
        stdio: 'inherit',
        cwd: repoRoot,
        env: envWith({ OMP_WAIT_POLICY: 'passive' }),
      });
      if (r.status !== 0) throw new Error(`benchmark ${name} failed (exit ${r.status})`);
      // What the run wrote, whatever it named it (BENCH_PIPELINE_OUT, ADAPT_WORLD, ...; charts too).
      const results = join('bench', 'results');
      const written = readdirSync(join(repoRoot, results))
        .filter((f) => statSync(join(repoRoot, results, f)).mtimeMs >= startedAt)
        .sort();
      process.stdout.write(`results: ${written.map((f) => join(results, f)).join(', ') || 'none written'}\n`);
    });
}
