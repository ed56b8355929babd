import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { intern } from '../src/intern.ts';

/** Old-space MB after a full GC in a child that keeps 3 fresh copies of each of 200k values, interned or not. */
function oldSpaceMb(interned: boolean): number {
  const module = join(import.meta.dirname, '..', 'src', 'intern.ts');
  const code = `
    const { intern } = await import(${JSON.stringify(module)});
    const keep = [];
    for (let r = 0; r < 3; r++)
      for (let i = 0; i < 200000; i++) {
        const s = JSON.parse('"tx-' + (10000000 + i) + '"');
        keep.push(${interned} ? intern(s) : s);
      }
    globalThis.gc(); globalThis.gc();
    const old = (await import('node:v8')).getHeapSpaceStatistics().find((s) => s.space_name === 'old_space');
    process.stdout.write(String(old.space_used_size / 1e6) + ' ' + keep.length);`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', '--input-type=module', '-e', code], {
    encoding: 'utf8',
  });
  expect(r.stderr).toBe('');
  const [mb, kept] = r.stdout.split(' ');
  expect(Number(kept)).toBe(600_000);
  return Number(mb);
}

describe('intern', () => {
  it('gives back the same value, whatever it is', () => {
    for (const s of ['C123', 'tx-1', '', '123', '0', 'ümlaut', 'a'.repeat(300), '__proto__', 'constructor'])
      expect(intern(s)).toBe(s);
    expect(intern(JSON.parse('"C9"') as string)).toBe('C9');
  });

  it('keeps one string per value: three copies of 200k values take about a third of the heap', () => {
    const plain = oldSpaceMb(false);
    const interned = oldSpaceMb(true);
    expect(interned).toBeLessThan(plain * 0.6);
  });
});
