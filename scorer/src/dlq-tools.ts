import { randomUUID } from 'node:crypto';
import { FraudError, type Logger } from '@fraud/common';
import { fromDlqMessage, readToEnd, withoutDlqHeaders, type Kafka, type ReceivedDeadLetter } from '@fraud/kafka';

/** One dead letter as stored: where it sits in the DLQ, where it came from, and why (`code`). */
export interface DlqEntry extends Omit<ReceivedDeadLetter, 'timestamp'> {
  dlqPartition: number;
  dlqOffset: string;
  /** Kafka timestamp of the original record (ms); -1 when the header is missing. */
  timestamp: number;
}

export interface DlqSelection {
  /** Exact DLQ positions, "partition:offset". */
  positions?: ReadonlySet<string>;
  /** Only dead letters with this code (the dlq.reason header). */
  code?: string;
  limit?: number;
}

export const REPLAYED_FROM_HEADER = 'replayed-from';

/** Reads the DLQ (read_committed) to its current end and returns the entries that match. */
export async function readDlq(
  kafka: Kafka,
  dlqTopic: string,
  sel: DlqSelection,
  logger: Logger,
  timeoutMs = 60_000,
): Promise<DlqEntry[]> {
  const out: DlqEntry[] = [];
  await readToEnd({
    kafka,
    topic: dlqTopic,
    groupId: `fraud-dlq-reader-${randomUUID().slice(0, 8)}`,
    logger,
    timeoutMs,
    onMessages: async (messages, partition) => {
      for (const m of messages) {
        const letter = fromDlqMessage({ key: m.key, value: m.value, headers: m.headers });
        if (sel.code && letter.code !== sel.code) continue;
        if (sel.positions && !sel.positions.has(`${partition}:${m.offset}`)) continue;
        const timestamp = letter.timestamp === '' ? -1 : Number(letter.timestamp);
        // The stored headers, dlq.* included: a replay strips them itself.
        out.push({ ...letter, timestamp, dlqPartition: partition, dlqOffset: m.offset, headers: m.headers ?? {} });
      }
    },
  });
  out.sort(
    (a, b) =>
      a.timestamp - b.timestamp || a.dlqPartition - b.dlqPartition || Number(BigInt(a.dlqOffset) - BigInt(b.dlqOffset)),
  );
  return sel.limit === undefined ? out : out.slice(0, sel.limit);
}

/** "0:12,3:40" -> {"0:12","3:40"}; a malformed item is a clear error. */
export function parsePositions(text: string): Set<string> {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const item of items) {
    if (!/^\d+:\d+$/.test(item))
      throw new FraudError(
        'BAD_REQUEST',
        `--offsets item "${item}" is not PARTITION:OFFSET (e.g. 0:12,3:40); \`fraud dlq inspect\` shows them`,
      );
  }
  if (!items.length)
    throw new FraudError('BAD_REQUEST', '--offsets is empty; give PARTITION:OFFSET items, e.g. 0:12,3:40');
  return new Set(items);
}

/**
 * Re-publishes dead letters with their ORIGINAL key, bytes and headers (dlq.* removed, a
 * replayed-from header added) to `to`, or to the topic each came from. Returns how many.
 */
export async function replayDlq(
  kafka: Kafka,
  dlqTopic: string,
  entries: readonly DlqEntry[],
  to?: string,
): Promise<number> {
  if (!entries.length) return 0;
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const byTopic = new Map<string, Array<Pick<DlqEntry, 'key' | 'value' | 'headers'>>>();
    for (const e of entries) {
      const topic = to ?? e.topic;
      if (!topic)
        throw new FraudError(
          'BAD_REQUEST',
          `DLQ record ${e.dlqPartition}:${e.dlqOffset} has no dlq.topic header; pass --to TOPIC`,
        );
      const headers = {
        ...withoutDlqHeaders(e.headers),
        [REPLAYED_FROM_HEADER]: `${dlqTopic}/${e.dlqPartition}/${e.dlqOffset}`,
      };
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), { key: e.key, value: e.value, headers }]);
    }
    await producer.sendBatch({
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      acks: -1,
    });
  } finally {
    await producer.disconnect();
  }
  return entries.length;
}
