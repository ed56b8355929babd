import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinMapping, compileMapping, loadMappedCsv } from '@fraud/model';
import { handbookCsv, simulateCard } from '../src/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'card-handbook-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a generated card-world file in the handbook layout', () => {
  it('reads back through the built-in handbook mapping: same cards, terminals, amounts, times and truth', async () => {
    const data = simulateCard({ seed: 'handbook', days: 2, customers: 1_000, terminals: 400, merchants: 200 });
    const file = join(dir, 'card.csv');
    writeFileSync(file, handbookCsv(data.transactions, data.truth));
    const rows = await loadMappedCsv(file, compileMapping(builtinMapping('handbook')));
    expect(rows).toHaveLength(data.transactions.length);
    rows.forEach((r, i) => {
      const tx = data.transactions[i]!;
      expect(r.tx.originAccount).toBe(tx.originAccount);
      expect(r.tx.destAccount).toBe(tx.terminalId ?? tx.destAccount);
      expect(r.tx.amount).toBe(tx.amount);
      // The layout keeps whole seconds.
      expect(r.tx.eventTime).toBe(Math.floor(tx.eventTime / 1000) * 1000);
      expect(r.isFraud).toBe(data.truth[i]!.isFraud);
    });
    expect(rows.filter((r) => r.isFraud).length).toBeGreaterThan(0);
  });
});
