import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../src/paths.ts';

/**
 * The README, the design docs and the changelog link each other and the bench results by
 * relative paths; every such link must name a file or folder that exists in the repository.
 * Links inside code (fenced blocks, inline code) and links to other sites are not checked.
 */
const DOCS = [
  'README.md',
  'CHANGELOG.md',
  ...readdirSync(join(repoRoot, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** Markdown without its fenced code blocks and inline code spans. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

/** Relative link targets of a markdown text, without their #anchor. */
function relativeLinks(markdown: string): string[] {
  const targets: string[] = [];
  for (const match of prose(markdown).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const target = match[1] ?? '';
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue;
    const path = target.split('#')[0] ?? '';
    if (path !== '') targets.push(decodeURIComponent(path));
  }
  return targets;
}

/** Top-level folders whose files the docs name in prose (`scorer/src/eos/machine.ts`). */
const FOLDERS =
  'api|bench|cli|common|corpus|fixtures|infra|kafka|model|producers|retrainer|schemas|scorer|scripts|sinks|tooling|web';
const FILE_PATH = new RegExp(
  `(?<![\\w./-])((?:${FOLDERS})/[\\w./-]*\\.(?:ts|md|json|ya?ml|svg|csv|sh|avsc|mjs|svelte|tmpl|xml))(?![\\w/])`,
  'g',
);

/** Repository file paths a markdown text names, links or not; placeholders (NAME) skipped. */
function namedFiles(markdown: string): string[] {
  return [...markdown.matchAll(FILE_PATH)].map((m) => m[1] ?? '').filter((path) => !/\bNAME\b/.test(path));
}

describe('links between docs', () => {
  it('finds relative links, skipping code, other sites and anchors', () => {
    const text = [
      'See [a](docs/a.md#part), [b](../b.json "title") and [site](https://example.org/x).',
      '`[not](a-link.md)` and [anchor](#here)',
      '```',
      '[inside](code.md)',
      '```',
    ].join('\n');
    expect(relativeLinks(text)).toEqual(['docs/a.md', '../b.json']);
  });

  it('every relative link in the README, docs/ and CHANGELOG.md points to an existing path', () => {
    const broken: string[] = [];
    let checked = 0;
    for (const doc of DOCS) {
      const file = join(repoRoot, doc);
      for (const target of relativeLinks(readFileSync(file, 'utf8'))) {
        checked += 1;
        const resolved = resolve(dirname(file), target);
        if (!existsSync(resolved)) broken.push(`${doc} -> ${target} (${relative(repoRoot, resolved)})`);
      }
    }
    expect(DOCS.length).toBeGreaterThan(5);
    expect(checked).toBeGreaterThan(20);
    expect(broken).toEqual([]);
  });

  it('finds file paths named in prose, skipping placeholders and longer words', () => {
    const text = 'See scorer/src/eos/machine.ts, `kafka/src/dlq.ts` and bench/results/NAME.json; not xscorer/a.ts.';
    expect(namedFiles(text)).toEqual(['scorer/src/eos/machine.ts', 'kafka/src/dlq.ts']);
  });

  it('every repository file the README and docs/ name exists (the changelog may name past files)', () => {
    const missing: string[] = [];
    let checked = 0;
    for (const doc of DOCS.filter((d) => d !== 'CHANGELOG.md')) {
      for (const path of namedFiles(readFileSync(join(repoRoot, doc), 'utf8'))) {
        checked += 1;
        if (!existsSync(join(repoRoot, path))) missing.push(`${doc} -> ${path}`);
      }
    }
    expect(checked).toBeGreaterThan(50);
    expect(missing).toEqual([]);
  });
});
