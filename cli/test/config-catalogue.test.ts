import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { catalogueVariables } from '@fraud/common/config';
import { repoRoot } from '@fraud/infra';
import {
  CONFIG_CATALOGUE,
  CONFIG_DOC_PATH,
  configDoc,
  envHelp,
  type ConfigServiceId,
} from '../src/config/catalogue.ts';
import { buildProgram } from '../src/program.ts';

/** Folders that hold no source of ours (generated, installed, data) or only tests. */
const SKIP_DIRS = new Set(['node_modules', '.git', 'build', '.svelte-kit', 'dist', 'test', 'results', '.data']);
const SOURCE = /\.(ts|mts|cts|js|mjs|cjs|svelte)$/;

/** Env modules: the only files that may read process.env. */
function isEnvModule(file: string): boolean {
  return /(^|-)env\.ts$/.test(basename(file));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return SKIP_DIRS.has(e.name) ? [] : sourceFiles(path);
    return SOURCE.test(e.name) && !/\.test\.ts$/.test(e.name) ? [path] : [];
  });
}

/** Lines that may touch process.env outside env modules, with the reason. */
const ALLOWED_LINES: ReadonlyArray<{ file: string; contains: string }> = [
  // The test stack's own switch, read by vitest's global setup before any package loads.
  { file: 'scripts/test-global-setup.ts', contains: "process.env.FRAUD_TEST_STOP_STACK === '1'" },
  // Set before kafkajs loads (see the comment there): a default for a library, not our configuration.
  { file: 'bin/fraud.mjs', contains: "process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1'" },
];

function helpOf(program: Command, path: readonly string[]): string {
  let cmd: Command | undefined = program;
  for (const name of path) cmd = cmd?.commands.find((c) => c.name() === name);
  if (!cmd) throw new Error(`no command ${path.join(' ')}`);
  let out = '';
  cmd.configureOutput({ writeOut: (s) => void (out += s) });
  cmd.outputHelp();
  return out;
}

describe('the configuration catalogue', () => {
  it(`${CONFIG_DOC_PATH} is what \`npm run docs:config\` writes from the schemas now`, () => {
    const onDisk = readFileSync(join(repoRoot, CONFIG_DOC_PATH), 'utf8');
    expect(onDisk, `${CONFIG_DOC_PATH} is stale: run npm run docs:config`).toBe(configDoc());
  });

  it('gives every variable a description', () => {
    const vars = catalogueVariables(CONFIG_CATALOGUE);
    expect(vars.length).toBeGreaterThan(77);
    expect(vars.filter((v) => !v.description?.trim()).map((v) => v.name)).toEqual([]);
  });

  it('lists every variable an env module declares', () => {
    const listed = new Set(catalogueVariables(CONFIG_CATALOGUE).map((v) => v.name));
    const declared = sourceFiles(repoRoot)
      .filter(isEnvModule)
      .flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/^\s+([A-Z][A-Z0-9_]{2,}): /gm)].map((m) => m[1]!));
    expect(declared.length).toBeGreaterThan(77);
    expect([...new Set(declared)].filter((name) => !listed.has(name))).toEqual([]);
  });

  it('is the only reader of process.env: nothing outside env modules reads it', () => {
    const offenders: string[] = [];
    for (const file of sourceFiles(repoRoot).filter((f) => !isEnvModule(f))) {
      const rel = relative(repoRoot, file);
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (!/process\.env\b/.test(line)) return;
          if (ALLOWED_LINES.some((a) => a.file === rel && line.includes(a.contains))) return;
          offenders.push(`${rel}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(offenders).toEqual([]);
  });

  it("shows each service's environment section, rendered from the catalogue, in its --help", async () => {
    const { program } = await buildProgram();
    const cases: Array<[string[], ConfigServiceId]> = [
      [['scorer'], 'scorer'],
      [['sink'], 'sinks'],
      [['retrainer'], 'retrainer'],
      [['api', 'serve'], 'api'],
      [['web', 'serve'], 'web'],
      [['users'], 'users'],
      [['simulate'], 'producers'],
      [['replay'], 'producers'],
      [['registry', 'serve'], 'registry'],
      [['start'], 'start'],
      [['bench'], 'bench'],
      [['infra'], 'infra'],
      [['model'], 'model'],
      [['models'], 'retrainer'],
      [['backtest'], 'retrainer'],
    ];
    for (const [path, id] of cases) {
      const help = helpOf(program, path);
      expect(help, path.join(' ')).toContain(envHelp(id).trim());
    }
    expect(helpOf(program, ['scorer'])).toMatch(/SCORER_MAX_EVENT_AHEAD_MS \[86400000 \(1 d\)\]/);
  });
});
