/**
 * Code-health figures for the codebase (issue 15's before/after table):
 *   kafkajs importers      files outside kafka/ that import kafkajs
 *   long functions         non-test functions outside bench/ over 100 lines, nested ones included
 *                          (the listing also gives each one's own lines, without nested functions)
 *   long lines             lines over 120 characters in code files (data files excluded)
 * Usage: npx tsx scripts/code-stats.ts [--list]
 */
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import ts from 'typescript';

const list = process.argv.includes('--list');
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { encoding: 'utf8' })
  .split('\n')
  .filter((f) => /\.(ts|mjs|js|svelte)$/.test(f) && !f.includes('node_modules') && !f.startsWith('web/build'));

const isTest = (f: string): boolean => /(^|\/)test\//.test(f) || /\.test\.ts$/.test(f) || f.startsWith('scripts/test-');
const isData = (f: string): boolean => f.includes('/generated/') || f.startsWith('corpus/');

let kafkajsImporters: string[] = [];
const longFunctions: string[] = [];
const longLines: string[] = [];

for (const file of files) {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    continue; // deleted in the working tree
  }
  if (
    !file.startsWith('kafka/') &&
    /from ['"]kafkajs['"]|import\(['"]kafkajs['"]\)|require\(['"]kafkajs['"]\)/.test(text)
  )
    kafkajsImporters.push(file);
  if (!isData(file)) {
    text.split('\n').forEach((line, i) => {
      if (line.length > 120) longLines.push(`${file}:${i + 1} (${line.length})`);
    });
  }
  if (!file.endsWith('.ts') || isTest(file) || file.startsWith('bench/')) continue;
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const lineOf = (pos: number): number => source.getLineAndCharacterOfPosition(pos).line;
  const span = (n: ts.Node): number => lineOf(n.getEnd()) - lineOf(n.getStart(source)) + 1;
  const isFn = (n: ts.Node): n is ts.FunctionLikeDeclaration =>
    ts.isFunctionDeclaration(n) ||
    ts.isFunctionExpression(n) ||
    ts.isArrowFunction(n) ||
    ts.isMethodDeclaration(n) ||
    ts.isConstructorDeclaration(n) ||
    ts.isGetAccessor(n) ||
    ts.isSetAccessor(n);
  const nestedSpans = (n: ts.Node): number => {
    let total = 0;
    n.forEachChild((c) => {
      total += isFn(c) ? span(c) : nestedSpans(c);
    });
    return total;
  };
  const nameOf = (n: ts.FunctionLikeDeclaration): string => {
    if (n.name) return n.name.getText(source);
    const p = n.parent;
    if (ts.isVariableDeclaration(p) || ts.isPropertyAssignment(p)) return p.name.getText(source);
    return '(anonymous)';
  };
  const visit = (n: ts.Node): void => {
    if (isFn(n) && n.body) {
      const total = span(n);
      const own = total - nestedSpans(n.body);
      if (total > 100)
        longFunctions.push(`${file}:${lineOf(n.getStart(source)) + 1} ${nameOf(n)} (${total} lines, ${own} own)`);
    }
    n.forEachChild(visit);
  };
  visit(source);
}

kafkajsImporters = kafkajsImporters.sort();
console.log(
  JSON.stringify({
    kafkajs_importers: kafkajsImporters.length,
    functions_over_100_lines: longFunctions.length,
    lines_over_120: longLines.length,
  }),
);
if (list) {
  console.log('\nkafkajs importers:\n  ' + kafkajsImporters.join('\n  '));
  console.log('\nfunctions over 100 own lines:\n  ' + longFunctions.join('\n  '));
  console.log(`\nlines over 120: ${longLines.slice(0, 30).join('\n  ')}${longLines.length > 30 ? '\n  ...' : ''}`);
}
