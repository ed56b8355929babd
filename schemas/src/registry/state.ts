import type { Type } from 'avsc';
import { parseAvro } from '../avro.ts';
import { isCompatibilityLevel, type CompatibilityLevel } from './compat.ts';

/**
 * The registry's state, a pure fold over the records of the `_schemas` log. Every instance
 * applies the same records in the same (log) order, so every instance computes the same state.
 *
 * Records (key -> value, JSON):
 *   SCHEMA {subject, version, nonce} -> {subject, version, id, schema}
 *       Accepted only if the (subject, version) slot is free, the id is free or already holds
 *       the same schema, and the schema has no other id. A rejected record lost a race with a
 *       concurrent writer and changes nothing, identically on every instance.
 *   DELETE_SUBJECT {subject, nonce} -> {softUpTo, permanentUpTo}   marks versions <= n
 *   DELETE_VERSION {subject, version, nonce} -> {permanent}
 *   CONFIG {subject|null} -> {compatibilityLevel|null}               latest wins
 * SCHEMA and DELETE keys are unique (nonce), so compaction never drops or reorders them;
 * deletion marks only ever strengthen (live < soft < permanent). Only CONFIG records are
 * compacted, and for them the latest value is all that matters. Hence the compacted log folds
 * to the same state as the full one (test/state.test.ts checks this property). Ids are never
 * reused: schema records stay in the log even after a permanent delete.
 */
export type Deleted = 'no' | 'soft' | 'permanent';

export interface VersionEntry {
  subject: string;
  version: number;
  id: number;
  deleted: Deleted;
}

export interface SchemaRecordValue {
  subject: string;
  version: number;
  id: number;
  schema: string;
}

export type LogRecord =
  | { keytype: 'SCHEMA'; value: SchemaRecordValue }
  | { keytype: 'CONFIG'; subject: string | null; compatibilityLevel: string | null }
  | { keytype: 'DELETE_SUBJECT'; subject: string; softUpTo: number; permanentUpTo: number }
  | { keytype: 'DELETE_VERSION'; subject: string; version: number; permanent: boolean };

const RANK: Record<Deleted, number> = { no: 0, soft: 1, permanent: 2 };
const stronger = (a: Deleted, b: Deleted): Deleted => (RANK[b] > RANK[a] ? b : a);

export class RegistryState {
  private readonly schemaById = new Map<number, string>();
  private readonly canonicalById = new Map<number, string>();
  private readonly idBySchema = new Map<string, number>();
  private readonly typeById = new Map<number, Type>();
  private readonly subjectVersions = new Map<string, Map<number, VersionEntry>>();
  private readonly subjectLevels = new Map<string, CompatibilityLevel>();
  private globalLevel: CompatibilityLevel;
  private highestId = 0;

  /**
   * @param canonicalize identity of a stored schema text. Applied on read, so a record stored
   *   by an older version of the registry is still recognised as the same schema.
   */
  constructor(
    private readonly defaultLevel: CompatibilityLevel = 'BACKWARD',
    private readonly canonicalize: (schema: string) => string = (s) => s,
  ) {
    this.globalLevel = defaultLevel;
  }

  /** Applies one record; returns false when a SCHEMA record lost a race (a no-op). */
  apply(record: LogRecord): boolean {
    switch (record.keytype) {
      case 'SCHEMA':
        return this.applySchema(record.value);
      case 'CONFIG':
        if (record.subject === null) {
          // Latest wins, a null included (back to the default), so compaction cannot change it.
          this.globalLevel = isCompatibilityLevel(record.compatibilityLevel)
            ? record.compatibilityLevel
            : this.defaultLevel;
        } else if (isCompatibilityLevel(record.compatibilityLevel)) {
          this.subjectLevels.set(record.subject, record.compatibilityLevel);
        } else {
          this.subjectLevels.delete(record.subject);
        }
        return true;
      case 'DELETE_SUBJECT':
        for (const entry of this.subjectVersions.get(record.subject)?.values() ?? []) {
          if (entry.version <= record.permanentUpTo) entry.deleted = 'permanent';
          else if (entry.version <= record.softUpTo) entry.deleted = stronger(entry.deleted, 'soft');
        }
        return true;
      case 'DELETE_VERSION': {
        const entry = this.subjectVersions.get(record.subject)?.get(record.version);
        if (entry) entry.deleted = stronger(entry.deleted, record.permanent ? 'permanent' : 'soft');
        return true;
      }
    }
  }

  private applySchema(v: SchemaRecordValue): boolean {
    const versions = this.subjectVersions.get(v.subject) ?? new Map<number, VersionEntry>();
    if (versions.has(v.version)) return false;
    const canonical = this.canonicalize(v.schema);
    const holder = this.canonicalById.get(v.id);
    if (holder !== undefined && holder !== canonical) return false;
    const known = this.idBySchema.get(canonical);
    if (known !== undefined && known !== v.id) return false;
    if (holder === undefined) {
      this.schemaById.set(v.id, v.schema);
      this.canonicalById.set(v.id, canonical);
    }
    this.idBySchema.set(canonical, v.id);
    this.highestId = Math.max(this.highestId, v.id);
    versions.set(v.version, { subject: v.subject, version: v.version, id: v.id, deleted: 'no' });
    this.subjectVersions.set(v.subject, versions);
    return true;
  }

  schema(id: number): string | undefined {
    return this.schemaById.get(id);
  }

  /** Id of a schema given in canonical form. */
  idOf(canonical: string): number | undefined {
    return this.idBySchema.get(canonical);
  }

  /** The id a new schema gets: its existing id, or the next one. */
  nextIdFor(canonical: string): number {
    return this.idBySchema.get(canonical) ?? this.highestId + 1;
  }

  type(id: number): Type | undefined {
    let type = this.typeById.get(id);
    const text = this.schemaById.get(id);
    if (!type && text !== undefined) {
      type = parseAvro(JSON.parse(text));
      this.typeById.set(id, type);
    }
    return type;
  }

  /** Every version ever written (deleted ones included), oldest first. */
  allVersions(subject: string): VersionEntry[] {
    return [...(this.subjectVersions.get(subject)?.values() ?? [])].sort((a, b) => a.version - b.version);
  }

  /** Versions visible to clients: live ones, plus soft-deleted ones when asked. */
  versions(subject: string, includeSoftDeleted = false): VersionEntry[] {
    return this.allVersions(subject).filter((e) => e.deleted === 'no' || (includeSoftDeleted && e.deleted === 'soft'));
  }

  nextVersion(subject: string): number {
    return (this.allVersions(subject).at(-1)?.version ?? 0) + 1;
  }

  subjects(includeSoftDeleted = false): string[] {
    return [...this.subjectVersions.keys()].filter((s) => this.versions(s, includeSoftDeleted).length > 0).sort();
  }

  subjectsOf(id: number): VersionEntry[] {
    return [...this.subjectVersions.values()]
      .flatMap((m) => [...m.values()])
      .filter((e) => e.id === id && e.deleted === 'no');
  }

  globalCompatibility(): CompatibilityLevel {
    return this.globalLevel;
  }

  subjectCompatibility(subject: string): CompatibilityLevel | undefined {
    return this.subjectLevels.get(subject);
  }

  effectiveCompatibility(subject: string): CompatibilityLevel {
    return this.subjectLevels.get(subject) ?? this.globalLevel;
  }
}
