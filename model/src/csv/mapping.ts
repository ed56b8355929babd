import { z } from 'zod';
import { FraudError } from '@fraud/common';
import { TRANSACTION_TYPES } from '@fraud/schemas';

/**
 * A column mapping: how one CSV layout becomes Transactions, labels and typologies. Data, not
 * code: the built-ins (builtin-mappings.ts) and a user's JSON file go through the same schema.
 * Only the columns named here are read; every other column of the file is ignored, which is how
 * the PaySim mapping never reads the post-transaction balances.
 */

/** Transaction fields a column or a constant may fill (eventTime and txId have their own sections). */
export const MAPPABLE_FIELDS = [
  'type',
  'typeName',
  'amount',
  'currency',
  'originAccount',
  'originBalanceBefore',
  'destAccount',
  'destBalanceBefore',
  'channel',
  'merchantId',
  'merchantCategory',
  'terminalId',
  'country',
  'deviceId',
] as const;
export type MappableField = (typeof MAPPABLE_FIELDS)[number];
/** A Transaction field, or `attributes.<key>` for a publisher extra. */
export type FieldTarget = MappableField | `attributes.${string}`;

const fieldTarget = z.union([
  z.enum(MAPPABLE_FIELDS),
  z
    .string()
    .regex(
      /^attributes\.[A-Za-z0-9_.-]+$/,
      `a Transaction field (${MAPPABLE_FIELDS.join(', ')}) or attributes.<key>; eventTime comes from "time", ` +
        'txId from "txId"',
    ),
]) as z.ZodType<FieldTarget>;

const duration = z.union([
  z.number().positive(),
  z.string().regex(/^\d+(?:\.\d+)?(?:ms|s|m|h|d)$/, 'a duration such as 1h, 1d or 90s'),
]);

const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO date such as 2026-01-01T00:00:00Z');

const timeSpec = z.discriminatedUnion('format', [
  z.object({ format: z.literal('iso'), column: z.string().min(1) }).strict(),
  z.object({ format: z.literal('epoch-seconds'), column: z.string().min(1) }).strict(),
  z.object({ format: z.literal('epoch-ms'), column: z.string().min(1) }).strict(),
  z
    .object({
      format: z.literal('step'),
      column: z.string().min(1),
      /** Length of one step (PaySim: 1h, BankSim: 1d). */
      step: duration,
      /** Event time of step 0. */
      origin: isoDate,
    })
    .strict(),
]);

const typeSymbol = z.enum(TRANSACTION_TYPES);

export const mappingSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes'),
    description: z.string().optional(),
    /** Field separator (one character). */
    delimiter: z.string().length(1).default(','),
    /** CSV column -> the field(s) it fills. */
    columns: z.record(z.string().min(1), z.union([fieldTarget, z.array(fieldTarget).min(1)])),
    /** Fields with the same value on every row (e.g. currency, or the type when the file has none). */
    constants: z.record(z.string(), z.string()).default({}),
    time: timeSpec,
    label: z
      .object({
        column: z.string().min(1),
        /** Values meaning fraud / legitimate; numbers compare as numbers ("1.0" is "1"), text case-insensitively. */
        truthy: z.array(z.string()).min(1).default(['1', 'true', 'yes']),
        falsy: z.array(z.string()).min(1).default(['0', 'false', 'no']),
      })
      .strict(),
    /** The fraud typology or scenario of fraud rows (a label's `typology`). */
    scenario: z
      .object({
        column: z.string().min(1),
        /** Values that mean "no scenario" (besides the empty string). */
        none: z.array(z.string()).default([]),
        /** Prepended to the value (e.g. "scenario-" + "2"). */
        prefix: z.string().default(''),
        /** The file may lack the column (e.g. PaySim files with or without the simulator's typology column). */
        optional: z.boolean().default(false),
      })
      .strict()
      .optional(),
    /** The txId column; without it the id is generated from the 1-based data row number. */
    txId: z
      .object({
        column: z.string().min(1),
        /** Prepended to the value, so ids from different files do not collide downstream (idempotency key). */
        prefix: z.string().default(''),
      })
      .strict()
      .optional(),
    /** Prefix of generated txIds (<idPrefix>-<row>); default the mapping's name. */
    idPrefix: z.string().min(1).optional(),
    types: z
      .object({
        /** Source value -> TransactionType; a value not listed is itself checked against the symbols. */
        map: z.record(z.string(), typeSymbol).default({}),
        /** Whether a value that is already a TransactionType symbol (CASH_OUT, CARD_PRESENT...) is taken as is. */
        symbols: z.boolean().default(true),
        /** A value that is no symbol: kept as OTHER with typeName (`other`), or the row is rejected (`reject`). */
        unknown: z.enum(['other', 'reject']).default('other'),
      })
      .strict()
      .default({ map: {}, symbols: true, unknown: 'other' }),
    /** Money columns (amount, balances) in major units (12.34, converted to minor) or already minor. */
    amountUnits: z.enum(['major', 'minor']).default('major'),
    /** Minor units per major unit when amountUnits is major. */
    minorPerMajor: z.number().int().positive().default(100),
  })
  .strict()
  .superRefine((m, ctx) => {
    const filled = new Set<string>([...Object.values(m.columns).flat(), ...Object.keys(m.constants)]);
    for (const required of ['amount', 'originAccount', 'destAccount', 'type'] as const) {
      if (!filled.has(required))
        ctx.addIssue({ code: 'custom', path: ['columns'], message: `no column or constant fills ${required}` });
    }
    for (const [field, value] of Object.entries(m.constants)) {
      if (!fieldTarget.safeParse(field).success)
        ctx.addIssue({
          code: 'custom',
          path: ['constants', field],
          message: 'not a Transaction field or attributes.<key>',
        });
      if (field === 'type' && !(TRANSACTION_TYPES as readonly string[]).includes(value))
        ctx.addIssue({ code: 'custom', path: ['constants', field], message: `${value} is not a TransactionType` });
      if (['amount', 'originBalanceBefore', 'destBalanceBefore'].includes(field))
        ctx.addIssue({ code: 'custom', path: ['constants', field], message: 'money fields come from columns' });
    }
  });

export type Mapping = z.output<typeof mappingSchema>;
export type MappingInput = z.input<typeof mappingSchema>;
export type TimeSpec = Mapping['time'];

/** `$.label.column`-style path of a zod issue, for "the mapping is wrong here" messages. */
function jsonPath(path: readonly PropertyKey[]): string {
  const step = (p: PropertyKey): string => {
    if (typeof p === 'number') return `[${p}]`;
    const key = String(p);
    return /^[A-Za-z_]\w*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
  };
  return `$${path.map(step).join('')}`;
}

/** Validates a mapping; a bad one throws CONFIG_INVALID naming the JSON path of each problem. */
export function parseMapping(value: unknown, source = 'mapping'): Mapping {
  const r = mappingSchema.safeParse(value);
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => `${jsonPath(i.path)}: ${i.message}`);
  throw new FraudError('CONFIG_INVALID', `${source} is not a valid column mapping: ${problems.join('; ')}`, {
    details: { problems },
  });
}
