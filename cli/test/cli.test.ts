import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '@fraud/infra';
import { Command as CommandClass } from 'commander';
import { readdirSync } from 'node:fs';
import { buildProgram, COMMAND_MODULES } from '../src/program.ts';

function walk(cmd: Command, path: string[] = []): Array<{ path: string[]; cmd: Command }> {
  return cmd.commands.flatMap((c) => [{ path: [...path, c.name()], cmd: c }, ...walk(c, [...path, c.name()])]);
}

describe('the fraud CLI', () => {
  it('loads every command module (a broken import anywhere is caught here, not by a user)', async () => {
    const { loadErrors } = await buildProgram();
    expect(loadErrors).toEqual([]);
  });

  it('knows which module registers each command, so a named command loads only its module', async () => {
    const dir = join(repoRoot, 'cli', 'src', 'commands');
    const registered: Record<string, string> = {};
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const p = new CommandClass('fraud');
      ((await import(join(dir, file))) as { register: (c: CommandClass) => void }).register(p);
      for (const c of p.commands) registered[c.name()] = file;
    }
    expect(registered).toEqual(COMMAND_MODULES);
    const lazy = await buildProgram(['node', 'fraud', 'infra', 'status']);
    expect(lazy.program.commands.map((c) => c.name())).toEqual(['infra']);
    const all = await buildProgram(['node', 'fraud', '--help']);
    expect(all.program.commands.length).toBe(Object.keys(COMMAND_MODULES).length);
  });

  it('gives every command and subcommand a description and --help', async () => {
    const { program } = await buildProgram();
    const all = walk(program);
    expect(all.length).toBeGreaterThan(25);
    for (const { path, cmd } of all) {
      expect(cmd.description(), path.join(' ')).not.toBe('');
      expect(cmd.helpInformation(), path.join(' ')).toContain('Usage: ');
    }
    const names = new Set(program.commands.map((c) => c.name()));
    for (const n of [
      'infra',
      'registry',
      'simulate',
      'replay',
      'model',
      'scorer',
      'dlq',
      'sink',
      'models',
      'backtest',
      'api',
      'web',
      'users',
      'start',
      'bench',
    ])
      expect(names.has(n), n).toBe(true);
  });

  it('fails with a clear message and a non-zero exit on misuse', () => {
    let out = '';
    try {
      execFileSync(process.execPath, [join(repoRoot, 'bin', 'fraud.mjs'), 'infra', 'reset'], {
        encoding: 'utf8',
        stdio: 'pipe',
      });
    } catch (err: unknown) {
      const e = err as { status: number; stderr: string };
      expect(e.status).toBe(1);
      out = e.stderr;
    }
    expect(out).toContain('--yes-delete-everything');
    // Under plain Node (not vitest's module interop), every command module must load too.
    expect(out).not.toContain('failed to load');
  });
});
