import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFraudError } from '@fraud/common';
import { paysimFixture } from '@fraud/common/testing';
import {
  builtinMapping,
  compileMapping,
  loadMappedCsv,
  loadMapping,
  loadPaysimCsv,
  parseMapping,
  readMappedCsvBatches,
  writeBanksimSample,
  writeHandbookSample,
  type MappedRecord,
  type MappingInput,
} from '../../src/csv/index.ts';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mapping-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, text);
  return p;
}

async function records(path: string, mapping: MappingInput): Promise<MappedRecord[]> {
  const out: MappedRecord[] = [];
  for await (const b of readMappedCsvBatches(path, compileMapping(parseMapping(mapping)))) out.push(...b);
  return out;
}

const CARD: MappingInput = {
  name: 'card-export',
  delimiter: ';',
  columns: {
    id: 'merchantId',
    ts: 'eventTime' as never,
    kind: 'type',
    cents: 'amount',
    card: 'originAccount',
    shop: ['destAccount', 'merchantId'],
    mcc: 'merchantCategory',
    cc: 'country',
    seg: 'attributes.segment',
  },
  time: { format: 'epoch-seconds', column: 'ts' },
  label: { column: 'cb', truthy: ['Y'], falsy: ['N'] },
  types: { map: { pos: 'CARD_PRESENT', web: 'CARD_NOT_PRESENT' } },
  amountUnits: 'minor',
};

describe('column mappings', () => {
  it('a bad mapping fails at start, naming the JSON path of every problem', async () => {
    let err: unknown;
    try {
      parseMapping(CARD);
    } catch (e: unknown) {
      err = e;
    }
    expect(isFraudError(err, 'CONFIG_INVALID')).toBe(true);
    expect((err as Error).message).toMatch(
      /\$\.columns\.ts: a Transaction field \(type, .*\) or attributes\.<key>; eventTime comes from "time"/,
    );
    const { ts: _ts, id: _id, ...columns } = CARD.columns;
    expect(() => parseMapping({ ...CARD, columns: { ...columns, seg: 'attributes.' } })).toThrow(
      /\$\.columns\.seg: a Transaction field/,
    );
    expect(() =>
      parseMapping({ ...CARD, columns, time: { format: 'step', column: 'ts' } as never, label: {} as never }),
    ).toThrow(/\$\.time\.step: .*; \$\.time\.origin: .*; \$\.label\.column:/);
    expect(() => parseMapping({ ...CARD, columns: { card: 'originAccount' }, constants: { type: 'WIRE' } })).toThrow(
      /\$\.columns: no column or constant fills amount; .*destAccount; \$\.constants\.type: WIRE is not a Transac/,
    );
    expect(() => parseMapping({ ...CARD, columns, delimiter: ';;', extra: 1 } as never)).toThrow(
      /\$\.delimiter: .*; \$: Unrecognized key: "extra"/,
    );
    // From a file: not found, not JSON, invalid (the file named), valid.
    await expect(loadMapping(join(dir, 'nope.json'))).rejects.toThrow(/neither a built-in \(paysim, banksim/);
    await expect(loadMapping(await file('bad.json', '{"name":'))).rejects.toThrow(/bad\.json is not JSON/);
    await expect(loadMapping(await file('wrong.json', '{"name":"x"}'))).rejects.toThrow(
      /mapping .*wrong\.json is not a valid column mapping: \$\.columns: /,
    );
    const ok = await loadMapping(await file('card.json', JSON.stringify({ ...CARD, columns })));
    expect(ok).toMatchObject({ name: 'card-export', delimiter: ';', amountUnits: 'minor', constants: {} });
  });

  it('a custom mapping: separator, epoch seconds, minor units, type map, OTHER with typeName, attributes', async () => {
    const { ts: _ts, id: _id, ...columns } = CARD.columns;
    const csv = await file(
      'card.csv',
      'ts;kind;cents;card;shop;mcc;cc;seg;cb\n' +
        '1767225600;pos;1250;tok-1;shop-9;5411;DE;gold;N\n' +
        '1767225601;wire;99;tok-2;shop-8;;;;Y\n' +
        '1767225602;web;12.5;tok-2;shop-8;;;;N\n' +
        '1767225603;web;100;tok-2;shop-8;54;;;N\n' +
        '1767225604;web;100;tok-2;shop-8;;;;maybe\n' +
        'x;web;100;tok-2;shop-8;;;;N\n',
    );
    const recs = await records(csv, { ...CARD, columns });
    expect(recs.map((r) => (r.ok ? r.row.line : `${r.line}: ${r.reason}`))).toEqual([
      2,
      3,
      '4: cents: "12.5" is not a whole number of minor units',
      '5: merchantCategory "54" is not a 4-digit ISO 18245 MCC',
      '6: cb: "maybe" is not N or Y',
      '7: ts: "x" is not a number',
    ]);
    const [a, b] = recs.map((r) => (r.ok ? r.row : null));
    expect(a?.tx).toEqual({
      txId: 'card-export-1',
      eventTime: 1_767_225_600_000,
      type: 'CARD_PRESENT',
      amount: 1250,
      currency: 'USD',
      originAccount: 'tok-1',
      destAccount: 'shop-9',
      merchantId: 'shop-9',
      merchantCategory: '5411',
      country: 'DE',
      channel: null,
      attributes: { segment: 'gold' },
    });
    expect(a?.isFraud).toBe(false);
    expect(b?.tx).toMatchObject({ type: 'OTHER', typeName: 'wire', merchantCategory: null, attributes: {} });
    expect(b?.isFraud).toBe(true);
  });

  it('paysim: the same transactions, labels and row numbers as the PaySim reader, post-balances unread', async () => {
    const csv = paysimFixture('paysim-head-5330.csv');
    const compiled = compileMapping(builtinMapping('paysim'));
    expect(compiled.columns).not.toContain('newbalanceOrig');
    expect(compiled.columns).not.toContain('newbalanceDest');
    const mapped = await loadMappedCsv(csv, compiled);
    const legacy = await loadPaysimCsv(csv);
    expect(mapped.length).toBe(5330);
    expect(mapped.map((r) => ({ rowNumber: r.rowNumber, step: r.step, tx: r.tx, isFraud: r.isFraud }))).toEqual(
      legacy.map((r) => ({ rowNumber: r.rowNumber, step: r.step, tx: r.tx, isFraud: r.isFraud })),
    );
    expect(mapped.filter((r) => r.isFraud).length).toBeGreaterThan(0);
    // the optional typology column of simulator exports, and the unknown-type rule
    const typ = await file(
      'typ.csv',
      'step,type,amount,nameOrig,oldbalanceOrg,newbalanceOrig,nameDest,oldbalanceDest,newbalanceDest,isFraud,' +
        'isFlaggedFraud,typology\n3,TRANSFER,5.0,C1,5.0,0.0,C2,0.0,5.0,1,0,account-takeover\n' +
        '3,CARD_PRESENT,5.0,C1,5.0,0.0,C2,0.0,5.0,0,0,\n',
    );
    const recs = await records(typ, builtinMapping('paysim'));
    expect(recs[0]).toMatchObject({ ok: true, row: { typology: 'account-takeover', step: 3, isFraud: true } });
    expect(recs[1]).toMatchObject({ ok: false, line: 3, reason: /^type: unknown transaction type "CARD_PRESENT"/ });
  });

  it('banksim: quoted values, one step a day, merchant as payee and merchant id, the rest as attributes', async () => {
    const csv = join(dir, 'banksim.csv');
    const rows = await writeBanksimSample(csv, { days: 10 });
    const mapped = await loadMappedCsv(csv, compileMapping(await loadMapping('banksim')));
    expect(mapped.length).toBe(rows.length);
    expect(mapped.filter((r) => r.isFraud).length).toBe(rows.filter((r) => r.fraud === 1).length);
    expect(rows.some((r) => r.fraud === 1)).toBe(true);
    const first = rows[0]!;
    const last = mapped[mapped.length - 1]!;
    expect(mapped[0]).toMatchObject({ line: 2, rowNumber: 1, step: first.step, isFraud: first.fraud === 1 });
    expect(mapped[0]?.tx).toEqual({
      txId: 'banksim-1',
      eventTime: Date.UTC(2026, 0, 1) + first.step * 86_400_000,
      type: 'PAYMENT',
      amount: Math.round(first.amount * 100),
      currency: 'EUR',
      originAccount: first.customer,
      destAccount: first.merchant,
      merchantId: first.merchant,
      channel: null,
      attributes: {
        age: first.age,
        gender: first.gender,
        zipcodeOri: '28007',
        zipMerchant: '28007',
        category: first.category,
      },
    });
    expect(first.customer).toMatch(/^C\d+$/); // the quotes are gone
    expect(last.tx.eventTime - mapped[0]!.tx.eventTime).toBe((last.step! - first.step) * 86_400_000);
    expect(compileMapping(builtinMapping('banksim')).fields).toEqual(
      expect.arrayContaining(['originAccount', 'destAccount', 'merchantId', 'attributes.category', 'amount']),
    );
  });

  it('handbook: its ids, datetimes as UTC, terminals, labels and scenarios; bad rows named by line', async () => {
    const csv = join(dir, 'handbook.csv');
    const rows = await writeHandbookSample(csv, { days: 20, customers: 20, terminals: 10 });
    const mapped = await loadMappedCsv(csv, compileMapping(await loadMapping('handbook')));
    expect(mapped.length).toBe(rows.length);
    for (const s of [1, 2, 3] as const) {
      const n = rows.filter((r) => r.scenario === s).length;
      expect(n, `scenario ${s}`).toBeGreaterThan(0);
      expect(mapped.filter((r) => r.typology === `scenario-${s}` && r.isFraud).length).toBe(n);
    }
    const r0 = rows[0]!;
    expect(mapped[0]?.tx).toEqual({
      txId: `handbook-${r0.id}`,
      eventTime: Date.UTC(2018, 3, 1) + r0.seconds * 1000,
      type: 'CARD_PRESENT',
      amount: Math.round(r0.amount * 100),
      currency: 'USD',
      originAccount: String(r0.customer),
      destAccount: String(r0.terminal),
      terminalId: String(r0.terminal),
      channel: null,
      attributes: {},
    });
    expect(mapped.every((r) => r.typology === null || r.isFraud)).toBe(true);

    const bad = await file(
      'handbook-bad.csv',
      'TRANSACTION_ID,TX_DATETIME,CUSTOMER_ID,TERMINAL_ID,TX_AMOUNT,TX_TIME_SECONDS,TX_TIME_DAYS,TX_FRAUD,' +
        'TX_FRAUD_SCENARIO\n0,2018-04-01 00:00:31,596,3156,57.16,31,0,0,0\n' +
        '1,2018-04-31 00:02:10,4961,3412,81.51,130,0,0,0\n' +
        '\n2,2018-04-01 00:07:56,2,1365,146.00,476,0,2,0\n,2018-04-01 00:09:29,4128,8737,64.49,569,0,0,0\n',
    );
    const rejects: { line: number; reason: string }[] = [];
    const ok = await loadMappedCsv(bad, compileMapping(builtinMapping('handbook')), {
      onReject: (r) => rejects.push({ line: r.line, reason: r.reason }),
    });
    expect(ok.map((r) => r.tx.txId)).toEqual(['handbook-0']);
    expect(rejects).toEqual([
      { line: 3, reason: 'TX_DATETIME: "2018-04-31 00:02:10" is not an ISO date-time' },
      { line: 5, reason: 'TX_FRAUD: "2" is not 0 or 1' },
      { line: 6, reason: 'TRANSACTION_ID: empty transaction id' },
    ]);
    await expect(loadMappedCsv(bad, compileMapping(builtinMapping('handbook')))).rejects.toThrow(
      /handbook-bad\.csv line 3: TX_DATETIME/,
    );
  });

  it('a file in another layout is refused at the header, with what is missing and a separator hint', async () => {
    const csv = join(dir, 'handbook2.csv');
    await writeHandbookSample(csv, { days: 2, customers: 3 });
    const err = await loadMappedCsv(csv, compileMapping(builtinMapping('banksim'))).catch((e: unknown) => e);
    expect(isFraudError(err, 'CSV_INVALID')).toBe(true);
    expect((err as Error).message).toMatch(/^not a banksim CSV: .*missing step, customer, .*pick the right --mapping/);
    const semi = await file('semi.csv', 'TRANSACTION_ID;TX_DATETIME;CUSTOMER_ID;TERMINAL_ID;TX_AMOUNT;TX_FRAUD\n');
    await expect(loadMappedCsv(semi, compileMapping(builtinMapping('handbook')))).rejects.toThrow(
      /it looks separated by ";"/,
    );
    await expect(
      loadMappedCsv(await file('empty.csv', ''), compileMapping(builtinMapping('handbook'))),
    ).rejects.toThrow(/the CSV is empty: expected a handbook header/);
  });
});
