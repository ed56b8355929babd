import { z } from 'zod';
import { DURATION_PATTERN } from './duration.ts';

/**
 * The feature-spec format (docs/features.md): a versioned, ordered list of features over named
 * entities. The zod schema checks the shape; validate.ts checks what spans fields (unique names,
 * entities that exist, windows within the retention).
 */

/** Transaction fields read as strings (categorical values, entity keys). */
export const STRING_FIELDS = [
  'originAccount',
  'destAccount',
  'type',
  'typeName',
  'currency',
  'channel',
  'merchantId',
  'merchantCategory',
  'terminalId',
  'country',
  'deviceId',
] as const;

/** Transaction fields read as numbers (null = unknown = NaN). */
export const NUMERIC_FIELDS = ['amount', 'originBalanceBefore', 'destBalanceBefore'] as const;

export const BALANCE_FIELDS = ['originBalanceBefore', 'destBalanceBefore'] as const;

const ATTRIBUTE = /^attributes\.[A-Za-z0-9_.:-]+$/;

export const stringField = z
  .string()
  .refine((f) => (STRING_FIELDS as readonly string[]).includes(f) || ATTRIBUTE.test(f), {
    message: `must be one of ${STRING_FIELDS.join(', ')} or attributes.NAME`,
  });
export const numericField = z
  .string()
  .refine((f) => (NUMERIC_FIELDS as readonly string[]).includes(f) || ATTRIBUTE.test(f), {
    message: `must be one of ${NUMERIC_FIELDS.join(', ')} or attributes.NAME (parsed as a number)`,
  });
const balanceField = z.enum(BALANCE_FIELDS);

const duration = z.string().regex(DURATION_PATTERN, 'must be a duration like 90s, 15m, 1h or 7d');
const window = z.union([z.literal('all'), duration], { error: 'must be a duration like 15m, 1h, 7d, or "all"' });
const name = z.string().regex(/^[a-z][a-z0-9_]*$/, 'must be snake_case: a-z, 0-9 and _, starting with a letter');
const entity = z.string().min(1, 'must name an entity');

export const filterSchema = z.strictObject({
  field: stringField,
  in: z.array(z.string()).min(1, 'must list at least one value'),
});

const base = { name };
const windowed = { ...base, entity, window, filter: filterSchema.optional() };

export const featureSchema = z.discriminatedUnion('op', [
  z.strictObject({ ...base, op: z.literal('field'), field: numericField, transform: z.literal('log1p').optional() }),
  z.strictObject({
    ...base,
    op: z.literal('oneHot'),
    field: stringField,
    values: z.array(z.string().min(1)).min(1, 'must list at least one value'),
  }),
  z.strictObject({ ...base, op: z.literal('frequency'), field: stringField, window: duration }),
  z.strictObject({ ...base, op: z.literal('prefix'), field: stringField, prefix: z.string().min(1) }),
  z.strictObject({ ...base, op: z.literal('hourOfDay') }),
  z.strictObject({ ...base, op: z.literal('dayOfWeek') }),
  z.strictObject({ ...base, op: z.literal('weekend') }),
  z.strictObject({
    ...base,
    op: z.literal('night'),
    from: z.number().int().min(0).max(23).optional(),
    to: z.number().int().min(0).max(23).optional(),
  }),
  z.strictObject({ ...windowed, op: z.literal('count') }),
  z.strictObject({ ...windowed, op: z.literal('sum'), of: numericField.optional() }),
  z.strictObject({ ...windowed, op: z.literal('mean'), of: numericField.optional() }),
  z.strictObject({ ...windowed, op: z.literal('max'), of: numericField.optional() }),
  z.strictObject({ ...windowed, op: z.literal('std'), of: numericField.optional() }),
  z.strictObject({ ...windowed, op: z.literal('distinct'), of: stringField }),
  z.strictObject({ ...windowed, op: z.literal('amountToMean'), of: numericField.optional() }),
  z.strictObject({ ...base, op: z.literal('secondsSincePrevious'), entity, filter: filterSchema.optional() }),
  z.strictObject({ ...base, op: z.literal('isNew'), entity, of: stringField }),
  z.strictObject({ ...base, op: z.literal('changed'), entity, of: stringField }),
  z.strictObject({ ...base, op: z.literal('amountToBalance'), balance: balanceField }),
  z.strictObject({ ...base, op: z.literal('amountEqualsBalance'), balance: balanceField }),
  z.strictObject({ ...base, op: z.literal('emptiesAccount'), balance: balanceField }),
  z.strictObject({ ...base, op: z.literal('amountMinusBalance'), balance: balanceField }),
  z.strictObject({ ...base, op: z.literal('balanceZero'), balance: balanceField }),
  z.strictObject({
    ...base,
    op: z.literal('balanceGap'),
    entity,
    balance: balanceField,
    direction: z.enum(['out', 'in']),
    reverseTypes: z.array(z.string()).optional(),
  }),
  z.strictObject({ ...base, op: z.literal('fraudCount'), entity, window: duration }),
  z.strictObject({ ...base, op: z.literal('fraudRate'), entity, window: duration }),
]);

export const boundsSchema = z.strictObject({
  /** Entities idle (in event time) longer than this are forgotten; at least the longest window. */
  retention: duration.optional(),
  /** Events kept per entity key; window aggregates count at most this many (saturation). */
  maxEvents: z.number().int().min(1).max(100_000).optional(),
  /** Distinct values kept per entity for isNew and lifetime distinct counts (oldest forgotten first). */
  maxDistinct: z.number().int().min(1).max(100_000).optional(),
  /** How far behind a view's newest event a lookup may be and stay exact (a lagging partition). */
  lagAllowance: duration.optional(),
});

export const featureSpecSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be kebab-case: a-z, 0-9 and -, starting with a letter'),
  version: z.number().int().min(1),
  description: z.string().optional(),
  entities: z.record(z.string().regex(/^[a-z][a-zA-Z0-9_]*$/, 'entity ids are identifiers'), stringField),
  bounds: boundsSchema.optional(),
  features: z.array(featureSchema).min(1, 'must list at least one feature'),
});

export type FeatureSpec = z.infer<typeof featureSpecSchema>;
export type FeatureDef = z.infer<typeof featureSchema>;
export type FeatureOp = FeatureDef['op'];
export type FeatureFilter = z.infer<typeof filterSchema>;
export type SpecBounds = z.infer<typeof boundsSchema>;
