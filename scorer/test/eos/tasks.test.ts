import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { createLogger, FraudError } from '@fraud/common';
import { validateTransaction } from '@fraud/schemas';
import type { EosPort, OpenedTask } from '../../src/eos/port.ts';
import { createTaskTable } from '../../src/eos/tasks.ts';
import { createScorerMetrics } from '../../src/metrics.ts';
import { createModelManager } from '../../src/model-manager.ts';
import { compilePolicy } from '../../src/policy.ts';
import type { RawRecord } from '@fraud/kafka';
import type { ChunkResult } from '../../src/score-chunk.ts';
import { FS_V2, activeModel, fakeServing, jsonCodec, specStates, tx } from '../fakes.ts';

const NOW = Date.UTC(2025, 0, 2);
const logger = createLogger('tasks-test', 'silent');
const features = FS_V2;
const cols = features.featureNames.length;

/** A port with no broker: each open and commit is recorded; commits fail while `failCommits`. */
function fakePort() {
  const log: string[] = [];
  const committed: Array<{ partition: number; next: bigint; output: ChunkResult }> = [];
  let opened = 0;
  const control = { failCommits: false, openGate: Promise.resolve() };
  const port: EosPort = {
    async openTask(partition) {
      const n = ++opened;
      log.push(`open ${partition}#${n}`);
      await control.openGate;
      const task: OpenedTask = {
        committed: 0n,
        state: specStates(partition),
        recent: undefined,
        restoredRecords: 0,
        async commit(output, next) {
          if (control.failCommits) throw new FraudError('KAFKA_UNAVAILABLE', 'fenced (injected)');
          committed.push({ partition, next, output });
        },
        async addSpec(spec) {
          log.push(`addSpec ${partition}#${n} ${spec.id}`);
          task.state.set(spec.hash, spec.createState(partition));
          return 0;
        },
        async close() {
          log.push(`close ${partition}#${n}`);
        },
      };
      return task;
    },
  };
  return { port, log, committed, control };
}

function setup() {
  const fake = fakePort();
  const metrics = createScorerMetrics(new Registry());
  const models = createModelManager({ load: () => Promise.reject(new Error('unused')), metrics, logger });
  const champion = fakeServing('c1', cols, () => 0.1);
  models.install(activeModel(champion));
  const table = createTaskTable({
    port: fake.port,
    metrics,
    logger,
    chunk: {
      topic: 'in',
      decode: (b) => jsonCodec.decode(b),
      validate: validateTransaction,
      explainTopK: 3,
      now: () => NOW,
      models,
      policy: () => compilePolicy(null),
      metrics,
      logger,
    },
  });
  return { ...fake, table, models, champion, metrics };
}

const records = (from: number, n: number): RawRecord[] =>
  Array.from({ length: n }, (_, i) => ({
    key: null,
    value: jsonCodec.encode(tx(from + i)),
    offset: String(from + i),
    timestamp: String(NOW - 10),
  }));
const heartbeat = async (): Promise<void> => undefined;

describe('the task table (effects shell) with a fake port', () => {
  it('opens a task once, commits chunks through the port and advances the position', async () => {
    const s = setup();
    s.table.assigned([0]);
    const task = (await s.table.ensureTask(0, heartbeat))!;
    expect(await s.table.runChunk(task, records(0, 3), '3')).toBe(true);
    expect(s.committed.map((c) => [c.partition, c.next, c.output.scored.length])).toEqual([[0, 3n, 3]]);
    expect((await s.table.ensureTask(0, heartbeat))?.position).toBe(3n);
    expect(s.log).toEqual(['open 0#1']);
  });

  it('a failed chunk closes the task, releases the model lease; the next fetch batch opens a new task', async () => {
    const s = setup();
    s.table.assigned([0]);
    const task = (await s.table.ensureTask(0, heartbeat))!;
    s.control.failCommits = true;
    expect(await s.table.runChunk(task, records(0, 2), '2')).toBe(false);
    expect(s.log).toEqual(['open 0#1', 'close 0#1']);
    // The lease of the failed chunk was released: replacing the champion disposes the old one.
    s.models.install(activeModel(fakeServing('c2', cols, () => 0.1)));
    expect(s.champion.disposed).toBe(true);
    s.control.failCommits = false;
    const again = (await s.table.ensureTask(0, heartbeat))!;
    expect(again.id).not.toBe(task.id);
    expect(s.log).toEqual(['open 0#1', 'close 0#1', 'open 0#2']);
    expect((await s.metrics.aborted.get()).values[0]?.value).toBe(1);
  });

  it('a champion with a new spec: its state is built on the task before the next chunk', async () => {
    const s = setup();
    s.table.assigned([0]);
    const task = (await s.table.ensureTask(0, heartbeat))!;
    expect(await s.table.runChunk(task, records(0, 2), '2')).toBe(true);
    const other = { ...features, hash: 'other-spec', id: 'other@1' };
    s.models.install(
      activeModel(
        fakeServing('c2', cols, () => 0.1),
        'CHAMPION',
        undefined,
        other,
      ),
    );
    expect(await s.table.runChunk(task, records(2, 2), '4')).toBe(true);
    expect(s.log).toEqual(['open 0#1', 'addSpec 0#1 other@1']);
    expect(s.committed[1]!.output.scored.map((r) => r.record.modelVersion)).toEqual(['c2', 'c2']);
  });

  it('revoked while the task is being opened: it is closed as soon as the open finishes, never used', async () => {
    const s = setup();
    let release!: () => void;
    s.control.openGate = new Promise<void>((r) => (release = r));
    s.table.assigned([0]);
    const opening = s.table.ensureTask(0, heartbeat);
    await Promise.resolve();
    s.table.assigned([1]);
    release();
    expect(await opening).toBeUndefined();
    expect(s.log).toEqual(['open 0#1', 'close 0#1']);
  });

  it('stop closes every open task', async () => {
    const s = setup();
    s.table.assigned([0, 1]);
    await s.table.ensureTask(0, heartbeat);
    await s.table.ensureTask(1, heartbeat);
    await s.table.stop();
    expect(s.log.filter((l) => l.startsWith('close')).sort()).toEqual(['close 0#1', 'close 1#2']);
    expect(s.table.assignment()).toEqual([]);
  });
});
