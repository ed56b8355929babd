import { dataDir, kafkaPid, stackDown, stackUp } from '@fraud/infra';

/**
 * Starts the real local stack (Kafka, topics, schema registry) once for the whole test run
 * and leaves it running for the next run (and for other test runs sharing it). With
 * FRAUD_TEST_STOP_STACK=1 (set by .ci/run) a stack this run started is stopped at the end.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const log = (s: string) => console.log(`[infra] ${s}`);
  const wasUp = kafkaPid({ dataDir: dataDir() }) !== undefined;
  await stackUp({ log });
  return async () => {
    if (!wasUp && process.env.FRAUD_TEST_STOP_STACK === '1') await stackDown({ log });
  };
}
