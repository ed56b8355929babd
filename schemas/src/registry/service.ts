import { randomUUID } from 'node:crypto';
import { incompatibilities, isCompatibilityLevel, type CompatibilityLevel } from './compat.ts';
import { parseSchema } from './canonical.ts';
import { RegistryError } from './errors.ts';
import type { SchemaLog } from './log.ts';
import type { RegistryState, VersionEntry } from './state.ts';

/**
 * Registry operations. Reads come from the local state; writes go through the log:
 *
 *   1. read the log to its end (so the state includes every write acked before this one),
 *   2. validate, check compatibility, pick id and version from that state,
 *   3. append the record, wait until it is read back and applied,
 *   4. if a concurrent writer on another instance took the slot first, the record was a
 *      no-op on every instance: go back to 1 (bounded).
 *
 * Guarantee: all instances assign the same ids and versions (they fold the same log); a
 * schema has one id across subjects; ids are never reused; registering the same schema twice
 * under a subject returns the same id without writing. Writes in one instance are serialized.
 * Compatibility is checked against the state read in step 1; a concurrent incompatible write
 * from another instance in the same instant is not re-checked (slots and ids still agree).
 */
export interface RegistryService {
  register(subject: string, schemaText: unknown): Promise<{ id: number; version: number }>;
  lookup(subject: string, schemaText: unknown, includeDeleted: boolean): Promise<VersionEntry & { schema: string }>;
  schemaById(id: number): Promise<string>;
  subjectsOf(id: number): Promise<Array<{ subject: string; version: number }>>;
  subjects(includeDeleted: boolean): string[];
  versions(subject: string, includeDeleted: boolean): Promise<number[]>;
  version(subject: string, version: string, includeDeleted: boolean): Promise<VersionEntry & { schema: string }>;
  checkCompatibility(subject: string, version: string | undefined, schemaText: unknown): Promise<string[]>;
  globalLevel(): CompatibilityLevel;
  setGlobalLevel(level: unknown): Promise<CompatibilityLevel>;
  subjectLevel(subject: string, defaultToGlobal: boolean): CompatibilityLevel;
  setSubjectLevel(subject: string, level: unknown): Promise<CompatibilityLevel>;
  deleteSubjectLevel(subject: string): Promise<CompatibilityLevel>;
  deleteSubject(subject: string, permanent: boolean): Promise<number[]>;
  deleteVersion(subject: string, version: string, permanent: boolean): Promise<number>;
}

const MAX_ATTEMPTS = 5;

export function createRegistryService(state: RegistryState, log: SchemaLog): RegistryService {
  const core = createCore(state, log);
  return {
    register: (subject, schemaText) => registerSchema(core, subject, schemaText),
    ...readMethods(core),
    ...levelMethods(core),
    ...deleteMethods(core),
  };
}

/** What every operation shares: the state, the log, serialized writes and read-your-writes lookups. */
interface Core {
  state: RegistryState;
  log: SchemaLog;
  /** One write at a time in this instance; each starts from a state read to the log's end. */
  serialized<T>(fn: () => Promise<T>): Promise<T>;
  /** Appends a record and waits until this instance has applied it. */
  write(key: Record<string, unknown>, value: Record<string, unknown>): Promise<void>;
  /** Looks a thing up; on a miss, reads the log to its end and looks again (read-your-writes across instances). */
  fresh<T>(fn: () => T): Promise<T>;
  live(subject: string, includeDeleted: boolean): VersionEntry[];
  findVersion(subject: string, version: string, includeDeleted: boolean): VersionEntry;
  withSchema(entry: VersionEntry): VersionEntry & { schema: string };
  compatibilityReasons(subject: string, schemaText: unknown): string[];
}

function createCore(state: RegistryState, log: SchemaLog): Core {
  let queue: Promise<unknown> = Promise.resolve();
  const live = (subject: string, includeDeleted: boolean): VersionEntry[] => {
    const versions = state.versions(subject, includeDeleted);
    if (versions.length === 0) throw new RegistryError(40401, `Subject '${subject}' not found.`);
    return versions;
  };
  return {
    state,
    log,
    serialized<T>(fn: () => Promise<T>): Promise<T> {
      const run = queue.then(async () => {
        await log.catchUp();
        return fn();
      });
      queue = run.catch(() => undefined);
      return run;
    },
    async write(key, value) {
      await log.waitApplied(await log.append(key, value));
    },
    async fresh<T>(fn: () => T): Promise<T> {
      try {
        return fn();
      } catch (err: unknown) {
        if (!(err instanceof RegistryError) || Math.floor(err.errorCode / 100) !== 404) throw err;
        await log.catchUp();
        return fn();
      }
    },
    live,
    findVersion(subject, version, includeDeleted) {
      const n = parseVersion(version);
      const versions = live(subject, includeDeleted || n !== 'latest');
      const entry =
        n === 'latest' ? versions.filter((e) => e.deleted === 'no').at(-1) : versions.find((e) => e.version === n);
      if (!entry || (!includeDeleted && entry.deleted !== 'no'))
        throw new RegistryError(40402, `Version ${version} not found.`);
      return entry;
    },
    withSchema: (entry) => ({ ...entry, schema: state.schema(entry.id) ?? '' }),
    compatibilityReasons(subject, schemaText) {
      const { type } = parseSchema(schemaText);
      const existing = state.versions(subject).map((e) => ({ version: e.version, type: state.type(e.id) ?? type }));
      return incompatibilities(type, existing, state.effectiveCompatibility(subject));
    },
  };
}

/** Steps 1-4 of the RegistryService comment; the same schema again under the subject returns its id without writing. */
function registerSchema(core: Core, subject: string, schemaText: unknown): Promise<{ id: number; version: number }> {
  const { state } = core;
  validSubject(subject);
  const { canonical } = parseSchema(schemaText);
  return core.serialized(async () => {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const existing = state.versions(subject).find((e) => e.id === state.idOf(canonical));
      if (existing) return { id: existing.id, version: existing.version };
      const reasons = core.compatibilityReasons(subject, canonical);
      if (reasons.length) {
        throw new RegistryError(
          409,
          `Schema being registered is incompatible with an earlier schema for subject "${subject}" ` +
            `(${state.effectiveCompatibility(subject)}): ${reasons.join('; ')}`,
        );
      }
      const value = {
        subject,
        version: state.nextVersion(subject),
        id: state.nextIdFor(canonical),
        schema: canonical,
      };
      await core.write({ keytype: 'SCHEMA', subject, version: value.version, nonce: randomUUID(), magic: 1 }, value);
      const slot = state.allVersions(subject).find((e) => e.version === value.version);
      if (slot?.id === value.id && state.idOf(canonical) === value.id) return { id: value.id, version: value.version };
    }
    throw new RegistryError(
      50001,
      `could not register under "${subject}" after ${MAX_ATTEMPTS} attempts: ` +
        'concurrent writers kept taking the next version; retry',
    );
  });
}

type ReadMethods = 'lookup' | 'schemaById' | 'subjectsOf' | 'subjects' | 'versions' | 'version' | 'checkCompatibility';

function readMethods(core: Core): Pick<RegistryService, ReadMethods> {
  const { state, fresh, live, withSchema, findVersion } = core;
  return {
    async lookup(subject, schemaText, includeDeleted) {
      const { canonical } = parseSchema(schemaText);
      return fresh(() => {
        const id = state.idOf(canonical);
        const entry = live(subject, includeDeleted).find((e) => e.id === id);
        if (!entry) throw new RegistryError(40403, `Schema not found under subject '${subject}'.`);
        return withSchema(entry);
      });
    },

    schemaById: (id) =>
      fresh(() => {
        const text = state.schema(id);
        if (text === undefined) throw new RegistryError(40403, `Schema ${id} not found`);
        return text;
      }),

    subjectsOf: (id) =>
      fresh(() => {
        if (state.schema(id) === undefined) throw new RegistryError(40403, `Schema ${id} not found`);
        return state.subjectsOf(id).map((e) => ({ subject: e.subject, version: e.version }));
      }),

    subjects: (includeDeleted) => state.subjects(includeDeleted),

    versions: (subject, includeDeleted) => fresh(() => live(subject, includeDeleted).map((e) => e.version)),

    version: (subject, version, includeDeleted) =>
      fresh(() => withSchema(findVersion(subject, version, includeDeleted))),

    async checkCompatibility(subject, version, schemaText) {
      parseSchema(schemaText);
      await core.log.catchUp();
      if (version === undefined) return core.compatibilityReasons(subject, schemaText);
      if (parseVersion(version) === 'latest' && state.versions(subject).length === 0) return [];
      const entry = findVersion(subject, version, false);
      const lvl = state.effectiveCompatibility(subject).replace('_TRANSITIVE', '') as CompatibilityLevel;
      const { type } = parseSchema(schemaText);
      return incompatibilities(type, [{ version: entry.version, type: state.type(entry.id) ?? type }], lvl);
    },
  };
}

type LevelMethods = 'globalLevel' | 'setGlobalLevel' | 'subjectLevel' | 'setSubjectLevel' | 'deleteSubjectLevel';

function levelMethods(core: Core): Pick<RegistryService, LevelMethods> {
  const { state, serialized, write } = core;
  return {
    globalLevel: () => state.globalCompatibility(),

    setGlobalLevel(value) {
      const lvl = level(value);
      return serialized(async () => {
        await write({ keytype: 'CONFIG', subject: null, magic: 0 }, { compatibilityLevel: lvl });
        return lvl;
      });
    },

    subjectLevel(subject, defaultToGlobal) {
      const lvl = state.subjectCompatibility(subject);
      if (lvl) return lvl;
      if (defaultToGlobal) return state.globalCompatibility();
      throw new RegistryError(40408, `Subject '${subject}' does not have subject-level compatibility configured`);
    },

    setSubjectLevel(subject, value) {
      validSubject(subject);
      const lvl = level(value);
      return serialized(async () => {
        await write({ keytype: 'CONFIG', subject, magic: 0 }, { compatibilityLevel: lvl });
        return lvl;
      });
    },

    deleteSubjectLevel(subject) {
      return serialized(async () => {
        const previous = state.subjectCompatibility(subject);
        if (!previous) throw new RegistryError(40401, `Subject '${subject}' has no compatibility level to delete.`);
        await write({ keytype: 'CONFIG', subject, magic: 0 }, { compatibilityLevel: null });
        return previous;
      });
    },
  };
}

function deleteMethods(core: Core): Pick<RegistryService, 'deleteSubject' | 'deleteVersion'> {
  const { state, serialized, write } = core;
  return {
    deleteSubject(subject, permanent) {
      return serialized(async () => {
        const all = state.allVersions(subject).filter((e) => e.deleted !== 'permanent');
        if (all.length === 0) throw new RegistryError(40401, `Subject '${subject}' not found.`);
        const liveOnes = all.filter((e) => e.deleted === 'no');
        if (permanent && liveOnes.length > 0)
          throw new RegistryError(
            40405,
            `Subject '${subject}' was not deleted first before being permanently deleted.`,
          );
        if (!permanent && liveOnes.length === 0) throw new RegistryError(40401, `Subject '${subject}' not found.`);
        const top = all.at(-1)?.version ?? 0;
        const previous = state.allVersions(subject);
        const permanentUpTo = permanent
          ? top
          : Math.max(0, ...previous.filter((e) => e.deleted === 'permanent').map((e) => e.version));
        const softUpTo = Math.max(top, ...previous.filter((e) => e.deleted !== 'no').map((e) => e.version));
        await write({ keytype: 'DELETE_SUBJECT', subject, nonce: randomUUID(), magic: 0 }, { softUpTo, permanentUpTo });
        return (permanent ? all : liveOnes).map((e) => e.version);
      });
    },

    deleteVersion(subject, version, permanent) {
      return serialized(async () => {
        const entry = core.findVersion(subject, version, permanent);
        if (permanent && entry.deleted === 'no')
          throw new RegistryError(
            40407,
            `Subject '${subject}' Version ${entry.version} was not deleted first before being permanently deleted.`,
          );
        await write(
          { keytype: 'DELETE_VERSION', subject, version: entry.version, nonce: randomUUID(), magic: 0 },
          { permanent },
        );
        return entry.version;
      });
    },
  };
}

function level(value: unknown): CompatibilityLevel {
  const upper = typeof value === 'string' ? value.toUpperCase() : value;
  if (!isCompatibilityLevel(upper))
    throw new RegistryError(
      42203,
      `Invalid compatibility level ${JSON.stringify(value)}. Valid values: NONE, BACKWARD, BACKWARD_TRANSITIVE, ` +
        'FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE.',
    );
  return upper;
}

function parseVersion(version: string): number | 'latest' {
  if (version === 'latest' || version === '-1') return 'latest';
  const n = Number(version);
  if (!/^\d+$/.test(version) || !Number.isSafeInteger(n) || n < 1) {
    throw new RegistryError(
      42202,
      `The specified version '${version}' is not a valid version id. ` +
        'Allowed values are between [1, 2^31-1] and the string "latest"',
    );
  }
  return n;
}

function validSubject(subject: string): void {
  if (subject.trim() === '' || subject.length > 255 || [...subject].some((c) => c.charCodeAt(0) < 0x20)) {
    throw new RegistryError(42201, `Invalid subject ${JSON.stringify(subject)}: 1-255 printable characters`);
  }
}
