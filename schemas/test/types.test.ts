import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { DECISIONS, LABEL_SOURCES, MODEL_ROLES, TRANSACTION_TYPES, loadAvroSchemas } from '../src/index.ts';
import {
  GENERATED_SCHEMAS_FILE,
  GENERATED_TYPES_FILE,
  generateSchemasModule,
  generateTypes,
} from '../scripts/gen-types.ts';

const here = dirname(fileURLToPath(import.meta.url));

/** A line diff good enough to show what changed. */
function diff(expected: string, actual: string): string {
  const a = expected.split('\n');
  const b = actual.split('\n');
  const out: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) out.push(`line ${i + 1}:\n  - ${a[i] ?? '(none)'}\n  + ${b[i] ?? '(none)'}`);
  }
  return out.join('\n');
}

describe('TypeScript types cannot drift from the .avsc files', () => {
  it.each([
    [GENERATED_TYPES_FILE, generateTypes],
    [GENERATED_SCHEMAS_FILE, generateSchemasModule],
  ])('the committed %s is what the generator makes from the .avsc files now', (file, generate) => {
    const d = diff(readFileSync(file, 'utf8'), generate());
    expect(d, `${file} is stale; run \`npx tsx schemas/scripts/gen-types.ts\`\n${d}`).toBe('');
  });

  it('src/types.ts declares exactly the generated types (compiled with the TypeScript compiler)', () => {
    const config = ts.readConfigFile(join(here, '..', 'tsconfig.json'), (p) => ts.sys.readFile(p));
    const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, join(here, '..'));
    const program = ts.createProgram([join(here, 'types-match.ts')], parsed.options);
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
      const line = where && d.file ? d.file.text.split('\n')[where.line]?.trim() : '';
      return `${d.file?.fileName ?? ''}:${(where?.line ?? 0) + 1} ${line}\n  ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
    expect(diagnostics, diagnostics.join('\n')).toEqual([]);
  });

  it('the enum constant lists match the Avro enum symbols', () => {
    const { json } = loadAvroSchemas();
    const symbols = (record: 'Transaction' | 'ScoredTransaction' | 'Label' | 'ModelUpdate', field: string) =>
      (json[record] as { fields: Array<{ name: string; type: { symbols?: string[] } }> }).fields.find(
        (f) => f.name === field,
      )?.type.symbols;
    expect(symbols('Transaction', 'type')).toEqual([...TRANSACTION_TYPES]);
    expect(symbols('ScoredTransaction', 'decision')).toEqual([...DECISIONS]);
    expect(symbols('Label', 'source')).toEqual([...LABEL_SOURCES]);
    expect(symbols('ModelUpdate', 'role')).toEqual([...MODEL_ROLES]);
  });
});
