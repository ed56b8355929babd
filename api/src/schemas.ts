import { z } from 'zod';
import { LABEL_SOURCES, TRANSACTION_TYPES } from '@fraud/schemas';

/**
 * Request and response bodies, written once: the same zod schemas validate requests and
 * generate /openapi.json, so the documentation cannot drift from the behaviour.
 * The transaction body is the Avro Transaction contract (v2) in JSON: balances and the card and
 * bank fields may be left out (unknown); type is one of the schema's symbols, OTHER with a typeName
 * for any other kind of payment.
 */
const account = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only');
const minor = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
/** An optional card or bank field: absent or null when the publisher does not have it. */
const optionalText = (max: number) => z.string().min(1).max(max).nullable().default(null);

export const transactionBody = z
  .object({
    txId: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only'),
    eventTime: z.number().int().positive().describe('epoch milliseconds'),
    type: z.enum(TRANSACTION_TYPES),
    amount: minor.describe('minor units (cents)'),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD')
      .default('USD'),
    typeName: optionalText(64).describe("the publisher's own type name when type is OTHER"),
    originAccount: account,
    originBalanceBefore: minor.nullable().default(null).describe('minor units; null or absent when unknown'),
    destAccount: account,
    destBalanceBefore: minor.nullable().default(null).describe('minor units; null or absent when unknown'),
    channel: z.string().max(32).nullable().default(null),
    merchantId: optionalText(128),
    merchantCategory: z
      .string()
      .regex(/^[0-9]{4}$/, 'a 4-digit ISO 18245 merchant category code such as 5411')
      .nullable()
      .default(null),
    terminalId: optionalText(128),
    country: z
      .string()
      .regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code such as KE')
      .nullable()
      .default(null),
    deviceId: optionalText(128),
    attributes: z.record(z.string().max(64), z.string().max(256)).default({}),
  })
  .strict();
export type TransactionBody = z.infer<typeof transactionBody>;

export const labelBody = z
  .object({
    txId: z.string().min(1).max(128),
    isFraud: z.boolean(),
    source: z.enum(LABEL_SOURCES).default('CHARGEBACK'),
    note: z.string().max(2000).nullable().default(null),
    typology: z.string().max(64).nullable().default(null),
  })
  .strict();
export type LabelBody = z.infer<typeof labelBody>;

export const reasonSchema = z.object({ feature: z.string(), value: z.number(), contribution: z.number() });

export const decisionResponse = z.object({
  txId: z.string(),
  decision: z.enum(['APPROVE', 'REVIEW', 'BLOCK']),
  score: z.number().nullable().describe('null when the fallback answered'),
  reasons: z.array(reasonSchema),
  rulesFired: z.array(z.string()),
  modelVersion: z.string().nullable(),
  fallback: z
    .boolean()
    .describe('true: the deadline passed and the fallback policy answered; the stream decision is still recorded'),
  latencyMs: z.number(),
  routed: z
    .enum(['owner', 'kafka', 'cache'])
    .optional()
    .describe(
      'POST /v1/transactions only: owner, decided by the scorer that owns the partition; kafka, published to ' +
        'transactions and answered from scored (or by the fallback); cache, a txId this API instance already answered',
    ),
});
export type DecisionResponse = z.infer<typeof decisionResponse>;
export type Routed = NonNullable<DecisionResponse['routed']>;

export const errorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }),
});
export type ErrorBody = z.infer<typeof errorBody>;
