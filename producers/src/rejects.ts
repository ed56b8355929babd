import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { CsvReject } from './csv.ts';

/** Where malformed rows go, with their line number and reason: never a silent skip. */
export interface RejectSink {
  write(r: CsvReject): void;
  readonly count: number;
  close(): Promise<void>;
}

const csvField = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** A CSV reject file (line,reason,raw), created on the first reject only. */
export function createRejectFile(path: string): RejectSink & { readonly path: string } {
  let out: WriteStream | undefined;
  let count = 0;
  return {
    path,
    write(r) {
      if (!out) {
        out = createWriteStream(path, { encoding: 'utf8' });
        out.write('line,reason,raw\n');
      }
      out.write(`${r.line},${csvField(r.reason)},${csvField(r.raw)}\n`);
      count++;
    },
    get count() {
      return count;
    },
    async close() {
      if (!out) return;
      const s = out;
      s.end();
      await once(s, 'finish');
    },
  };
}

/** Keeps rejects in memory (tests, library callers that report them themselves). */
export function createRejectList(): RejectSink & { readonly items: CsvReject[] } {
  const items: CsvReject[] = [];
  return {
    items,
    write: (r) => void items.push(r),
    get count() {
      return items.length;
    },
    close: async () => {},
  };
}
