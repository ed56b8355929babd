import { errorMessage } from '@fraud/common';
import type { Type } from 'avsc';

/** Compatibility levels as Confluent names them. */
export const COMPATIBILITY_LEVELS = [
  'NONE',
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
] as const;
export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];

export function isCompatibilityLevel(value: unknown): value is CompatibilityLevel {
  return typeof value === 'string' && (COMPATIBILITY_LEVELS as readonly string[]).includes(value);
}

/** `reader` can read data written with `writer`: avsc builds a resolver, or says why not. */
function canRead(reader: Type, writer: Type): string | null {
  try {
    reader.createResolver(writer);
    return null;
  } catch (err: unknown) {
    return errorMessage(err);
  }
}

/**
 * Checks a candidate schema against a subject's live versions (oldest first). Returns the
 * reasons it is incompatible; an empty list means compatible.
 *   BACKWARD: the new schema reads data written with the old one(s).
 *   FORWARD:  the old schema(s) read data written with the new one.
 *   FULL:     both. *_TRANSITIVE: against every version, otherwise the latest only.
 */
export function incompatibilities(
  candidate: Type,
  existing: ReadonlyArray<{ version: number; type: Type }>,
  level: CompatibilityLevel,
): string[] {
  if (level === 'NONE' || existing.length === 0) return [];
  const against = level.endsWith('_TRANSITIVE') ? existing : existing.slice(-1);
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL');
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL');
  const reasons: string[] = [];
  for (const old of against) {
    if (backward) {
      const why = canRead(candidate, old.type);
      if (why) reasons.push(`new schema cannot read data written with version ${old.version}: ${why}`);
    }
    if (forward) {
      const why = canRead(old.type, candidate);
      if (why) reasons.push(`version ${old.version} cannot read data written with the new schema: ${why}`);
    }
  }
  return reasons;
}
