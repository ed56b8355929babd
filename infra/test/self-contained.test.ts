import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * A clone from a public host has nothing beside it: no code path, test or benchmark may read a
 * folder outside the repository (the PaySim rows live in fixtures/paysim).
 */
describe('the repository is self-contained', () => {
  it('no tracked code file reads a path outside the repository', () => {
    const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
      cwd: ROOT,
      encoding: 'utf8',
    })
      .split('\n')
      .filter((f) => /\.(ts|mjs|js|svelte|sh|json)$/.test(f) && !f.endsWith('self-contained.test.ts'));
    const offenders = files.filter((f) => {
      let text: string;
      try {
        text = readFileSync(join(ROOT, f), 'utf8');
      } catch {
        return false;
      }
      return /\/work\/shared|\.\.\/shared\/|shared\/data\/paysim/.test(text);
    });
    expect(files.length).toBeGreaterThan(100);
    expect(offenders).toEqual([]);
  });

  it('the PaySim fixtures are in the repository with their attribution', () => {
    const readme = readFileSync(join(ROOT, 'fixtures', 'paysim', 'README.md'), 'utf8');
    expect(readme).toContain('CC BY-SA 4.0');
    expect(readme).toContain('Lopez-Rojas');
    const head = readFileSync(join(ROOT, 'fixtures', 'paysim', 'paysim-head-5330.csv'), 'utf8').split('\n')[0];
    expect(head).toBe(
      'step,type,amount,nameOrig,oldbalanceOrg,newbalanceOrig,' +
        'nameDest,oldbalanceDest,newbalanceDest,isFraud,isFlaggedFraud',
    );
  });
});
