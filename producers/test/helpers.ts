import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PAYSIM_COLUMNS } from '../src/index.ts';
import { PAYSIM_FIXTURES_DIR } from '@fraud/common/testing';

export const PAYSIM_DIR = PAYSIM_FIXTURES_DIR;
export const SHARED_CSVS = ['paysim-head-5330.csv', 'paysim-blocks-12651.csv', 'paysim-steps1-119-sample.csv'].map(
  (f) => join(PAYSIM_DIR, f),
);
export const SCENARIOS_DIR = fileURLToPath(new URL('../scenarios', import.meta.url));

export function quantile(sorted: readonly number[], p: number): number {
  const i = p * (sorted.length - 1);
  const lo = Math.floor(i);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (i - lo);
}

/** The corrupted file: every kind of damage seen in real copies, next to valid oddities. */
export function writeCorruptedCsv(path: string): { lines: number; bad: Record<number, RegExp> } {
  const rows: (string | Buffer)[] = [
    `\ufeff${PAYSIM_COLUMNS.join(',')}\r\n`,
    '1,PAYMENT,9839.64,C1231006815,170136.0,160296.36,M1979787155,0.0,0.0,0,0\r\n', // 2 ok, CRLF
    '1,TRANSFER,1.0E7,C1305486145,1.0E7,0.0,C553264065,0.0,0.0,1.0,0.0\n', // 3 ok, 1.0E7 and 1.0/0.0 labels
    '1,PAYMENT,12a.5,C1,1.0,0.0,M2,0.0,0.0,0,0\n', // 4 bad number
    '1,PAYMENT,100.0,C1,1.0,0.0,M2\n', // 5 missing columns
    '1,CRYPTO,100.0,C1,1.0,0.0,M2,0.0,0.0,0,0\n', // 6 unknown type
    '1;PAYMENT;100.0;C1;1.0;0.0;M2;0.0;0.0;0;0\n', // 7 wrong separator
    Buffer.concat([
      Buffer.from('1,PAYMENT,100.0,C'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from(',1.0,0.0,M2,0.0,0.0,0,0\n'),
    ]), // 8 invalid UTF-8
    '\n', // 9 empty line
    '1,PAYMENT,100.0,C1,1.0,0.0,M2,0.0,0.0,2,0\n', // 10 label not 0/1
    '1,PAYMENT,-5,C1,1.0,0.0,M2,0.0,0.0,0,0\n', // 11 negative amount
    '1,"CASH_IN",50.5,"C9",1.0,51.5,C8,0.0,0.0,0,0\n', // 12 ok, quoted fields
    '1,PAYMENT,100.0,,1.0,0.0,M2,0.0,0.0,0,0\n', // 13 empty account
    '2,DEBIT,10.0,C7,20.0,10.0,C6,0.0,0.0,0,0', // 14 ok, no final newline
  ];
  writeFileSync(path, Buffer.concat(rows.map((r) => (typeof r === 'string' ? Buffer.from(r, 'utf8') : r))));
  return {
    lines: 13,
    bad: {
      4: /^amount: "12a\.5" is not a number$/,
      5: /^missing columns: expected 11, got 7$/,
      6: /^type: unknown transaction type "CRYPTO"/,
      7: /^wrong separator ";"/,
      8: /^invalid UTF-8$/,
      9: /^empty line$/,
      10: /^isFraud: "2" is not 0 or 1$/,
      11: /^amount: "-5" is negative$/,
      13: /^nameOrig: empty account name$/,
    },
  };
}
