import { describe, expect, it } from 'vitest';
import type { Producer, ProducerRecord } from '../src/index.ts';
import { createDlqWriter, DLQ_HEADERS, fromDlqMessage, toDlqMessage, type DeadLetter } from '../src/dlq.ts';

const letter: DeadLetter = {
  code: 'DECODE_WRONG_MAGIC',
  message: 'first byte is 0x7b, not 0x00',
  topic: 'transactions',
  partition: 2,
  offset: '41',
  timestamp: '1764806400000',
  key: Buffer.from('acct-1'),
  value: Buffer.from('{"not":"avro"}'),
  headers: { traceparent: '00-abc-def-01' },
};

describe('the dead-letter contract', () => {
  it('round-trips a dead letter through its Kafka message', () => {
    const message = toDlqMessage(letter, 'scorer');
    expect(message.headers[DLQ_HEADERS.reason]).toBe('DECODE_WRONG_MAGIC');
    expect(fromDlqMessage(message)).toEqual({ ...letter, service: 'scorer' });
  });

  it('keeps only the original headers (a dead letter of a dead letter does not stack dlq.* headers)', () => {
    const again = toDlqMessage({ ...letter, headers: toDlqMessage(letter, 'scorer').headers }, 'sink-warehouse');
    expect(Object.keys(again.headers).sort()).toEqual([...Object.values(DLQ_HEADERS), 'traceparent'].sort());
    expect(fromDlqMessage(again).service).toBe('sink-warehouse');
  });

  it('cuts the message to 1,000 characters', () => {
    expect(fromDlqMessage(toDlqMessage({ ...letter, message: 'x'.repeat(5_000) }, 's')).message).toHaveLength(1_000);
  });

  it('decodes a record written with the headers of earlier writers (Buffers, no dlq.service)', () => {
    const old = {
      key: null,
      value: Buffer.from([0, 0, 0, 0, 9]),
      headers: {
        'dlq.reason': Buffer.from('RECORD_INVALID'),
        'dlq.message': Buffer.from('amount is negative'),
        'dlq.topic': Buffer.from('transactions'),
        'dlq.partition': Buffer.from('0'),
        'dlq.offset': Buffer.from('7'),
        'dlq.timestamp': Buffer.from('1764806400000'),
        source: Buffer.from('simulator'),
      },
    };
    const d = fromDlqMessage(old);
    expect(d).toMatchObject({
      code: 'RECORD_INVALID',
      message: 'amount is negative',
      topic: 'transactions',
      partition: 0,
      offset: '7',
      timestamp: '1764806400000',
      service: '',
    });
    expect(d.headers).toEqual({ source: Buffer.from('simulator') });
  });

  it('reads missing headers as empty, partition -1', () => {
    expect(fromDlqMessage({ key: null, value: null })).toMatchObject({ code: '', partition: -1, offset: '' });
  });

  it('the writer sends every letter with acks from all replicas, then reports each', async () => {
    const sent: ProducerRecord[] = [];
    const producer = { send: async (r: ProducerRecord) => void sent.push(r) } as unknown as Producer;
    const reported: string[] = [];
    const writer = createDlqWriter({
      producer,
      topic: 'transactions.dlq',
      service: 'sink-metrics',
      onSent: (d) => reported.push(d.offset),
    });
    await writer.send([]);
    expect(sent).toHaveLength(0);
    await writer.send([letter, { ...letter, offset: '42' }]);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ topic: 'transactions.dlq', acks: -1 });
    expect(
      sent[0]!.messages.map((m) => fromDlqMessage({ key: null, value: null, headers: m.headers }).service),
    ).toEqual(['sink-metrics', 'sink-metrics']);
    expect(reported).toEqual(['41', '42']);
  });
});
