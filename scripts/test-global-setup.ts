import { dataDir, kafkaPid, servicePid, stackDown, stackUp } from '@fraud/infra';

/**
 * Starts the real local stack (Kafka, topics, schema registry) once for the whole test run.
 * A stack that was already up (a developer's session) is left running afterwards; a stack this
 * run started, this run stops (FRAUD_KEEP_STACK=1 keeps it for the next run).
 */
export default async function setup(): Promise<() => Promise<void>> {
  const log = (s: string) => console.log(`[infra] ${s}`);
  const wasUp = kafkaPid({ dataDir: dataDir() }) !== undefined && servicePid(dataDir(), 'registry') !== undefined;
  await stackUp({ log });
  return async () => {
    if (!wasUp && !process.env.FRAUD_KEEP_STACK) await stackDown({ log });
  };
}
