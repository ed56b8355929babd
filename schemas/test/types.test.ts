import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DECISIONS, LABEL_SOURCES, MODEL_ROLES, TRANSACTION_TYPES, loadAvroSchemas } from '../src/index.ts';
import {
  GENERATED_SCHEMAS_FILE,
  GENERATED_TYPES_FILE,
  generateSchemasModule,
  generateTypes,
} from '../scripts/gen-types.ts';

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
