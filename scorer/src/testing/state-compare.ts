/**
 * A feature state snapshot as JSON without `lastSweep`, for comparing two restores of one
 * partition: when the last sweep of expired origins ran depends on how the payments were cut into
 * batches (a full replay cuts them by fetch, the live scorer by chunk), and an expired origin reads
 * as absent whether swept or not, so it never changes a feature.
 */
export function comparableState(snapshot: unknown): string {
  const { lastSweep: _ignored, ...rest } = snapshot as Record<string, unknown>;
  return JSON.stringify(rest);
}
