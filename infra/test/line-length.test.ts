import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../src/paths.ts';

/**
 * Lines of code are at most 120 characters, the print width prettier formats to. Prettier cannot
 * wrap strings and comments, so a long message, help text or comment is split by hand (`+`,
 * template parts, a wrapped comment) with its text unchanged. Data files keep their own layout:
 * generated code and the corpus are not checked. Files not yet committed are checked too.
 */
const MAX = 120;
const CODE = /\.(ts|mjs|js|svelte)$/;
const isData = (file: string): boolean =>
  file.includes('/generated/') || file.startsWith('corpus/') || file.startsWith('web/build/');

function codeFiles(): string[] {
  const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  return listed.split('\n').filter((f) => CODE.test(f) && !f.includes('node_modules/') && !isData(f));
}

/** `file:line (length)` of every line over MAX; a file deleted in the working tree has none. */
function longLines(files: string[], read: (file: string) => string | undefined): string[] {
  const found: string[] = [];
  for (const file of files) {
    const text = read(file);
    if (text === undefined) continue;
    text.split('\n').forEach((line, i) => {
      if (line.length > MAX) found.push(`${file}:${i + 1} (${line.length})`);
    });
  }
  return found;
}

function readIfPresent(file: string): string | undefined {
  try {
    return readFileSync(join(repoRoot, file), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

describe('line length', () => {
  it('finds a line over 120 characters and names its file and line', () => {
    const text = ['short', 'x'.repeat(MAX), 'y'.repeat(MAX + 1)].join('\n');
    expect(longLines(['a.ts', 'gone.ts'], (f) => (f === 'a.ts' ? text : undefined))).toEqual(['a.ts:3 (121)']);
  });

  it('no code line in the repository is over 120 characters (data and generated files excepted)', () => {
    const files = codeFiles();
    expect(files.length).toBeGreaterThan(100);
    expect(files).toContain('infra/test/line-length.test.ts');
    expect(longLines(files, readIfPresent)).toEqual([]);
  });
});
