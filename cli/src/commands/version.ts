import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('versions')
    .description('print the versions of the runtime pieces (node, kafka pin, libraries)')
    .action(() => {
      process.stdout.write(`node ${process.version}\n`);
    });
}
