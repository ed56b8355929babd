import { describe, expect, it } from 'vitest';
import { logLevel } from 'kafkajs';
import type { Logger } from '@fraud/common';
import { kafkaLogCreator } from '../src/index.ts';

/** A logger that records (level, message) pairs. */
function recording(): { logger: Logger; lines: Array<[string, string]> } {
  const lines: Array<[string, string]> = [];
  const at = (level: string) => (_obj: unknown, msg?: string) => void lines.push([level, msg ?? '']);
  const logger = { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') } as unknown as Logger;
  return { logger, lines };
}

describe("kafkajs's log lines", () => {
  it('keeps errors and warnings, but logs the retried CONCURRENT_TRANSACTIONS answers at debug', () => {
    const { logger, lines } = recording();
    const log = kafkaLogCreator(logger)();
    const concurrent =
      'The producer attempted to update a transaction while another concurrent operation on the same transaction ' +
      'was ongoing';
    log({ level: logLevel.ERROR, log: { message: '[Connection] Response AddPartitionsToTxn', error: concurrent } });
    log({ level: logLevel.ERROR, log: { message: `[Producer] Failed to send messages: ${concurrent}` } });
    log({ level: logLevel.ERROR, log: { message: '[Connection] Connection error', error: 'ECONNREFUSED' } });
    log({ level: logLevel.WARN, log: { message: 'Limiting retries' } });
    log({ level: logLevel.INFO, log: { message: 'Starting' } });
    expect(lines).toEqual([
      ['debug', '[Connection] Response AddPartitionsToTxn'],
      ['debug', `[Producer] Failed to send messages: ${concurrent}`],
      ['error', '[Connection] Connection error'],
      ['warn', 'Limiting retries'],
      ['debug', 'Starting'],
    ]);
  });
});
