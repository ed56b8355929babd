import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { SCORED_TABLE, type Column, type TableDef } from '../src/warehouse/columns.ts';
import { createDuckDbStore, duckdbDdl } from '../src/warehouse/duckdb-store.ts';
import { scoredRow } from '../src/warehouse/rows.ts';
import { scoredRecord } from './fixtures.ts';

/** The columns Transaction v2 added to `scored`, and the balances it made nullable. */
const ADDED = ['typeName', 'merchantId', 'merchantCategory', 'terminalId', 'country', 'deviceId'];
const RELAXED = ['originBalanceBefore', 'destBalanceBefore'];

/** `scored` as the version before Transaction v2 created it: no card columns, balances NOT NULL. */
const V1_SCORED: TableDef = {
  ...SCORED_TABLE,
  columns: SCORED_TABLE.columns
    .filter((c) => !ADDED.includes(c.name))
    .map((c) => (RELAXED.includes(c.name) ? { ...c, nullable: false } : c)),
};

const LITERAL: Record<Column['kind'], string> = {
  string: "'v1'",
  int: '1',
  bigint: '7',
  double: '0.5',
  bool: 'true',
  timestamp: "TIMESTAMP '2026-01-01 00:00:00'",
  json: "'{}'",
  'float[]': '[1.5]::FLOAT[]',
  'string[]': "['r']",
};

async function createV1File(path: string): Promise<void> {
  const instance = await DuckDBInstance.create(path);
  const conn = await instance.connect();
  await conn.run(duckdbDdl(V1_SCORED));
  const values = V1_SCORED.columns.map((c) => (c.name === 'txId' ? "'old-tx'" : LITERAL[c.kind])).join(', ');
  await conn.run(`INSERT INTO scored VALUES (${values})`);
  conn.closeSync();
  instance.closeSync();
}

describe('a DuckDB warehouse created before Transaction v2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sinks-migrate-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('opens: the card columns are added, the balances become nullable, old rows keep their values', async () => {
    const path = join(dir, 'v1.duckdb');
    await createV1File(path);
    const store = await createDuckDbStore({ path });
    try {
      await store.init();
      await store.init(); // idempotent: a second start changes nothing and does not fail
      const old = await store.query('SELECT * FROM scored WHERE "txId" = $tx', { tx: 'old-tx' });
      expect(old).toHaveLength(1);
      expect(old[0]).toMatchObject({ originBalanceBefore: 7, destBalanceBefore: 7, merchantId: null, country: null });

      const base = scoredRecord('mig', 1);
      const card = scoredRecord('mig', 2, {
        transaction: {
          ...base.transaction,
          txId: 'card-tx',
          type: 'CARD_NOT_PRESENT',
          originBalanceBefore: null,
          destBalanceBefore: null,
          merchantId: 'M-42',
          merchantCategory: '5411',
          terminalId: 'T-7',
          country: 'KE',
          deviceId: 'dev-1',
        },
      });
      await store.upsert(SCORED_TABLE, [
        scoredRow(base, { partition: 0, offset: 1 }),
        scoredRow(card, { partition: 0, offset: 2 }),
      ]);
      const rows = await store.query(
        'SELECT "txId", "type", "originBalanceBefore", "destBalanceBefore", "merchantId", "merchantCategory", ' +
          '"country" FROM scored ORDER BY "txId"',
        {},
      );
      expect(rows).toEqual([
        {
          txId: 'card-tx',
          type: 'CARD_NOT_PRESENT',
          originBalanceBefore: null,
          destBalanceBefore: null,
          merchantId: 'M-42',
          merchantCategory: '5411',
          country: 'KE',
        },
        {
          txId: 'mig-tx-1',
          type: base.transaction.type,
          originBalanceBefore: 50_001,
          destBalanceBefore: 10_000,
          merchantId: null,
          merchantCategory: null,
          country: null,
        },
        {
          txId: 'old-tx',
          type: 'v1',
          originBalanceBefore: 7,
          destBalanceBefore: 7,
          merchantId: null,
          merchantCategory: null,
          country: null,
        },
      ]);
    } finally {
      await store.close();
    }
  });
});
