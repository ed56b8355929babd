import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { latestHeartbeat } from '../../src/eos/loop.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('latestHeartbeat (what a task keeps to heartbeat the group)', () => {
  it('beats with the newest batch heartbeat and lets an older batch be collected', async () => {
    const heartbeats = latestHeartbeat();
    const beats: string[] = [];
    let batch: { messages: Buffer[] } | undefined = { messages: [Buffer.alloc(1 << 20)] };
    const weak = new WeakRef(batch);
    // kafkajs's payload.heartbeat closes over the payload's batch.
    heartbeats.set(
      (
        (b) => async () =>
          void beats.push(`first ${b.messages.length}`)
      )(batch),
    );
    const kept = heartbeats.beat; // what a task holds for its lifetime
    await kept();
    heartbeats.set(async () => void beats.push('second'));
    batch = undefined;
    await new Promise((r) => setImmediate(r));
    gc();
    expect(weak.deref()).toBeUndefined();
    await kept();
    expect(beats).toEqual(['first 1', 'second']);
  });
});
