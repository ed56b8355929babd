import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, waitFor } from '@fraud/common';
import { uniqueName } from '@fraud/common/testing';
import { createRetrainerService, type RetrainerService } from '@fraud/retrainer';
import type { Page } from 'playwright-core';
import { repoRoot, screenshotsDir, startStack, type Stack } from './harness.ts';
import { scored } from './fixtures.ts';
import { bootstrapStyleUpdate } from './bootstrap-model.ts';

/**
 * The console's first hour as a new user sees it, on a fresh stack (nothing on `control`, an
 * empty warehouse): each page answers with what the stream holds, not "unavailable" or zeros.
 */
let stack: Stack;
let analyst: Page;
let retrainer: RetrainerService | undefined;
const metrics: Record<string, number> = {};

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(screenshotsDir, `${name}.png`), fullPage: true });

const text = async (page: Page, testid: string): Promise<string> =>
  ((await page.locator(`[data-testid=${testid}]`).first().textContent()) ?? '').trim();

beforeAll(async () => {
  stack = await startStack({ ann: 'analyst' });
  analyst = (await stack.newUserContext('ann')).page;
});

afterAll(async () => {
  const file = join(repoRoot, 'test-artifacts', 'web-metrics.json');
  const previous = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>) : {};
  writeFileSync(file, JSON.stringify({ ...previous, ...metrics }, null, 2));
  await retrainer?.stop();
  await stack?.stop();
});

describe("the console's first hour", () => {
  it('live: the tiles count the BLOCKs of the stream over a stated window', async () => {
    await analyst.goto(`${stack.url}/live`);
    await analyst.locator('[data-testid=feed-status].ok').waitFor({ timeout: 30_000 });
    const decisions = [
      ...Array.from({ length: 20 }, (_, i) => scored(`fh-approve-${i}`, 'APPROVE', 0.05, `C70${i}`)),
      ...Array.from({ length: 3 }, (_, i) => scored(`fh-block-${i}`, 'BLOCK', 0.97, `C80${i}`)),
    ];
    await stack.producer.send({
      topic: stack.topics.scored,
      acks: -1,
      messages: decisions.map((d) => ({ key: d.transaction.originAccount, value: stack.codecs.scored.encode(d) })),
    });
    // Three BLOCKs of 2,500,000 minor units each, 3 flagged of 23.
    const blocked = (3 * 2_500_000) / 100;
    const wantBlocked = blocked.toLocaleString('en-US', { minimumFractionDigits: 2 });
    const wantRate = `${((3 / 23) * 100).toFixed(2)}%`;
    await waitFor(async () => (await text(analyst, 'kpi-blocked')) === wantBlocked, {
      timeoutMs: 30_000,
      what: `blocked amount ${wantBlocked} on the Live page`,
    });
    expect(await text(analyst, 'kpi-flagged-rate')).toBe(wantRate);
    expect(await text(analyst, 'kpi-blocked-since-start')).toBe(`3 · ${wantBlocked}`);
    const labels = await analyst.locator('[data-testid=kpis] .label').allTextContents();
    for (const label of labels) expect(label).toMatch(/\((last second|last 5 min|since .+|now)\)/);
    await shot(analyst, 'first-hour-live');
  });

  it('policy: the retrainer publishes its default retrain policy at start-up', async () => {
    await analyst.goto(`${stack.url}/policy`);
    expect(await analyst.locator('[data-testid=retrain-unavailable]').count()).toBe(1);
    const tmp = mkdtempSync(join(tmpdir(), 'fh-retrainer-'));
    retrainer = await createRetrainerService({
      kafka: stack.kafka,
      codecs: stack.codecs,
      topics: stack.topics,
      dbPath: join(tmp, 'retrainer.duckdb'),
      artifactsDir: join(tmp, 'artifacts'),
      groupId: `${stack.prefix}${uniqueName('retrainer')}`,
      port: 0,
      host: '127.0.0.1',
      tickMs: 60_000,
      logger: createLogger('web-test-retrainer', 'warn'),
    });
    await retrainer.start();
    await waitFor(
      async () => {
        await analyst.goto(`${stack.url}/policy`);
        return (await analyst.locator('textarea[name=json]').count()) > 0;
      },
      { timeoutMs: 30_000, intervalMs: 500, what: 'the retrain policy on the Policy page' },
    );
    expect(await analyst.locator('[data-testid=retrain-unavailable]').count()).toBe(0);
    const shown = JSON.parse(await analyst.locator('textarea[name=json]').inputValue()) as Record<string, unknown>;
    expect(shown).toMatchObject({ minNewLabels: retrainer.manager.current().minNewLabels });
    await shot(analyst, 'first-hour-policy');
  });

  it('models: the bootstrap champion shows its evaluation, thresholds to 4 significant digits', async () => {
    const version = 'bootstrap-fs-v2-20260101-s42';
    await stack.producer.send({
      topic: stack.topics.modelUpdates,
      messages: [
        { key: 'champion', value: stack.codecs.modelUpdate.encode(bootstrapStyleUpdate(version, Date.now())) },
      ],
    });
    await waitFor(
      async () => {
        await analyst.goto(`${stack.url}/models?v=${version}`);
        return (await analyst.locator(`tr[data-version="${version}"]`).count()) > 0;
      },
      { timeoutMs: 30_000, intervalMs: 500, what: 'the bootstrap model on the Models page' },
    );
    expect(await analyst.getByText("not in this version's metadata").count()).toBe(0);
    const cells = await analyst.locator('[data-testid=confusion] td').allTextContents();
    expect(cells).toEqual(['43', '7', '5', '9100']);
    for (const chart of ['pr-curve', 'cost-curve', 'importance-chart'])
      await analyst.locator(`[data-testid=${chart}] canvas`).waitFor({ timeout: 15_000 });
    const thresholds = await text(analyst, 'thresholds');
    expect(thresholds).toMatch(/review ≥ 0\.2137, block ≥ 0\.9231/);
    const numbers = thresholds.match(/\d+\.\d+/g) ?? [];
    for (const n of numbers) expect(n.replace(/^0\.0*/, '').length).toBeLessThanOrEqual(4);
    await shot(analyst, 'first-hour-models');
  });

  it('explore: every panel shows its answer or progress, never a blank wait', async () => {
    // A full page load: the answers are streamed into the page after its first bytes.
    const panels = analyst.locator('[data-testid=explore-panel]');
    const t0 = Date.now();
    await analyst.goto(`${stack.url}/explore`);
    expect(await panels.count()).toBe(5);
    for (const state of await panels.evaluateAll((els) => els.map((e) => e.getAttribute('data-state'))))
      expect(['asking', 'answered', 'empty']).toContain(state);
    await waitFor(
      async () => await panels.evaluateAll((els) => els.every((e) => e.getAttribute('data-state') !== 'asking')),
      { timeoutMs: 30_000, intervalMs: 50, what: 'every Explore panel answered' },
    );
    metrics.exploreAllPanelsMs = Date.now() - t0;
    // The live test's decisions (no labels): every panel but the labelled typologies has an answer.
    const states = await panels.evaluateAll((els) => els.map((e) => e.getAttribute('data-state')));
    expect(states).toEqual(['answered', 'answered', 'answered', 'empty', 'answered']);
    await waitFor(async () => (await analyst.locator('[data-testid=explore-panel] canvas').count()) === 4, {
      timeoutMs: 15_000,
      what: 'a chart in each answered panel',
    });
    await shot(analyst, 'first-hour-explore');
    console.log('[web] measured (first hour)', metrics);
  });
});
