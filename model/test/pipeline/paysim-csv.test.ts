import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isFraudError } from '@fraud/common';
import {
  loadPaysimCsv,
  parsePaysimLine,
  paysimEventTime,
  PAYSIM_EPOCH_MS,
  paysimStep,
  readPaysimCsv,
} from '../../src/csv/index.ts';

const HEADER =
  'step,type,amount,nameOrig,oldbalanceOrg,newbalanceOrig,' +
  'nameDest,oldbalanceDest,newbalanceDest,isFraud,isFlaggedFraud';
let dir = '';
afterAll(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});
async function file(name: string, text: string): Promise<string> {
  dir ||= await mkdtemp(join(tmpdir(), 'paysim-csv-'));
  const p = join(dir, name);
  await writeFile(p, text);
  return p;
}

describe('PaySim CSV reader', () => {
  it('converts major units to minor, step to event time, keeps no post-transaction balance', () => {
    const r = parsePaysimLine('743,TRANSFER,1.0E7,C1,1.0E7,0.0,C2,0.0,0.0,1.0,0.0', 7);
    expect(r.step).toBe(743);
    expect(r.tx.eventTime).toBe(PAYSIM_EPOCH_MS + 743 * 3_600_000);
    expect(paysimStep(r.tx.eventTime)).toBe(743);
    expect(r.tx.amount).toBe(1_000_000_000);
    expect(r.tx.originBalanceBefore).toBe(1_000_000_000);
    expect(r.isFraud).toBe(true);
    expect(r.isFlaggedFraud).toBe(false);
    expect(r.tx.txId).toBe('paysim-7');
    expect(parsePaysimLine('1,PAYMENT,9839.64,C1,170136.0,160296.36,M1,0.0,0.0,0,0', 1).tx.amount).toBe(983_964);
    // rounding, not truncation: 0.29 * 100 = 28.999999999999996
    expect(parsePaysimLine('1,PAYMENT,0.29,C1,0.0,0.0,M1,0.0,0.0,0,0', 1).tx.amount).toBe(29);
    expect(JSON.stringify(r)).not.toMatch(/newbalance/i);
  });

  it('reads CRLF files with the header, skips blank lines, accepts a typology column', async () => {
    const p = await file(
      'crlf.csv',
      `${HEADER}\r\n1,CASH_OUT,181.0,C840083671,181.0,0.0,C38997010,21182.0,0.0,1,0\r\n\r\n` +
        '2,PAYMENT,1.5,C1,2.0,0.5,M1,0.0,0.0,0,0\r\n',
    );
    const rows = await loadPaysimCsv(p);
    expect(rows.map((r) => [r.rowNumber, r.step, r.tx.type, r.tx.amount, r.tx.destBalanceBefore, r.isFraud])).toEqual([
      [1, 1, 'CASH_OUT', 18100, 2_118_200, true],
      [2, 2, 'PAYMENT', 150, 0, false],
    ]);
    expect(rows[0]?.tx.eventTime).toBe(paysimEventTime(1));
    const t = await file(
      'typ.csv',
      `${HEADER},typology\n1,TRANSFER,5.0,C1,5.0,0.0,C2,0.0,5.0,1,0,account-takeover\n` +
        '1,PAYMENT,5.0,C3,9.0,4.0,M1,0.0,0.0,0,0,\n',
    );
    expect((await loadPaysimCsv(t)).map((r) => r.typology)).toEqual(['account-takeover', null]);
  });

  it('filters by step range', async () => {
    const p = await file(
      'steps.csv',
      `${HEADER}\n1,PAYMENT,1,C1,2,1,M1,0,0,0,0\n5,PAYMENT,1,C1,2,1,M1,0,0,0,0\n9,PAYMENT,1,C1,2,1,M1,0,0,0,0\n`,
    );
    expect((await loadPaysimCsv(p, { fromStep: 2, untilStep: 8 })).map((r) => r.step)).toEqual([5]);
  });

  it('names the line and the problem in CSV_INVALID errors', async () => {
    const bad = await file('bad.csv', `${HEADER}\n1,PAYMENT,1,C1,2,1,M1,0,0,0,0\n1,PAYMENT,abc,C1,2,1,M1,0,0,0,0\n`);
    await expect(loadPaysimCsv(bad)).rejects.toThrow(/line 3: amount is not a number/);
    const header = await file('header.csv', 'a,b,c\n1,2,3\n');
    await expect(loadPaysimCsv(header)).rejects.toThrow(/header must be step,type,amount/);
    const errors: unknown[] = [];
    for (const line of [
      '1,WIRE,1,C1,2,1,M1,0,0,0,0',
      '1,PAYMENT,1,C1,2,1,M1,0,0,2,0',
      '1,PAYMENT,1,C1,2,1,M1,0,0,0',
      '-1,PAYMENT,1,C1,2,1,M1,0,0,0,0',
      '1,PAYMENT,1,C1,2,x,M1,0,0,0,0',
    ]) {
      try {
        parsePaysimLine(line, 1);
      } catch (err: unknown) {
        errors.push(err);
      }
    }
    expect(errors.length).toBe(5);
    expect(errors.every((e) => isFraudError(e, 'CSV_INVALID'))).toBe(true);
    const empty = await file('empty.csv', '');
    await expect(async () => {
      for await (const _ of readPaysimCsv(empty)) void _;
    }).rejects.toThrow(/is empty/);
  });
});
