import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { fraud } from './model-cli.ts';
import { paysimFixture } from '@fraud/common/testing';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const SAMPLE = paysimFixture('paysim-steps1-119-sample.csv');
const HEAD = paysimFixture('paysim-head-5330.csv');
let dir = '';
afterAll(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

/** The real entry point, as a user runs it. */
async function fraudBin(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const r = await run('node', [join(ROOT, 'bin', 'fraud.mjs'), ...args], { cwd: ROOT, maxBuffer: 64 << 20 });
    return { ...r, code: 0 };
  } catch (err: unknown) {
    const e = err as { stdout?: string; stderr?: string; code?: number };
    return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: e.code ?? -1 };
  }
}

describe('fraud model (CLI)', () => {
  it('train -> evaluate (table, JSON, SVG) -> score, on real PaySim rows', { timeout: 240_000 }, async () => {
    dir = await mkdtemp(join(tmpdir(), 'model-cli-'));
    const train = await fraud(
      'model',
      'train',
      '--csv',
      SAMPLE,
      '--until-step',
      '60',
      '--valid-from-step',
      '38',
      '--test-from-step',
      '47',
      '--gap-hours',
      '3',
      '--rounds',
      '30',
      '--fraud-rate',
      '0.0013',
      '--out',
      dir,
      '--no-progress',
    );
    expect(train.stderr).toBe('');
    expect(train.code).toBe(0);
    expect(train.stdout).toMatch(/TEST \(future\) at the cost-optimal thresholds/);
    expect(train.stdout).toMatch(/label-delay gap 3 h/);
    const [version] = await readdir(dir);
    const model = join(dir, version ?? 'missing');
    expect((await readdir(model)).sort()).toEqual(['metadata.json', 'model.json', 'model.onnx']);

    // `fraud model evaluate|score` on the trained model
    const onModel = (command: 'evaluate' | 'score', csv: string, ...args: string[]) =>
      fraud('model', command, '--model', model, '--csv', csv, ...args, '--no-progress');
    const svg = join(dir, 'pr.svg');
    const future = ['--from-step', '47', '--fraud-rate', '0.0013'];
    const ev = await onModel('evaluate', SAMPLE, ...future, '--json', '--pr-curve', svg);
    expect(ev.code).toBe(0);
    const report = JSON.parse(ev.stdout) as {
      auprc: number;
      rows: number;
      flagged: { recall: number };
      byType: Record<string, unknown>;
      weighted: boolean;
    };
    expect(report.weighted).toBe(true);
    expect(report.auprc).toBeGreaterThan(0.5);
    expect(Object.keys(report.byType)).toContain('TRANSFER');
    expect(await readFile(svg, 'utf8')).toMatch(/^<svg[\s\S]*<polyline[\s\S]*<\/svg>\n$/);
    const table = await onModel('evaluate', HEAD);
    expect(table.stdout).toMatch(/AUPRC[\s\S]*CASH_OUT[\s\S]*expected cost/);

    const out = join(dir, 'scored.csv');
    const sc = await onModel('score', HEAD, '--out', out, '--reasons', 'flagged');
    expect(sc.code).toBe(0);
    const lines = (await readFile(out, 'utf8')).trim().split('\n');
    const input = (await readFile(HEAD, 'utf8'))
      .trim()
      .split(/\r?\n/)
      .filter((l) => l.split(',').length === 11);
    expect(lines.length).toBe(input.length); // header + one row per data row
    expect(lines.slice(1).map((l) => Number(l.split(',')[0]))).toEqual(
      Array.from({ length: input.length - 1 }, (_, i) => i + 1),
    );
    const flagged = lines.slice(1).filter((l) => /,(REVIEW|BLOCK),/.test(l));
    expect(flagged.length).toBeGreaterThan(0);
    expect(flagged.every((l) => /=[^,]*\([+-]\d/.test(l))).toBe(true);
  });

  it('says what is wrong with bad input', { timeout: 240_000 }, async () => {
    dir ||= await mkdtemp(join(tmpdir(), 'model-cli-'));
    const missing = await fraudBin('model', 'evaluate', '--model', join(dir, 'nope'), '--csv', HEAD);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/metadata\.json is missing; train a model/);
    const badCsv = join(dir, 'bad.csv');
    await writeFile(badCsv, 'x,y\n1,2\n');
    const bad = await fraud('model', 'train', '--csv', badCsv, '--no-progress');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/CSV_INVALID/);
    const arg = await fraud('model', 'train', '--csv', HEAD, '--rounds', 'many');
    expect(arg.stderr).toMatch(/--rounds must be a non-negative integer/);
    const help = await fraud('model', 'train', '--help');
    expect(help.stdout).toMatch(/--until-step[\s\S]*--fraud-rate[\s\S]*--max-review-rate/);
  });
});
