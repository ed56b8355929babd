/**
 * The bench side of `npm run bench -- api`'s load generator: each open-loop phase runs in a fresh
 * child process (`node --import tsx bench/lib/load-child.ts SPEC`), so it starts with an empty heap
 * and the bench's own memory (answers, decoded `scored` records) cannot pause it. The child prints
 * the phase as JSON on stdout and writes each decision it was answered as a `txId,decision` line to
 * a file, which is read back here.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Transaction } from '@fraud/schemas';
import type { Phase, Procs } from './open-loop.ts';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'load-child.ts');

/** Where a request goes: the decision API (POST /v1/transactions) or straight at an owner's /v1/decide. */
export type Target =
  | { kind: 'api'; url: string; key: string }
  /** The decide URL of each partition's owner, by partition number. */
  | { kind: 'decide'; urls: string[] };

/** The payments a phase sends, in turn: each with the partition its origin account maps to. */
export interface Pool {
  transactions: Transaction[];
  partitions: number[];
}

/** What one child runs: a short unmeasured warm-up of its own, then one measured open-loop phase. */
export interface ChildSpec {
  rate: number;
  seconds: number;
  target: Target;
  /** txIds are `${prefix}${tag}-${i}`. */
  prefix: string;
  tag: string;
  poolFile: string;
  /** The server processes whose CPU the phase reports; the child adds itself as load_generator. */
  procs: Procs;
  /** Seconds of the child's own warm-up (JIT, first connections) before the measured phase; 0: none. */
  warmUpS: number;
  /** Where the child writes a `txId,decision` line per decision answered (fallbacks excluded). */
  answersFile?: string;
}

export interface LoadRunner {
  /** Runs `spec` in a fresh child and prints `name: phase`; answered decisions go to onDecided. */
  phase(name: string, spec: PhaseSpec): Promise<Phase>;
}

export type PhaseSpec = Pick<ChildSpec, 'rate' | 'seconds' | 'target' | 'tag'> & {
  procs?: Procs;
  /** Record the answered decisions (for the `scored` check). */
  record?: boolean;
  warmUpS?: number;
};

/** Writes `pool` once to `dir` and returns the runner of phases over it. */
export function loadRunner(
  dir: string,
  prefix: string,
  pool: Pool,
  onDecided: (txId: string, decision: string) => void,
): LoadRunner {
  const poolFile = join(dir, 'pool.json');
  writeFileSync(poolFile, JSON.stringify(pool));
  let n = 0;
  return {
    async phase(name, spec) {
      const answersFile = spec.record ? join(dir, `answers-${n++}.csv`) : undefined;
      const child: ChildSpec = {
        rate: spec.rate,
        seconds: spec.seconds,
        target: spec.target,
        prefix,
        tag: spec.tag,
        poolFile,
        procs: spec.procs ?? {},
        warmUpS: spec.warmUpS ?? 1,
        answersFile,
      };
      const out = await runChild(child);
      const phase = JSON.parse(out) as Phase;
      if (answersFile && existsSync(answersFile)) {
        for (const line of readFileSync(answersFile, 'utf8').split('\n')) {
          const comma = line.lastIndexOf(',');
          if (comma > 0) onDecided(line.slice(0, comma), line.slice(comma + 1));
        }
        rmSync(answersFile);
      }
      process.stdout.write(`${name}: ${JSON.stringify(phase)}\n`);
      return phase;
    },
  };
}

/** The child's stdout once it exits 0 (its stderr is the bench's). */
function runChild(spec: ChildSpec): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(spec)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const chunks: Buffer[] = [];
    c.stdout.on('data', (b: Buffer) => chunks.push(b));
    c.once('error', reject);
    c.once('close', (code, signal) => {
      if (code === 0) resolve(Buffer.concat(chunks).toString('utf8'));
      else reject(new Error(`load child exited with ${signal ?? code} (tag ${spec.tag}, ${spec.rate}/s)`));
    });
  });
}
