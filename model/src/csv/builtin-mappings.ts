import { readFile } from 'node:fs/promises';
import { FraudError } from '@fraud/common';
import { PAYSIM_COLUMNS, PAYSIM_EPOCH_MS, PAYSIM_TYPES } from '@fraud/schemas';
import { parseMapping, type Mapping, type MappingInput } from './mapping.ts';

const ORIGIN = new Date(PAYSIM_EPOCH_MS).toISOString();

/**
 * Kaggle PaySim (step,type,amount,nameOrig,oldbalanceOrg,newbalanceOrig,nameDest,oldbalanceDest,
 * newbalanceDest,isFraud,isFlaggedFraud). newbalanceOrig/newbalanceDest are named nowhere, so they
 * are never read: they are post-transaction values that leak the label. Only PaySim's five types.
 */
const PAYSIM: MappingInput = {
  name: 'paysim',
  description: 'Kaggle PaySim mobile money (one step = one hour)',
  columns: {
    type: 'type',
    amount: 'amount',
    nameOrig: 'originAccount',
    oldbalanceOrg: 'originBalanceBefore',
    nameDest: 'destAccount',
    oldbalanceDest: 'destBalanceBefore',
  },
  constants: { currency: 'USD' },
  time: { format: 'step', column: PAYSIM_COLUMNS[0], step: '1h', origin: ORIGIN },
  label: { column: 'isFraud', truthy: ['1'], falsy: ['0'] },
  scenario: { column: 'typology', optional: true },
  idPrefix: 'paysim',
  types: { map: Object.fromEntries(PAYSIM_TYPES.map((t) => [t, t])), symbols: false, unknown: 'reject' },
};

/** Kaggle BankSim: customers paying merchants, one step = one day; values quoted like 'C1093826151'. */
const BANKSIM: MappingInput = {
  name: 'banksim',
  description: 'Kaggle BankSim card payments to merchants (one step = one day)',
  columns: {
    customer: 'originAccount',
    age: 'attributes.age',
    gender: 'attributes.gender',
    zipcodeOri: 'attributes.zipcodeOri',
    merchant: ['destAccount', 'merchantId'],
    zipMerchant: 'attributes.zipMerchant',
    category: 'attributes.category',
    amount: 'amount',
  },
  constants: { type: 'PAYMENT', currency: 'EUR' },
  time: { format: 'step', column: 'step', step: '1d', origin: ORIGIN },
  label: { column: 'fraud', truthy: ['1'], falsy: ['0'] },
  idPrefix: 'banksim',
};

/** The Reproducible ML for Credit Card Fraud Detection handbook's simulated card transactions. */
const HANDBOOK: MappingInput = {
  name: 'handbook',
  description: 'Fraud Detection Handbook simulated card payments at terminals',
  columns: {
    CUSTOMER_ID: 'originAccount',
    TERMINAL_ID: ['destAccount', 'terminalId'],
    TX_AMOUNT: 'amount',
  },
  constants: { type: 'CARD_PRESENT', currency: 'USD' },
  time: { format: 'iso', column: 'TX_DATETIME' },
  label: { column: 'TX_FRAUD', truthy: ['1'], falsy: ['0'] },
  scenario: { column: 'TX_FRAUD_SCENARIO', none: ['0'], prefix: 'scenario-' },
  txId: { column: 'TRANSACTION_ID', prefix: 'handbook-' },
};

const BUILTINS: Readonly<Record<string, MappingInput>> = { paysim: PAYSIM, banksim: BANKSIM, handbook: HANDBOOK };

export const BUILTIN_MAPPINGS: readonly string[] = Object.keys(BUILTINS);
export const DEFAULT_MAPPING = 'paysim';

/** A built-in mapping by name. */
export function builtinMapping(name: string): Mapping {
  const m = BUILTINS[name];
  if (m === undefined)
    throw new FraudError('CONFIG_INVALID', `no built-in mapping ${name} (built-ins: ${BUILTIN_MAPPINGS.join(', ')})`);
  return parseMapping(m, `built-in mapping ${name}`);
}

/** `--mapping NAME|FILE`: a built-in by name, else a JSON file validated by the mapping schema. */
export async function loadMapping(nameOrPath: string = DEFAULT_MAPPING): Promise<Mapping> {
  if (BUILTINS[nameOrPath] !== undefined) return builtinMapping(nameOrPath);
  let text: string;
  try {
    text = await readFile(nameOrPath, 'utf8');
  } catch (err: unknown) {
    throw new FraudError(
      'CONFIG_INVALID',
      `mapping ${nameOrPath} is neither a built-in (${BUILTIN_MAPPINGS.join(', ')}) nor a readable file: ` +
        (err as Error).message,
      { cause: err },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err: unknown) {
    throw new FraudError('CONFIG_INVALID', `mapping ${nameOrPath} is not JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return parseMapping(json, `mapping ${nameOrPath}`);
}
