import { z } from 'zod';
import { decisionResponse, errorBody, labelBody, transactionBody } from './schemas.ts';

const json = (schema: z.ZodType, io: 'input' | 'output') => ({
  'application/json': { schema: z.toJSONSchema(schema, { io, target: 'openapi-3.0' }) },
});
const err = (description: string) => ({ description, content: json(errorBody, 'output') });
const security = [{ apiKey: [] }];

/** The OpenAPI 3 description, generated from the zod schemas that validate the requests. */
export function buildOpenApi(serverUrl: string) {
  return {
    openapi: '3.0.3',
    info: {
      title: 'Fraud decision API',
      version: '1.0.0',
      description:
        "Synchronous decisions: forwarded to the scorer instance that owns the payment's partition, which " +
        "scores it from the stream's own state and writes it to Kafka before answering; through the Kafka " +
        'stream itself when no owner can answer.',
    },
    servers: [{ url: serverUrl }],
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'API key: Authorization: Bearer fk_...' },
      },
    },
    paths: {
      '/v1/transactions': {
        post: {
          operationId: 'submitTransaction',
          summary: 'Decide a transaction at its partition owner, or publish it and wait (scope: submit)',
          security,
          requestBody: { required: true, content: json(transactionBody, 'input') },
          responses: {
            '200': {
              description:
                'The decision: from the partition owner (routed: owner), from the stream (routed: kafka), or from ' +
                'the fallback policy when the deadline passed (fallback: true, routed: kafka)',
              content: json(decisionResponse, 'output'),
            },
            '400': err(
              'Invalid body (INVALID_BODY; error.field names the field), or a payment the scorer refuses ' +
                '(RECORD_INVALID, e.g. an eventTime too far in the future)',
            ),
            '401': err('Missing or unknown API key'),
            '403': err('Key lacks the submit scope'),
            '413': err('Body too large'),
            '429': err('Rate limit exceeded'),
          },
        },
      },
      '/v1/decisions/{txId}': {
        get: {
          operationId: 'getDecision',
          summary: 'The recorded decision of a transaction (scope: read)',
          security,
          parameters: [{ name: 'txId', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': { description: 'The decision', content: json(decisionResponse, 'output') },
            '401': err('Missing key'),
            '403': err('Key lacks the read scope'),
            '404': err('Unknown txId'),
          },
        },
      },
      '/v1/labels': {
        post: {
          operationId: 'submitLabel',
          summary: 'Ground truth from back-office systems (scope: label)',
          security,
          requestBody: { required: true, content: json(labelBody, 'input') },
          responses: {
            '202': { description: 'Accepted and published to labels' },
            '400': err('Invalid body'),
            '401': err('Missing key'),
            '403': err('Key lacks the label scope'),
          },
        },
      },
      '/health': {
        get: { operationId: 'health', summary: 'Liveness', responses: { '200': { description: 'alive' } } },
      },
      '/ready': {
        get: {
          operationId: 'ready',
          summary: 'Broker, registry and model reachable',
          responses: { '200': { description: 'ready' }, '503': { description: 'not ready' } },
        },
      },
      '/metrics': {
        get: {
          operationId: 'metrics',
          summary: 'Prometheus metrics',
          responses: { '200': { description: 'text exposition format' } },
        },
      },
    },
  };
}
