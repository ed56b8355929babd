/** The media type of every registry response. */
export const REGISTRY_CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

/**
 * Errors in Confluent's REST shape: `{ error_code, message }`, the HTTP status being the first
 * three digits of the error code (40401 -> 404, 42201 -> 422; 409 and 400 stand alone).
 */
export const REGISTRY_ERROR_CODES = {
  40401: 'subject not found',
  40402: 'version not found',
  40403: 'schema not found',
  40405: 'subject not soft-deleted',
  40407: 'schema version not soft-deleted',
  40408: 'subject compatibility level not configured',
  409: 'incompatible schema',
  42201: 'invalid schema',
  42202: 'invalid version',
  42203: 'invalid compatibility level',
  400: 'bad request',
  401: 'unauthenticated',
  40301: 'user denied the operation',
  413: 'request too large',
  415: 'unsupported media type',
  50001: 'error in the backend data store',
  50002: 'operation timed out',
} as const;
export type RegistryErrorCode = keyof typeof REGISTRY_ERROR_CODES;

export class RegistryError extends Error {
  readonly errorCode: RegistryErrorCode;
  constructor(errorCode: RegistryErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RegistryError';
    this.errorCode = errorCode;
  }

  get status(): number {
    return this.errorCode < 1000 ? this.errorCode : Math.floor(this.errorCode / 100);
  }

  toJSON(): { error_code: number; message: string } {
    return { error_code: this.errorCode, message: this.message };
  }
}
