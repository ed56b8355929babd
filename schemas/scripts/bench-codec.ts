import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { createCodec, loadAvroSchemas, type Transaction } from '../src/index.ts';

/**
 * Encode and decode rate of the Transaction codec (records/s), single thread, no registry
 * (the schema id is fixed; decode takes its sync-cached path as in steady state).
 *
 *   npx tsx schemas/scripts/bench-codec.ts [records]
 */
export interface CodecBench {
  records: number;
  bytesPerRecord: number;
  /** Records per wall-clock second. */
  encodePerSec: number;
  decodePerSec: number;
  /** Records per second of this process's CPU time: steadier on a shared machine. */
  encodePerCpuSec: number;
  decodePerCpuSec: number;
  /** Encode when each buffer is dropped right away (a producer that sends and forgets). */
  streamingEncodePerSec: number;
  streamingEncodePerCpuSec: number;
}

const cpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

function makeTransactions(n: number): Transaction[] {
  const types = ['CASH_IN', 'CASH_OUT', 'DEBIT', 'PAYMENT', 'TRANSFER'] as const;
  return Array.from({ length: n }, (_, i): Transaction => ({
    txId: `tx-${i.toString(36).padStart(10, '0')}`,
    eventTime: 1_764_000_000_000 + i * 37,
    type: types[i % 5] ?? 'PAYMENT',
    amount: (i * 7919) % 10_000_000,
    currency: 'USD',
    originAccount: `C${100_000_000 + (i % 50_000)}`,
    originBalanceBefore: (i * 104_729) % 50_000_000,
    destAccount: `${i % 3 === 0 ? 'M' : 'C'}${200_000_000 + (i % 80_000)}`,
    destBalanceBefore: (i * 15_485_863) % 90_000_000,
    channel: i % 4 === 0 ? 'APP' : null,
    attributes: i % 10 === 0 ? { region: 'north' } : ({} as Record<string, string>),
  }));
}

export async function benchCodec(records = 200_000): Promise<CodecBench> {
  const codec = createCodec<Transaction>({
    name: 'Transaction',
    reader: loadAvroSchemas().types.Transaction,
    schemaId: 1,
    fetchSchema: async () => null,
  });
  const txs = makeTransactions(records);
  // Warm-up so the JIT has compiled avsc's generated readers/writers.
  for (const tx of txs.slice(0, 20_000)) await codec.decode(codec.encode(tx));

  let t = performance.now();
  let c = cpuMs();
  const bufs = txs.map((tx) => codec.encode(tx));
  const encodeMs = performance.now() - t;
  const encodeCpuMs = cpuMs() - c;

  t = performance.now();
  c = cpuMs();
  let bytes = 0;
  for (const tx of txs) bytes += codec.encode(tx).length;
  const streamMs = performance.now() - t;
  const streamCpuMs = cpuMs() - c;
  if (bytes !== bufs.reduce((s, b) => s + b.length, 0)) throw new Error('streaming encode size mismatch');

  t = performance.now();
  c = cpuMs();
  let checksum = 0;
  for (const b of bufs) checksum += (await codec.decode(b)).amount;
  const decodeMs = performance.now() - t;
  const decodeCpuMs = cpuMs() - c;
  if (checksum !== txs.reduce((s, tx) => s + tx.amount, 0)) throw new Error('decode checksum mismatch');

  return {
    records,
    bytesPerRecord: Math.round(bufs.reduce((s, b) => s + b.length, 0) / records),
    encodePerSec: Math.round(records / (encodeMs / 1000)),
    decodePerSec: Math.round(records / (decodeMs / 1000)),
    encodePerCpuSec: Math.round(records / (encodeCpuMs / 1000)),
    decodePerCpuSec: Math.round(records / (decodeCpuMs / 1000)),
    streamingEncodePerSec: Math.round(records / (streamMs / 1000)),
    streamingEncodePerCpuSec: Math.round(records / (streamCpuMs / 1000)),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await benchCodec(Number(process.argv[2] ?? 200_000));
  process.stdout.write(
    `Transaction codec, ${r.records} records, ${r.bytesPerRecord} bytes/record (Confluent framing included)\n` +
      `  encode ${r.encodePerSec.toLocaleString('en-US')} records/s (${r.encodePerCpuSec.toLocaleString('en-US')} ` +
      `per CPU-second), all buffers kept\n` +
      `  encode ${r.streamingEncodePerSec.toLocaleString('en-US')} records/s ` +
      `(${r.streamingEncodePerCpuSec.toLocaleString('en-US')} per CPU-second), each dropped after use\n` +
      `  decode ${r.decodePerSec.toLocaleString('en-US')} records/s (${r.decodePerCpuSec.toLocaleString('en-US')} ` +
      `per CPU-second)\n`,
  );
}
