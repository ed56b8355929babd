import { FraudError } from '@fraud/common';

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses "250ms", "30s", "15m", "6h", "2d", "1.5h" or a number of milliseconds. */
export function parseDuration(value: string | number, what = 'duration'): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return value;
  } else {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(value);
    if (m) return Number(m[1]) * UNITS[m[2] ?? 'ms']!;
  }
  throw new FraudError(
    'CONFIG_INVALID',
    `${what}: ${JSON.stringify(value)} is not a duration; use e.g. 30s, 15m, 6h, 2d or milliseconds`,
  );
}

export function formatDuration(ms: number): string {
  if (ms >= 86_400_000 && ms % 3_600_000 === 0) return `${ms / 86_400_000}d`;
  if (ms >= 3_600_000) return `${+(ms / 3_600_000).toFixed(2)}h`;
  if (ms >= 60_000) return `${+(ms / 60_000).toFixed(2)}m`;
  return `${+(ms / 1000).toFixed(2)}s`;
}
