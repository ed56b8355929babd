import { readToEnd, type Kafka, type KafkaMessage } from '@fraud/kafka';
import { createLogger } from '@fraud/common';
import type { Codecs } from '@fraud/schemas';

/** Everything committed on a topic now, read with read_committed to the end offsets. */
export async function readAll(kafka: Kafka, topic: string): Promise<(KafkaMessage & { partition: number })[]> {
  const out: (KafkaMessage & { partition: number })[] = [];
  await readToEnd({
    kafka,
    topic,
    groupId: `chaos-verify-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`,
    logger: createLogger('chaos-verify', 'warn'),
    timeoutMs: 300_000,
    onMessages: async (ms, partition) => void out.push(...ms.map((m) => ({ ...m, partition }))),
  });
  return out;
}

export interface Reconciliation {
  transactions: number;
  scored: number;
  dlq: number;
  lost: number;
  duplicates: number;
  lostIds: string[];
  /** Up to 10 doubled txIds, each with where its copies are (`topic[partition]@offset`). */
  duplicateSamples: { txId: string; copies: string[] }[];
}

/** Every txId of `transactions` must be exactly once in scored or in the DLQ. */
export async function reconcile(
  kafka: Kafka,
  codecs: Codecs,
  topics: { transactions: string; scored: string; dlq: string },
  /** txIds whose decisions on scored are returned (every copy) in `watched`. */
  watch: ReadonlySet<string> = new Set(),
): Promise<Reconciliation & { scoredIds: Set<string>; watched: Map<string, string[]> }> {
  const inputs = await readAll(kafka, topics.transactions);
  const txIds = new Set<string>();
  for (const m of inputs) txIds.add((await codecs.transaction.decode(m.value!)).txId);
  const scoredMsgs = await readAll(kafka, topics.scored);
  const seen = new Map<string, string[]>();
  const note = (id: string, where: string) => {
    const copies = seen.get(id) ?? [];
    copies.push(where);
    seen.set(id, copies);
  };
  const watched = new Map<string, string[]>();
  for (const m of scoredMsgs) {
    const s = await codecs.scored.decode(m.value!);
    if (watch.has(s.transaction.txId))
      watched.set(s.transaction.txId, [...(watched.get(s.transaction.txId) ?? []), s.decision]);
    note(
      s.transaction.txId,
      `${topics.scored}[${m.partition}]@${m.offset} scoredAt=${new Date(s.scoredAt).toISOString()}`,
    );
  }
  const dlqMsgs = await readAll(kafka, topics.dlq);
  for (const m of dlqMsgs) {
    const id = await codecs.transaction.decode(m.value!).then(
      (t) => t.txId,
      () => undefined,
    );
    if (id) note(id, `${topics.dlq}[${m.partition}]@${m.offset}`);
  }
  const lostIds = [...txIds].filter((id) => !seen.has(id));
  const doubled = [...seen].filter(([, copies]) => copies.length > 1);
  const duplicates = doubled.reduce((s, [, copies]) => s + copies.length - 1, 0);
  return {
    transactions: inputs.length,
    scored: scoredMsgs.length,
    dlq: dlqMsgs.length,
    lost: lostIds.length,
    duplicates,
    lostIds: lostIds.slice(0, 10),
    duplicateSamples: doubled.slice(0, 10).map(([txId, copies]) => ({ txId, copies })),
    scoredIds: new Set(seen.keys()),
    watched,
  };
}

/** Sum of (end offset - committed offset) of a group on a topic. */
export async function groupLag(kafka: Kafka, groupId: string, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [ends, [committed]] = await Promise.all([
      admin.fetchTopicOffsets(topic),
      admin.fetchOffsets({ groupId, topics: [topic] }),
    ]);
    const c = new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    return ends.reduce((s, e) => s + Math.max(0, Number(e.high) - Math.max(0, c.get(e.partition) ?? 0)), 0);
  } finally {
    await admin.disconnect();
  }
}

export async function committedSum(kafka: Kafka, groupId: string, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [res] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return (res?.partitions ?? []).reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Per partition, the offset just after the last data record (read_committed). On a
 * transactional topic the end offset also counts commit markers, which a consumer never
 * commits past, so "caught up" is measured against this, not against the end offset.
 */
export async function dataEnds(kafka: Kafka, topic: string): Promise<Map<number, number>> {
  const ends = new Map<number, number>();
  await readToEnd({
    kafka,
    topic,
    groupId: `chaos-ends-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`,
    logger: createLogger('chaos-verify', 'warn'),
    timeoutMs: 300_000,
    onMessages: async (ms, partition) => {
      const last = ms[ms.length - 1];
      if (last) ends.set(partition, Number(last.offset) + 1);
    },
  });
  return ends;
}

export async function caughtUp(
  kafka: Kafka,
  groupId: string,
  topic: string,
  ends: Map<number, number>,
): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [res] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const committed = new Map((res?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    return [...ends].every(([p, end]) => (committed.get(p) ?? -1) >= end);
  } finally {
    await admin.disconnect();
  }
}
