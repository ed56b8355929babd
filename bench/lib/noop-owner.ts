/**
 * The no-op partition owner of `npm run bench -- api`'s HTTP-only ceiling (bench/api.ts), run as a
 * process of its own: `node --import tsx bench/lib/noop-owner.ts GROUP TOPIC`.
 *
 * A plain node:http server that answers every POST /v1/decide at once with a canned decision on
 * the payment it was sent (scoredFor: the answer's shape a scorer gives, with the request's txId),
 * with no Kafka write and no scoring; and a member of consumer group GROUP on TOPIC that advertises
 * the server's URL with ownerAssigner, so the decision API finds it through DescribeGroups exactly
 * as it finds a scorer (readOwners). Stops on SIGTERM.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { consumerConfig, ownerAssigner } from '@fraud/kafka';
import { testKafka } from '@fraud/kafka/testing';
import { scoredFor } from '@fraud/api/testing';
import { errorMessage } from '@fraud/common';
import type { Transaction } from '@fraud/schemas';

function answer(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function decide(req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'POST' || req.url !== '/v1/decide') return answer(res, 404, { error: { code: 'NOT_FOUND' } });
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let tx: Transaction;
    try {
      tx = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { transaction: Transaction }).transaction;
    } catch (err: unknown) {
      return answer(res, 400, { error: { code: 'RECORD_INVALID', message: errorMessage(err) } });
    }
    answer(res, 200, { scored: scoredFor(tx, 'noop-owner'), replayed: false, viewLagMs: 0 });
  });
}

async function main(): Promise<void> {
  const [groupId, topic] = process.argv.slice(2);
  if (!groupId || !topic) throw new Error('usage: noop-owner.ts GROUP TOPIC');
  const server = createServer(decide);
  // The scorer's decide server's keep-alive, so the API holds its connections the same way.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // Fetches of a topic no one writes to during the ceiling: a long fetch wait keeps the broker idle.
  const consumer = testKafka('bench-api-noop-owner').consumer(
    consumerConfig('throughput', { groupId, maxWaitTimeInMs: 1_000, partitionAssigners: [ownerAssigner(url)] }),
  );
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: false });
  await consumer.run({ autoCommit: false, eachBatch: async () => undefined });

  process.once('SIGTERM', () => {
    server.closeAllConnections();
    server.close();
    void consumer.disconnect().finally(() => process.exit(0));
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`noop-owner failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
