import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@fraud/common';
import { CONTROL_KEYS } from '@fraud/schemas';
import type { Page } from 'playwright-core';
import { repoRoot, screenshotsDir, startStack, type Stack } from './harness.ts';
import { expectedWhatIf, modelUpdate, scored } from './fixtures.ts';

/**
 * The console in Chromium against the real broker, registry, live and warehouse sinks, and the
 * built server. Measurements (page load, live latency) go to test-artifacts/web-metrics.json.
 */
const metrics: Record<string, number> = {};
let stack: Stack;
let analyst: Page;

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(screenshotsDir, `${name}.png`), fullPage: true });

/** Reloads `path` until `selector` is on the page (server-rendered lists fill as consumers catch up). */
async function reloadUntil(page: Page, path: string, selector: string, what: string): Promise<void> {
  await waitFor(
    async () => {
      await page.goto(stack.url + path);
      return (await page.locator(selector).count()) > 0;
    },
    { timeoutMs: 30_000, intervalMs: 500, what },
  );
}

beforeAll(async () => {
  stack = await startStack({ ann: 'analyst', vic: 'viewer', root: 'admin' });
  analyst = (await stack.newUserContext('ann')).page;
});

afterAll(async () => {
  writeFileSync(join(repoRoot, 'test-artifacts', 'web-metrics.json'), JSON.stringify(metrics, null, 2));
  console.log('[web] measured', metrics);
  await stack?.stop();
});

describe('console in a real browser', () => {
  it('live page: loads fast and shows a published decision within 2 s', async () => {
    const page = await analyst.context().newPage();
    const t0 = Date.now();
    await page.goto(`${stack.url}/live`);
    await page.locator('[data-testid=feed-status].ok').waitFor({ timeout: 15_000 });
    metrics.liveFirstUsableMs = Date.now() - t0;
    const nav = await page.evaluate(() => {
      const e = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      return { ttfb: e.responseStart, dcl: e.domContentLoadedEventEnd, load: e.loadEventEnd };
    });
    metrics.liveTtfbMs = Math.round(nav.ttfb);
    metrics.liveDomContentLoadedMs = Math.round(nav.dcl);
    metrics.liveLoadMs = Math.round(nav.load);

    // Warm-up record: the sink's consumer group is joined and caught up once it shows.
    await stack.producer.send({
      topic: stack.topics.scored,
      messages: [{ key: 'C1000', value: stack.codecs.scored.encode(scored('tx-warmup', 'REVIEW', 0.7, 'C1000')) }],
    });
    await page.locator('[data-txid="tx-warmup"]').waitFor({ timeout: 30_000 });

    const txId = `tx-live-${Date.now()}`;
    const published = Date.now();
    await stack.producer.send({
      topic: stack.topics.scored,
      acks: -1,
      messages: [{ key: 'C1001', value: stack.codecs.scored.encode(scored(txId, 'BLOCK', 0.97)) }],
    });
    await page.locator(`[data-txid="${txId}"]`).waitFor({ timeout: 2_000 });
    metrics.liveUpdateLatencyMs = Date.now() - published;
    await expect(page.locator(`[data-txid="${txId}"]`)).toBeTruthy();
    expect(await page.locator(`[data-txid="${txId}"] .badge`).textContent()).toBe('BLOCK');
    expect(await page.locator(`[data-txid="${txId}"]`).textContent()).toContain('amountToBalance');

    // Pause holds the table still; filters narrow it.
    await page.click('[data-testid=pause]');
    await stack.producer.send({
      topic: stack.topics.scored,
      messages: [
        { key: 'C1002', value: stack.codecs.scored.encode(scored('tx-while-paused', 'REVIEW', 0.6, 'C1002')) },
      ],
    });
    await waitFor(async () => Number(await page.locator('[data-testid=kpi-received]').textContent()) >= 3, {
      timeoutMs: 10_000,
      what: 'the paused page to receive the record',
    });
    expect(await page.locator('[data-txid="tx-while-paused"]').count()).toBe(0);
    await page.click('[data-testid=pause]');
    await page.selectOption('[data-testid=filter-decision]', 'BLOCK');
    expect(await page.locator('[data-txid="tx-warmup"]').count()).toBe(0);
    await page.selectOption('[data-testid=filter-decision]', '');
    await shot(page, 'live');
    await page.close();
  });

  it('review queue: an analyst verdict publishes the Label on Kafka and closes the case', async () => {
    const txId = `tx-case-${Date.now()}`;
    await stack.producer.send({
      topic: stack.topics.scored,
      messages: [{ key: 'C2001', value: stack.codecs.scored.encode(scored(txId, 'BLOCK', 0.95, 'C2001')) }],
    });
    const labels = await stack.consume(stack.topics.labels);

    await reloadUntil(analyst, '/review', `tr[data-txid="${txId}"]`, 'the case in the queue');
    await shot(analyst, 'review-queue');
    await analyst.click(`tr[data-txid="${txId}"] a`);
    await analyst.click('[data-testid=assign]');
    await analyst.locator('[data-testid=action-result]').waitFor();
    await analyst.fill('[data-testid=note]', 'mule account, confirmed with the customer');
    await shot(analyst, 'review-case');
    await analyst.click('[data-testid=verdict-fraud]');
    await analyst.locator('[data-testid=case-status]', { hasText: 'CLOSED' }).waitFor({ timeout: 10_000 });

    const msg = await waitFor(() => labels.messages.find((m) => m.key === txId), {
      timeoutMs: 15_000,
      what: 'the analyst label on the labels topic',
    });
    const label = await stack.codecs.label.decode(msg.value);
    expect(label).toMatchObject({
      txId,
      isFraud: true,
      source: 'ANALYST',
      author: 'ann',
      note: 'mule account, confirmed with the customer',
    });
    expect(Math.abs(label.labeledAt - Date.now())).toBeLessThan(60_000);
    const trail = await analyst.locator('[data-testid=audit]').textContent();
    expect(trail).toContain('case.assign');
    expect(trail).toContain('case.verdict');
    await labels.stop();
  });

  it('a viewer cannot act: the server answers 403, not only a hidden button', async () => {
    const txId = `tx-viewer-${Date.now()}`;
    await stack.producer.send({
      topic: stack.topics.scored,
      messages: [{ key: 'C3001', value: stack.codecs.scored.encode(scored(txId, 'REVIEW', 0.66, 'C3001')) }],
    });
    const { page: viewer, context } = await stack.newUserContext('vic');
    await reloadUntil(viewer, `/review/${txId}`, '[data-testid=case-txid]', 'the case page for the viewer');
    expect(await viewer.locator('[data-testid=verdict-fraud]').count()).toBe(0);

    const statuses = await viewer.evaluate(async (id) => {
      const form = new FormData();
      form.set('verdict', 'FRAUD');
      const action = await fetch(`/review/${id}?/verdict`, {
        method: 'POST',
        body: form,
        headers: { 'x-sveltekit-action': 'true' },
      });
      const api = await fetch(`/api/cases/${id}/verdict`, {
        method: 'POST',
        body: JSON.stringify({ verdict: 'FRAUD' }),
        headers: { 'content-type': 'application/json' },
      });
      const policy = await fetch('/policy?/apply', {
        method: 'POST',
        body: new FormData(),
        headers: { 'x-sveltekit-action': 'true' },
      });
      return [action.status, api.status, policy.status];
    }, txId);
    expect(statuses).toEqual([403, 403, 403]);

    // An analyst's session cookie from another site is refused too (CSRF), before any role check.
    const cookie = (await analyst.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const forged = await fetch(`${stack.url}/api/cases/${txId}/verdict`, {
      method: 'POST',
      headers: { cookie, origin: 'http://evil.example', 'content-type': 'application/json' },
      body: '{"verdict":"FRAUD"}',
    });
    expect(forged.status).toBe(403);

    await viewer.reload();
    expect(await viewer.locator('[data-testid=case-status]').textContent()).toBe('OPEN');
    await context.close();
  });

  it('models and policy: what-if numbers match the evaluation data; admin actions publish', async () => {
    const now = Date.now();
    await stack.producer.send({
      topic: stack.topics.modelUpdates,
      messages: [{ key: 'fraud', value: stack.codecs.modelUpdate.encode(modelUpdate('v-old', now - 60_000)) }],
    });
    await stack.producer.send({
      topic: stack.topics.modelUpdates,
      messages: [{ key: 'fraud', value: stack.codecs.modelUpdate.encode(modelUpdate('v-new', now)) }],
    });
    const { page: admin } = await stack.newUserContext('root');
    await reloadUntil(
      admin,
      '/models',
      'tr[data-version="v-old"] [data-testid="promote-v-old"]',
      'both model versions on the Models page',
    );
    expect(await admin.locator('tr[data-version="v-new"] .badge').textContent()).toBe('CHAMPION');
    // The version shown carries its feature spec: name@version, hash, features by kind.
    expect(await admin.locator('[data-testid=spec-id]').textContent()).toBe('console-v1@1');
    expect(await admin.locator('[data-testid=spec-hash]').textContent()).toBe('c0ffeec0ffeec0ff');
    expect(await admin.locator('[data-testid=feature-spec] th').allTextContents()).toEqual(['transaction', 'time']);
    await shot(admin, 'models');

    // Roll back, with the typed confirmation.
    const updates = await stack.consume(stack.topics.modelUpdates);
    await admin.click('[data-testid="promote-v-old"]');
    await admin.fill('[data-testid=confirm-input]', 'v-old');
    await admin.click('[data-testid=confirm-submit]');
    await admin.locator('[data-testid=action-result]').waitFor();
    await waitFor(
      async () => {
        for (const m of updates.messages.slice(2))
          if ((await stack.codecs.modelUpdate.decode(m.value)).version === 'v-old') return true;
        return false;
      },
      { timeoutMs: 15_000, what: 'the rollback ModelUpdate' },
    );
    await updates.stop();

    await admin.goto(`${stack.url}/policy?v=v-new`);
    const setRange = (testid: string, value: number) =>
      admin.locator(`[data-testid=${testid}]`).evaluate((el, v) => {
        const input = el as HTMLInputElement;
        input.value = String(v);
        input.dispatchEvent(new Event('input', { bubbles: true }));
      }, value);
    for (const [review, block] of [
      [0.42, 0.88],
      [0.3, 0.95],
    ] as const) {
      await setRange('block-slider', block);
      await setRange('review-slider', review);
      const want = expectedWhatIf(review, block);
      await waitFor(async () => (await admin.locator('[data-testid=wi-precision]').textContent()) === want.precision, {
        timeoutMs: 5_000,
        what: `precision ${want.precision}`,
      });
      expect(await admin.locator('[data-testid=wi-recall]').textContent()).toBe(want.recall);
      expect(await admin.locator('[data-testid=wi-review-count]').textContent()).toBe(want.reviewCount);
      expect(await admin.locator('[data-testid=wi-review-load]').textContent()).toBe(want.reviewPer1000);
    }
    await admin.fill('textarea[name=blockList]', 'C666\nC667');
    await shot(admin, 'policy');
    const control = await stack.consume(stack.topics.control);
    await admin.click('[data-testid=apply-policy]');
    const record = await waitFor(() => control.messages.find((m) => m.key === CONTROL_KEYS.decisionPolicy), {
      timeoutMs: 15_000,
      what: 'the decision policy on the control topic',
    });
    expect(JSON.parse(record.value.toString())).toMatchObject({
      reviewThreshold: 0.3,
      blockThreshold: 0.95,
      blockList: ['C666', 'C667'],
      updatedBy: 'root',
    });
    await control.stop();
    await reloadUntil(
      admin,
      '/policy',
      '[data-testid=live-block]:text("0.95")',
      'the applied policy read back from the control topic',
    );
  });

  it('every page renders (screenshots)', async () => {
    for (const [path, name] of [
      ['/backtests', 'backtests'],
      ['/explore', 'explore'],
      ['/admin', 'audit'],
    ] as const) {
      const res = await analyst.goto(stack.url + path);
      expect(res?.status()).toBe(200);
      await shot(analyst, name);
    }
    expect(await analyst.locator('[data-testid=backtests-unavailable]').count()).toBe(0); // analyst still on /admin
    await analyst.goto(`${stack.url}/explore`);
    expect(await analyst.locator('[data-testid=explore-panel]').count()).toBe(5);
    const loginPage = await analyst.context().browser()?.newPage();
    if (loginPage) await loginPage.close();
  });
});
