/**
 * Durations in feature specs: an integer and a unit, "90s", "15m", "1h", "7d", or "all" (the
 * entity's whole kept history). Units are fixed lengths (a day is 86,400 s; no calendar).
 */
const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export const DURATION_PATTERN = /^([1-9][0-9]*)(s|m|h|d)$/;

/** Milliseconds of a duration string, or null when it is not one. "all" is Infinity. */
export function durationMs(text: string): number | null {
  if (text === 'all') return Infinity;
  const m = DURATION_PATTERN.exec(text);
  if (m === null) return null;
  return Number(m[1]) * (UNIT_MS[m[2] as string] as number);
}

/** The shortest duration string for a finite number of ms (for messages and docs). */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return 'all';
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
  ] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms / 1000}s`;
}
