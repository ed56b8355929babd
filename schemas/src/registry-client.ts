import { FraudError, retry } from '@fraud/common';

/**
 * A small client for the Confluent schema-registry REST API: the calls the codecs and the CLI
 * need. Works against the embedded registry and any Confluent-compatible one (Confluent,
 * Karapace, Apicurio ccompat, Redpanda). Network failures and 5xx are retried (retriable
 * REGISTRY_UNAVAILABLE); 4xx map to typed errors and are not.
 */
export interface SubjectVersion {
  subject: string;
  version: number;
  id: number;
  schema: string;
}

export interface SchemaRegistryClient {
  readonly url: string;
  register(subject: string, schema: string): Promise<number>;
  /** The id of `schema` already registered under `subject` (a read-level call); SCHEMA_NOT_FOUND otherwise. */
  lookup(subject: string, schema: string): Promise<number>;
  /** Schema text by id, or null when the registry does not know the id. */
  schemaById(id: number): Promise<string | null>;
  subjects(): Promise<string[]>;
  versions(subject: string): Promise<number[]>;
  version(subject: string, version: number | 'latest'): Promise<SubjectVersion>;
  compatibility(subject?: string): Promise<string>;
}

export interface RegistryClientOptions {
  url: string;
  retries?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

interface ErrorBody {
  error_code?: number;
  message?: string;
}

/**
 * A registry URL split into the address and its HTTP Basic credentials: `http://USER:PASSWORD@host`
 * is how the credentials are configured (SCHEMA_REGISTRY_URL), but fetch refuses URLs with
 * credentials, and the address is what may appear in messages and logs.
 */
export function registryEndpoint(url: string): { base: string; authorization: string | undefined } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new FraudError(
      'CONFIG_INVALID',
      `SCHEMA_REGISTRY_URL is not a URL; expected http://host:port or http://USER:PASSWORD@host:port`,
    );
  }
  const user = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  parsed.username = '';
  parsed.password = '';
  const base = parsed.toString().replace(/\/+$/, '');
  return {
    base,
    authorization:
      user === '' && password === ''
        ? undefined
        : `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`,
  };
}

/** The registry URL without its credentials, for messages and logs. */
export function redactRegistryUrl(url: string): string {
  try {
    return registryEndpoint(url).base;
  } catch {
    return '(unparsable SCHEMA_REGISTRY_URL)';
  }
}

export function createSchemaRegistryClient(options: RegistryClientOptions): SchemaRegistryClient {
  const { base, authorization } = registryEndpoint(options.url);
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return retry(
      async () => {
        let res: Response;
        try {
          res = await doFetch(`${base}${path}`, {
            method,
            headers: {
              accept: CONTENT_TYPE,
              ...(body === undefined ? {} : { 'content-type': CONTENT_TYPE }),
              ...(authorization === undefined ? {} : { authorization }),
            },
            body: body === undefined ? undefined : JSON.stringify(body),
            signal: AbortSignal.timeout(timeoutMs),
          });
        } catch (err: unknown) {
          throw new FraudError(
            'REGISTRY_UNAVAILABLE',
            `schema registry at ${base} is unreachable (${method} ${path}): start it (\`fraud infra up\` or \`fraud ` +
              `registry serve\`) or point SCHEMA_REGISTRY_URL at a running one`,
            {
              cause: err,
              retriable: true,
            },
          );
        }
        const text = await res.text();
        if (res.ok) return (text ? JSON.parse(text) : undefined) as T;
        throw httpError(res.status, errorBody(text), `${method} ${path}`, base);
      },
      { retries: options.retries ?? 4, initialDelayMs: 100, maxDelayMs: 2_000 },
    );
  }

  const enc = encodeURIComponent;
  return {
    url: base,
    async register(subject, schema) {
      const res = await call<{ id: number }>('POST', `/subjects/${enc(subject)}/versions`, { schema });
      return res.id;
    },
    async lookup(subject, schema) {
      const res = await call<{ id: number }>('POST', `/subjects/${enc(subject)}`, { schema });
      return res.id;
    },
    async schemaById(id) {
      try {
        const res = await call<{ schema: string }>('GET', `/schemas/ids/${id}`);
        return res.schema;
      } catch (err: unknown) {
        if (err instanceof FraudError && err.code === 'SCHEMA_NOT_FOUND') return null;
        throw err;
      }
    },
    subjects: () => call<string[]>('GET', '/subjects'),
    versions: (subject) => call<number[]>('GET', `/subjects/${enc(subject)}/versions`),
    version: (subject, version) => call<SubjectVersion>('GET', `/subjects/${enc(subject)}/versions/${version}`),
    async compatibility(subject) {
      const path = subject === undefined ? '/config' : `/config/${enc(subject)}?defaultToGlobal=true`;
      const res = await call<{ compatibilityLevel?: string; compatibility?: string }>('GET', path);
      return res.compatibilityLevel ?? res.compatibility ?? 'UNKNOWN';
    },
  };
}

function errorBody(text: string): ErrorBody {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed !== null && typeof parsed === 'object') return parsed as ErrorBody;
  } catch {
    // not JSON (a proxy's HTML page, say): keep the start of the text as the message
  }
  return { message: text.slice(0, 200) };
}

function httpError(status: number, body: ErrorBody, what: string, base: string): FraudError {
  const message = `schema registry: ${what} -> ${status} ${body.message ?? ''}`.trim();
  const details = { status, errorCode: body.error_code };
  if (status === 401) {
    return new FraudError(
      'AUTH_REQUIRED',
      `${message}; the registry at ${base} needs credentials: set SCHEMA_REGISTRY_URL to ` +
        `http://USER:PASSWORD@host:port with a user of its REGISTRY_USERS_FILE`,
      { details },
    );
  }
  if (status === 403)
    return new FraudError('FORBIDDEN', `${message}; use a registry user with role write for this operation`, {
      details,
    });
  if (status >= 500 || status === 408 || status === 429)
    return new FraudError('REGISTRY_UNAVAILABLE', message, { retriable: true, details });
  if (status === 409) return new FraudError('SCHEMA_INCOMPATIBLE', message, { details });
  if (status === 404) return new FraudError('SCHEMA_NOT_FOUND', message, { details });
  if (status === 422) return new FraudError('SCHEMA_INVALID', message, { details });
  return new FraudError('BAD_REQUEST', message, { details });
}
