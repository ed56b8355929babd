import { startKafka, dataDir } from '@fraud/infra';

/** Starts the real local stack once for the whole test run (idempotent when already up). */
export default async function setup(): Promise<void> {
  const started = await startKafka({ dataDir: dataDir() }, (s) => console.log(`[infra] ${s}`));
  if (!started.alreadyRunning) console.log(`[infra] Kafka started in ${started.startedMs} ms`);
}
