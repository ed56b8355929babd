/**
 * The bad-input corpus (see README.md): data only. The runners in corpus/test/ feed each entry
 * to the real boundary and check the expected outcome.
 */

/** Kafka records published to `transactions`: recipe names built by the runner from a good record. */
export const kafkaRecordKinds = [
  { kind: 'garbage bytes', recipe: 'garbage', expect: { dlq: 'DECODE_WRONG_MAGIC' } },
  { kind: 'wrong magic byte', recipe: 'wrong-magic', expect: { dlq: 'DECODE_WRONG_MAGIC' } },
  { kind: 'unknown schema id', recipe: 'unknown-schema', expect: { dlq: 'DECODE_UNKNOWN_SCHEMA' } },
  { kind: 'truncated Avro body', recipe: 'truncated', expect: { dlq: 'DECODE_TRUNCATED' } },
  { kind: 'empty value (tombstone)', recipe: 'null-value', expect: { dlq: 'DECODE_TRUNCATED' } },
  { kind: 'unknown enum index for type', recipe: 'bad-enum', expect: { dlq: 'DECODE_FAILED' } },
  { kind: 'huge value: 512 KiB txId', recipe: 'huge-txid', expect: { dlq: 'RECORD_INVALID' } },
  {
    kind: 'wrong record type (a Label under the Transaction schema id)',
    recipe: 'wrong-type',
    expect: { dlq: 'DECODE_TRUNCATED' },
  },
  { kind: 'negative amount', recipe: 'negative-amount', expect: { dlq: 'RECORD_INVALID' } },
  { kind: 'far-future eventTime', recipe: 'future', expect: { dlq: 'RECORD_INVALID' } },
  { kind: 'ancient eventTime (1970)', recipe: 'ancient', expect: { dlq: 'RECORD_INVALID' } },
  { kind: 'empty origin account', recipe: 'empty-account', expect: { dlq: 'RECORD_INVALID' } },
  { kind: 'null key with a valid body', recipe: 'null-key', expect: { scored: true } },
] as const;

/** Requests to the Confluent-compatible registry: [method, path, body, status, error_code]. */
export const registryKinds = [
  {
    kind: 'malformed JSON',
    method: 'POST',
    path: '/subjects/corpus-SUBJ-value/versions',
    body: '{"schema": ',
    status: 400,
  },
  {
    kind: 'invalid Avro schema',
    method: 'POST',
    path: '/subjects/corpus-SUBJ-value/versions',
    body: JSON.stringify({ schema: '{"type":"record","name":"X","fields":[{"name":"a","type":"nope"}]}' }),
    status: 422,
    errorCode: 42201,
  },
  {
    kind: 'incompatible change (field removed without default)',
    method: 'POST',
    path: '/subjects/corpus-SUBJ-value/versions',
    body: 'INCOMPATIBLE',
    status: 409,
  },
  {
    kind: 'huge body (20 MiB)',
    method: 'POST',
    path: '/subjects/corpus-SUBJ-value/versions',
    body: 'HUGE',
    status: 413,
  },
  {
    kind: 'unknown subject',
    method: 'GET',
    path: '/subjects/corpus-nope-SUBJ/versions/latest',
    status: 404,
    errorCode: 40401,
  },
  {
    kind: 'invalid version',
    method: 'GET',
    path: '/subjects/corpus-SUBJ-value/versions/abc',
    status: 422,
    errorCode: 42202,
  },
  {
    kind: 'invalid compatibility level',
    method: 'PUT',
    path: '/config/corpus-SUBJ-value',
    body: JSON.stringify({ compatibility: 'SOMETIMES' }),
    status: 422,
    errorCode: 42203,
  },
] as const;

const good = {
  txId: 'corpus-1',
  eventTime: 1_780_000_000_000,
  type: 'TRANSFER',
  amount: 1000,
  currency: 'USD',
  originAccount: 'C1',
  originBalanceBefore: 5000,
  destAccount: 'C2',
  destBalanceBefore: 0,
};

/** Decision API requests: body (object, or a raw string), key scope, expected status, code, field. */
export const httpKinds = [
  { kind: 'no API key', auth: 'none', body: good, status: 401, code: 'AUTH_REQUIRED' },
  { kind: 'unknown API key', auth: 'bogus', body: good, status: 401, code: 'AUTH_INVALID' },
  { kind: 'key without the submit scope', auth: 'label', body: good, status: 403, code: 'FORBIDDEN' },
  {
    kind: 'body that is not JSON',
    auth: 'submit',
    raw: 'txId=1&amount=2',
    contentType: 'application/json',
    status: 400,
    code: 'INVALID_JSON',
  },
  {
    kind: 'NaN literal in JSON',
    auth: 'submit',
    raw: '{"txId":"x","amount":NaN}',
    contentType: 'application/json',
    status: 400,
    code: 'INVALID_JSON',
  },
  {
    kind: 'Infinity via 1e400',
    auth: 'submit',
    raw: JSON.stringify(good).replace('"amount":1000', '"amount":1e400'),
    contentType: 'application/json',
    status: 400,
    code: 'INVALID_BODY',
    field: 'amount',
  },
  {
    kind: 'oversized body (1 MiB)',
    auth: 'submit',
    body: { ...good, attributes: { blob: 'x'.repeat(1 << 20) } },
    status: 413,
    code: 'BODY_TOO_LARGE',
  },
  {
    kind: 'missing field',
    auth: 'submit',
    body: { ...good, amount: undefined },
    status: 400,
    code: 'INVALID_BODY',
    field: 'amount',
  },
  {
    kind: 'wrong type (amount as string)',
    auth: 'submit',
    body: { ...good, amount: '1000' },
    status: 400,
    code: 'INVALID_BODY',
    field: 'amount',
  },
  {
    kind: 'post-transaction balance smuggled in',
    auth: 'submit',
    body: { ...good, newbalanceOrig: 0 },
    status: 400,
    code: 'INVALID_BODY',
  },
  {
    kind: 'SQL injection in an account',
    auth: 'submit',
    body: { ...good, originAccount: "C1' OR '1'='1" },
    status: 400,
    code: 'INVALID_BODY',
    field: 'originAccount',
  },
  {
    kind: 'wrong content type',
    auth: 'submit',
    raw: JSON.stringify(good),
    contentType: 'text/plain',
    status: 400,
    code: 'INVALID_BODY',
  },
] as const;

/** Warehouse query API (read-only named questions): injection and bad parameters. */
export const warehouseKinds = [
  {
    kind: 'SQL injection in a filter',
    path: "/api/questions/recent-decisions?type=TRANSFER'%20OR%201=1--",
    status: 400,
  },
  { kind: 'unknown question (no arbitrary SQL)', path: '/api/questions/drop-table-scored', status: 404 },
  { kind: 'limit out of range', path: '/api/questions/recent-decisions?limit=100000000', status: 400 },
] as const;

/** CSV rows for the replayer: the file in csv/ and the reason expected for its bad line. */
export const csvKinds = [
  { kind: 'bad number', file: 'bad-number.csv', reason: /amount/i },
  { kind: 'missing columns', file: 'missing-columns.csv', reason: /column/i },
  { kind: 'wrong separator (semicolons)', file: 'wrong-separator.csv', reason: /column|separator/i },
  { kind: 'invalid UTF-8', file: 'invalid-utf8.csv', reason: /UTF-8/i },
  { kind: 'unknown transaction type', file: 'unknown-type.csv', reason: /type/i },
  { kind: 'negative amount', file: 'negative-amount.csv', reason: /amount|negative/i },
] as const;

/** Configuration: one bad variable each; the start-up error must name it. */
export const configKinds = [
  {
    kind: 'malformed registry URL',
    service: 'scorer',
    env: { SCHEMA_REGISTRY_URL: 'not a url' },
    names: 'SCHEMA_REGISTRY_URL',
  },
  { kind: 'batch size not a number', service: 'scorer', env: { SCORER_MAX_BATCH: 'lots' }, names: 'SCORER_MAX_BATCH' },
  { kind: 'port out of range', service: 'api', env: { API_PORT: '70000' }, names: 'API_PORT' },
  { kind: 'topic prefix with spaces', service: 'api', env: { TOPIC_PREFIX: 'my topics' }, names: 'TOPIC_PREFIX' },
  {
    kind: 'live feed secret too short',
    service: 'sinks',
    env: { LIVE_FEED_SECRET: 'short' },
    names: 'LIVE_FEED_SECRET',
  },
  { kind: 'malformed boolean', service: 'sinks', env: { LIVE_FROM_BEGINNING: 'maybe' }, names: 'LIVE_FROM_BEGINNING' },
  {
    kind: 'unknown SASL mechanism',
    service: 'api',
    env: { KAFKA_SASL_MECHANISM: 'kerberos-please' },
    names: 'KAFKA_SASL_MECHANISM',
  },
] as const;
