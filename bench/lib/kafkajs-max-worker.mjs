// One worker of the producer benchmark's "kafkajs at most" measurement: its own kafkajs
// idempotent producer sends the pre-encoded records it is given (acks=all), then reports.
// It imports kafkajs itself, not @fraud/kafka: the ceiling is raw kafkajs, and a plain worker
// thread cannot load TypeScript (the lint rule exempts this one file).
import { parentPort, workerData } from 'node:worker_threads';
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;
const { brokers, topic, keys, values, offsets, batch, inFlight, clientId } = workerData;
const data = Buffer.from(values);
const messages = keys.map((key, i) => ({ key, value: data.subarray(offsets[i], offsets[i + 1]) }));
const producer = new Kafka({ clientId, brokers, logLevel: logLevel.ERROR }).producer({
  idempotent: true,
  maxInFlightRequests: inFlight,
});
await producer.connect();
parentPort.postMessage({ ready: true });
await new Promise((resolve) => parentPort.once('message', resolve));
const pending = [];
for (let i = 0; i < messages.length; i += batch) {
  pending.push(producer.send({ topic, acks: -1, messages: messages.slice(i, i + batch) }));
  if (pending.length >= inFlight) await pending.shift();
}
await Promise.all(pending);
await producer.disconnect();
parentPort.postMessage({ sent: messages.length });
