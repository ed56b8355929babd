/**
 * Configuration figures (issue 15's before/after table): how many environment variables the
 * catalogue declares, and how many appear in no document (README.md, docs/*.md).
 * Usage: npx tsx scripts/config-stats.ts
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { catalogueVariables } from '@fraud/common/config';
import { CONFIG_CATALOGUE } from '@fraud/cli/config';

const root = fileURLToPath(new URL('..', import.meta.url));
const docs = ['README.md', ...readdirSync(join(root, 'docs')).map((f) => join('docs', f))]
  .filter((f) => f.endsWith('.md'))
  .map((f) => readFileSync(join(root, f), 'utf8'))
  .join('\n');
const names = catalogueVariables(CONFIG_CATALOGUE).map((v) => v.name);
const undocumented = names.filter((n) => !new RegExp(`\\b${n}\\b`).test(docs));
process.stdout.write(`variables              ${names.length}\n`);
process.stdout.write(
  `in no document         ${undocumented.length}${undocumented.length ? `: ${undocumented.join(', ')}` : ''}\n`,
);
