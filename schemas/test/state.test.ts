import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COMPATIBILITY_LEVELS } from '../src/registry/compat.ts';
import { RegistryState, type LogRecord } from '../src/registry/state.ts';

/** The registry state is a deterministic fold of the log; compaction must not change it. */
const SUBJECTS = ['a-value', 'b-value'];
const SCHEMAS = ['"string"', '"int"', '"long"', '{"type":"array","items":"int"}'];

function fold(records: LogRecord[]): RegistryState {
  const state = new RegistryState();
  for (const r of records) state.apply(r);
  return state;
}

function snapshot(state: RegistryState) {
  return {
    subjects: state.subjects(true),
    versions: SUBJECTS.map((s) => state.allVersions(s)),
    schemas: [1, 2, 3, 4, 5, 6].map((id) => state.schema(id) ?? null),
    ids: SCHEMAS.map((s) => state.idOf(s) ?? null),
    global: state.globalCompatibility(),
    levels: SUBJECTS.map((s) => state.subjectCompatibility(s) ?? null),
  };
}

const schemaRecord = fc
  .record({
    subject: fc.constantFrom(...SUBJECTS),
    version: fc.integer({ min: 1, max: 4 }),
    id: fc.integer({ min: 1, max: 6 }),
    schema: fc.constantFrom(...SCHEMAS),
  })
  .map((value): LogRecord => ({ keytype: 'SCHEMA', value }));
const configRecord = fc
  .record({
    subject: fc.constantFrom(null, ...SUBJECTS),
    compatibilityLevel: fc.constantFrom(null, ...COMPATIBILITY_LEVELS),
  })
  .map((v): LogRecord => ({ keytype: 'CONFIG', ...v }));
const deleteSubject = fc
  .record({
    subject: fc.constantFrom(...SUBJECTS),
    softUpTo: fc.integer({ min: 0, max: 4 }),
    permanentUpTo: fc.integer({ min: 0, max: 4 }),
  })
  .map((v): LogRecord => ({ keytype: 'DELETE_SUBJECT', ...v }));
const deleteVersion = fc
  .record({ subject: fc.constantFrom(...SUBJECTS), version: fc.integer({ min: 1, max: 4 }), permanent: fc.boolean() })
  .map((v): LogRecord => ({ keytype: 'DELETE_VERSION', ...v }));
const log = fc.array(fc.oneof(schemaRecord, schemaRecord, configRecord, deleteSubject, deleteVersion), {
  maxLength: 40,
});

/**
 * What Kafka's log cleaner may do: keep only the last record per key (CONFIG keys repeat; the others carry a
 * nonce).
 */
function compact(records: LogRecord[]): LogRecord[] {
  const lastConfig = new Map<string, number>();
  records.forEach((r, i) => {
    if (r.keytype === 'CONFIG') lastConfig.set(String(r.subject), i);
  });
  return records.filter((r, i) => r.keytype !== 'CONFIG' || lastConfig.get(String(r.subject)) === i);
}

describe('RegistryState', () => {
  it('property: the compacted log folds to the same state as the full log', () => {
    fc.assert(
      fc.property(log, (records) => {
        expect(snapshot(fold(compact(records)))).toEqual(snapshot(fold(records)));
      }),
      { numRuns: 500 },
    );
  });

  it('property: one schema has one id, one id one schema, one slot one record', () => {
    fc.assert(
      fc.property(log, (records) => {
        const s = snapshot(fold(records));
        const ids = s.ids.filter((x): x is number => x !== null);
        expect(new Set(ids).size).toBe(ids.length);
        for (const [i, id] of s.ids.entries()) if (id !== null) expect(s.schemas[id - 1]).toBe(SCHEMAS[i]);
      }),
      { numRuns: 300 },
    );
  });

  it('a writer that lost a race changes nothing: the first record for a slot or an id wins', () => {
    const state = new RegistryState();
    expect(
      state.apply({ keytype: 'SCHEMA', value: { subject: 'a-value', version: 1, id: 1, schema: '"string"' } }),
    ).toBe(true);
    // Another instance picked the same version for another schema: rejected.
    expect(state.apply({ keytype: 'SCHEMA', value: { subject: 'a-value', version: 1, id: 2, schema: '"int"' } })).toBe(
      false,
    );
    // ...or the same id for another schema under another subject: rejected.
    expect(state.apply({ keytype: 'SCHEMA', value: { subject: 'b-value', version: 1, id: 1, schema: '"int"' } })).toBe(
      false,
    );
    // The same schema under another subject keeps its id.
    expect(
      state.apply({ keytype: 'SCHEMA', value: { subject: 'b-value', version: 1, id: 1, schema: '"string"' } }),
    ).toBe(true);
    expect(state.nextIdFor('"int"')).toBe(2);
    expect(state.nextVersion('a-value')).toBe(2);
    expect(state.versions('b-value').map((e) => e.id)).toEqual([1]);
  });

  it('deletion marks only strengthen', () => {
    const state = new RegistryState();
    state.apply({ keytype: 'SCHEMA', value: { subject: 'a-value', version: 1, id: 1, schema: '"string"' } });
    state.apply({ keytype: 'DELETE_VERSION', subject: 'a-value', version: 1, permanent: true });
    state.apply({ keytype: 'DELETE_VERSION', subject: 'a-value', version: 1, permanent: false });
    state.apply({ keytype: 'DELETE_SUBJECT', subject: 'a-value', softUpTo: 1, permanentUpTo: 0 });
    expect(state.allVersions('a-value').map((e) => e.deleted)).toEqual(['permanent']);
    expect(state.subjects(true)).toEqual([]);
  });
});
