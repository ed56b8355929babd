import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { SCORER_SEMI_SPACE_MB, scorerNodeOptions } from '@fraud/common';
import { NO_PRETENURING_FLAG } from '../src/gc-tuning.ts';

/** Runs `node ARGS -e CODE` with NODE_OPTIONS set; its exit status and stderr. */
function node(args: string[], code: string, nodeOptions = ''): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [...args, '-e', code], {
    env: { PATH: process.env.PATH, NODE_OPTIONS: nodeOptions },
    encoding: 'utf8',
  });
  return { status: r.status, stderr: r.stderr };
}

describe("the scorer's garbage-collection settings", () => {
  it('adds the young-generation size to NODE_OPTIONS, keeping what is there', () => {
    const flag = `--max-semi-space-size=${SCORER_SEMI_SPACE_MB}`;
    expect(scorerNodeOptions(undefined)).toBe(flag);
    expect(scorerNodeOptions('  ')).toBe(flag);
    expect(scorerNodeOptions('--expose-gc')).toBe(`--expose-gc ${flag}`);
  });

  it("keeps an operator's own young-generation size", () => {
    expect(scorerNodeOptions('--max-semi-space-size=128')).toBe('--max-semi-space-size=128');
    expect(scorerNodeOptions('--expose-gc --max-semi-space-size 32')).toBe('--expose-gc --max-semi-space-size 32');
    // Another flag that merely starts the same way is not it.
    expect(scorerNodeOptions('--max-semi-space-sizes=1')).toContain(`--max-semi-space-size=${SCORER_SEMI_SPACE_MB}`);
  });

  it('Node takes the NODE_OPTIONS the launchers give the scorer (it refuses V8 flags off its list there)', () => {
    const ok = node([], 'process.exit(0)', scorerNodeOptions(undefined));
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    // The control: a V8 flag Node does not allow in NODE_OPTIONS fails the start, so the check can fail.
    const refused = node([], 'process.exit(0)', NO_PRETENURING_FLAG);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/not allowed in NODE_OPTIONS/);
  });

  it('the pretenuring flag exists in this V8 (setFlagsFromString would ignore a misspelt one)', () => {
    // On the command line V8 rejects flags it does not know: a rename in a Node upgrade fails here.
    const ok = node([NO_PRETENURING_FLAG], 'process.exit(0)');
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    const unknown = node(['--no-allocation-site-pretenuringg'], 'process.exit(0)');
    expect(unknown.status).not.toBe(0);
  });
});
