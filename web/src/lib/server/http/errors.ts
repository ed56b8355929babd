import { error, fail, isHttpError, isRedirect, type ActionFailure } from '@sveltejs/kit';
import { isFraudError, type ErrorCode } from '@fraud/common';

const STATUS: Partial<Record<ErrorCode, number>> = {
  AUTH_REQUIRED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  BAD_REQUEST: 400,
  RECORD_INVALID: 400,
  CONFIG_INVALID: 400,
  KAFKA_UNAVAILABLE: 503,
  REGISTRY_UNAVAILABLE: 503,
  WAREHOUSE_FAILED: 502,
  TIMEOUT: 504,
};

/** HTTP status for a thrown value: the FraudError code decides; anything else is a 500. */
export function statusOf(err: unknown): number {
  return isFraudError(err) ? (STATUS[err.code] ?? 500) : 500;
}

/** Runs a load step, turning expected failures (FraudError) into SvelteKit errors with their status. */
export async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err: unknown) {
    if (isFraudError(err)) error(statusOf(err), { message: err.message, code: err.code });
    throw err;
  }
}

/**
 * Runs a form action. Permission failures become real HTTP errors (403/401) so the refusal is
 * visible on the wire; other expected failures become fail() with a message for the form.
 */
export async function act<T>(fn: () => Promise<T>): Promise<T | ActionFailure<{ message: string; code: string }>> {
  try {
    return await fn();
  } catch (err: unknown) {
    if (isRedirect(err) || isHttpError(err)) throw err;
    if (!isFraudError(err)) throw err;
    const status = statusOf(err);
    if (status === 401 || status === 403) error(status, { message: err.message, code: err.code });
    return fail(status, { message: err.message, code: err.code });
  }
}
