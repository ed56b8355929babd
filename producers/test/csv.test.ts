import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { isFraudError } from '@fraud/common';
import {
  createRowMapper,
  parsePaysimCsv,
  paysimRows,
  PAYSIM_COLUMNS,
  ROW_SPACING_MS,
  type CsvRecord,
  type PaysimRow,
} from '../src/index.ts';
import { SHARED_CSVS, writeCorruptedCsv } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'fraud-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function all(source: string | Readable): Promise<CsvRecord[]> {
  const out: CsvRecord[] = [];
  for await (const r of parsePaysimCsv(source)) out.push(r);
  return out;
}

describe('PaySim CSV parser', { timeout: 120_000 }, () => {
  it.each(SHARED_CSVS)('parses every row of %s', async (file) => {
    const lines = readFileSync(file, 'latin1')
      .split(/\r?\n/)
      .filter((l) => l.length > 0);
    const expectedFraud = lines.slice(1).filter((l) => Number(l.split(',')[9]) === 1).length;
    const recs = await all(file);
    const ok = recs.filter((r): r is { ok: true; row: PaysimRow } => r.ok);
    expect(recs.length).toBe(lines.length - 1);
    expect(ok.length).toBe(recs.length);
    expect(ok.filter((r) => r.row.isFraud).length).toBe(expectedFraud);
    expect(expectedFraud).toBeGreaterThan(0);
    // Rows carry no post-transaction balance (they leak the label).
    expect(Object.keys(ok[0]!.row)).not.toContain('newbalanceOrig');
    expect(Object.keys(ok[0]!.row)).not.toContain('newbalanceDest');
  });

  it('rejects each kind of damage with its line number and reason, accepts the valid oddities', async () => {
    const path = join(dir, 'corrupted.csv');
    const { lines, bad } = writeCorruptedCsv(path);
    const recs = await all(path);
    expect(recs.length).toBe(lines);
    const rejects = recs.filter((r) => !r.ok);
    expect(rejects.map((r) => (r.ok ? 0 : r.line)).sort((a, b) => a - b)).toEqual(Object.keys(bad).map(Number));
    for (const r of rejects) if (!r.ok) expect(r.reason).toMatch(bad[r.line]!);
    const invalidUtf8 = rejects.find((r) => !r.ok && r.line === 8);
    expect(invalidUtf8 && !invalidUtf8.ok && invalidUtf8.raw).toContain('\\xff\\xfe');
    const rows = recs.filter((r) => r.ok).map((r) => (r.ok ? r.row : undefined)!);
    expect(rows.map((r) => r.line)).toEqual([2, 3, 12, 14]);
    expect(rows[1]).toMatchObject({
      type: 'TRANSFER',
      amount: 1_000_000_000,
      oldbalanceOrg: 1_000_000_000,
      isFraud: true,
      isFlaggedFraud: false,
    });
    expect(rows[0]).toMatchObject({
      amount: 983_964,
      nameOrig: 'C1231006815',
      nameDest: 'M1979787155',
      isFraud: false,
    });
    expect(rows[2]).toMatchObject({ type: 'CASH_IN', amount: 5_050, nameOrig: 'C9' });
  });

  it('refuses a file that is not a PaySim CSV before reading any row', async () => {
    const semi = join(dir, 'semicolon.csv');
    writeFileSync(semi, `${PAYSIM_COLUMNS.join(';')}\n1;PAYMENT;1;C1;1;0;M1;0;0;0;0\n`);
    await expect(all(semi)).rejects.toSatisfy(
      (e: unknown) => isFraudError(e, 'CSV_INVALID') && /separated by ";"/.test(e.message),
    );
    await expect(all(Readable.from(['a,b,c\n1,2,3\n']))).rejects.toSatisfy(
      (e: unknown) => isFraudError(e, 'CSV_INVALID') && /expected "step,type,amount/.test(e.message),
    );
    await expect(all(Readable.from([]))).rejects.toSatisfy(
      (e: unknown) => isFraudError(e, 'CSV_INVALID') && /empty/.test(e.message),
    );
  });

  it('handles lines split across chunks', async () => {
    const text =
      `${PAYSIM_COLUMNS.join(',')}\n1,PAYMENT,1.5,C1,2.0,0.5,M1,0.0,0.0,0,0\n` +
      '2,CASH_OUT,3.0,C2,3.0,0.0,C3,0.0,3.0,1,0\n';
    const chunks = text.match(/.{1,7}/gs)!.map((s) => Buffer.from(s));
    const recs = await all(Readable.from(chunks));
    expect(recs.map((r) => r.ok && r.row.amount)).toEqual([150, 300]);
  });

  it('paysimRows streams rows with step and isFraud for training, and never drops a reject silently', async () => {
    const path = join(dir, 'corrupted2.csv');
    writeCorruptedCsv(path);
    const seen: number[] = [];
    const rows: PaysimRow[] = [];
    for await (const r of paysimRows(path, (rej) => seen.push(rej.line))) rows.push(r);
    expect(rows.map((r) => [r.step, r.isFraud])).toEqual([
      [1, false],
      [1, true],
      [1, false],
      [2, false],
    ]);
    expect(seen).toHaveLength(9);
    const strict = async () => {
      for await (const r of paysimRows(path)) void r;
    };
    await expect(strict()).rejects.toSatisfy(
      (e: unknown) => isFraudError(e, 'CSV_INVALID') && /line 4: amount/.test(e.message),
    );
  });

  it('maps rows to transactions: hours from step, file order kept inside a step, deterministic txIds', async () => {
    const map = createRowMapper({ fileTag: 'abcd1234' });
    const rows: PaysimRow[] = [];
    for await (const r of paysimRows(SHARED_CSVS[0]!)) rows.push(r);
    const txs = rows.map(map);
    for (let i = 1; i < txs.length; i++) expect(txs[i]!.eventTime).toBeGreaterThan(txs[i - 1]!.eventTime);
    expect(txs[0]).toEqual({
      txId: 'csv-abcd1234-2',
      eventTime: Date.UTC(2026, 0, 1, 1),
      type: 'PAYMENT',
      amount: 983_964,
      currency: 'USD',
      originAccount: 'C1231006815',
      originBalanceBefore: 17_013_600,
      destAccount: 'M1979787155',
      destBalanceBefore: 0,
      channel: null,
      attributes: {},
    });
    expect(txs[1]!.eventTime - txs[0]!.eventTime).toBe(ROW_SPACING_MS);
    const again = createRowMapper({ fileTag: 'abcd1234' });
    expect(rows.map(again)).toEqual(txs);
  });
});
