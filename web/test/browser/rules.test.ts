import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@fraud/common';
import { CONTROL_KEYS, type Label, type ScoredTransaction } from '@fraud/schemas';
import type { ScorerService } from '@fraud/scorer';
import type { Page } from 'playwright-core';
import { screenshotsDir, startStack, type Stack } from './harness.ts';
import { rng, startScorer, trainTinyModel, transaction } from './pipeline.ts';

/**
 * The Rules page on the real pipeline (broker, registry, real scorer, warehouse sink, built
 * console, Chromium): an analyst writes a rule and sees the type checker's error at its position,
 * backtests it on the warehouse, proposes it; a viewer (and the analyst) are refused publishing;
 * an admin publishes it and the scored stream then names the rule on the payments it fires on;
 * the review page shows the rule's expression; disable and rollback publish new records.
 */
let stack: Stack;
let scorer: ScorerService | undefined;
let analyst: Page;
const RULE = 'drain-transfer';
const r = rng(1234);

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(screenshotsDir, `${name}.png`), fullPage: true });

const text = async (page: Page, testid: string): Promise<string> =>
  ((await page.locator(`[data-testid=${testid}]`).first().textContent()) ?? '').trim();

/** Publishes transactions (fraud: a TRANSFER emptying the origin) and, for the history, their labels. */
async function sendPayments(prefix: string, n: number, labelled: boolean): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const fraud = i % 3 === 0;
    const tx = transaction(`${prefix}-${i}`, fraud, r, Date.now() - 60_000 + i);
    ids.push(tx.txId);
    await stack.producer.send({
      topic: stack.topics.transactions,
      acks: -1,
      messages: [{ key: tx.originAccount, value: stack.codecs.transaction.encode(tx) }],
    });
    if (!labelled) continue;
    const label: Label = {
      txId: tx.txId,
      isFraud: fraud,
      source: 'SIMULATION',
      labeledAt: Date.now(),
      note: null,
      typology: fraud ? 'drain' : null,
      author: null,
    };
    await stack.producer.send({
      topic: stack.topics.labels,
      acks: -1,
      messages: [{ key: tx.txId, value: stack.codecs.label.encode(label) }],
    });
  }
  return ids;
}

/** POSTs a form action as the page's user (same origin, as an enhanced form does); status and body. */
async function postAction(page: Page, action: string, fields: Record<string, string>) {
  return page.evaluate(
    async ({ action, fields }) => {
      const body = new FormData();
      for (const [k, v] of Object.entries(fields)) body.set(k, v);
      const res = await fetch(`/rules?/${action}`, {
        method: 'POST',
        body,
        headers: { 'x-sveltekit-action': 'true', accept: 'application/json' },
      });
      return { status: res.status, body: await res.text() };
    },
    { action, fields },
  );
}

beforeAll(async () => {
  stack = await startStack({ ann: 'analyst', vic: 'viewer', ada: 'admin' });
  const update = await trainTinyModel('tiny-rules-1');
  await stack.producer.send({
    topic: stack.topics.modelUpdates,
    messages: [{ key: 'champion', value: stack.codecs.modelUpdate.encode(update) }],
  });
  scorer = await startScorer(stack.prefix);
  // History for the backtest: scored by the real scorer, stored by the warehouse sink, labelled.
  const scoredReader = await stack.consume(stack.topics.scored);
  await sendPayments('hist', 30, true);
  await waitFor(() => scoredReader.messages.length >= 30, {
    timeoutMs: 180_000,
    intervalMs: 200,
    what: 'the real scorer to score the 30 payments of the history',
  });
  await scoredReader.stop();
  analyst = (await stack.newUserContext('ann')).page;
});

afterAll(async () => {
  await scorer?.stop();
  await stack?.stop();
});

describe('Rules page', () => {
  let draftId = '';

  it('shows a type error at its line:column, then backtests the fixed rule on the warehouse', async () => {
    await analyst.goto(`${stack.url}/rules`);
    await analyst.locator('[data-testid=no-rule-set]').waitFor();
    await analyst.fill('[data-testid=rule-name]', RULE);
    await analyst.selectOption('[data-testid=rule-action]', 'BLOCK');
    await analyst.fill('[data-testid=rule-expression]', "type = 'TRANSFER'\n  and amout >= 100000");
    await analyst.click('[data-testid=check-rule]');
    const err = analyst.locator('[data-testid=rule-error]').first();
    await err.waitFor({ timeout: 15_000 });
    expect(await err.getAttribute('data-line')).toBe('2');
    expect(await err.getAttribute('data-column')).toBe('7');
    expect(await err.textContent()).toContain('amout');
    // The cursor is put on the offending name.
    const caret = await analyst.$eval(
      '[data-testid=rule-expression]',
      (t) => (t as HTMLTextAreaElement).selectionStart,
    );
    expect(caret).toBe("type = 'TRANSFER'\n  and ".length);
    await shot(analyst, 'rules-error');

    await analyst.fill('[data-testid=rule-expression]', "type = 'TRANSFER'\n  and amount >= 100000");
    await analyst.click('[data-testid=check-rule]');
    await analyst.locator('[data-testid=action-result]', { hasText: 'checks: no problems' }).waitFor();
    expect(await analyst.locator('[data-testid=rule-error]').count()).toBe(0);

    // The history reaches the warehouse asynchronously: backtest until its labelled fraud shows.
    await waitFor(
      async () => {
        await analyst.click('[data-testid=backtest-rule]');
        await analyst.locator('[data-testid=backtest]').waitFor({ timeout: 30_000 });
        return Number(await text(analyst, 'bt-fraud')) >= 10;
      },
      { timeoutMs: 60_000, intervalMs: 1_000, what: 'the backtest to find the 10 labelled drains of the history' },
    );
    expect(Number(await text(analyst, 'bt-payments'))).toBe(10);
    expect(Number(await text(analyst, 'bt-false-positives'))).toBe(0);
    expect(Number(await text(analyst, 'bt-overlap'))).toBeGreaterThanOrEqual(0);
    expect(await analyst.locator('[data-testid=bt-examples] tbody tr').count()).toBe(10);
    expect(await analyst.locator('[data-testid=bt-examples]').textContent()).toContain('TRANSFER');
    await shot(analyst, 'rules-backtest');

    await analyst.click('[data-testid=propose-rule]');
    await analyst.locator('[data-testid=action-result]', { hasText: 'proposed' }).waitFor();
    const row = analyst.locator('[data-testid=drafts] tr[data-draft]').first();
    await row.waitFor();
    draftId = (await row.getAttribute('data-draft')) ?? '';
    expect(await row.textContent()).toContain('PROPOSED');
  }, 120_000);

  it('refuses publishing to a viewer and to an analyst (403 with the reason)', async () => {
    const { page: viewer } = await stack.newUserContext('vic');
    await viewer.goto(`${stack.url}/rules`);
    await viewer.locator('[data-testid=read-only]').waitFor();
    expect(await viewer.locator('[data-testid=publish-draft]').count()).toBe(0);
    expect(await viewer.locator('[data-testid=propose-rule]').count()).toBe(0);
    const asViewer = await postAction(viewer, 'publish', { draft: draftId });
    expect(asViewer.status).toBe(403);
    expect(asViewer.body).toContain('may only read');

    expect(await analyst.locator('[data-testid=publish-draft]').count()).toBe(0);
    const asAnalyst = await postAction(analyst, 'publish', { draft: draftId });
    expect(asAnalyst.status).toBe(403);
    expect(asAnalyst.body).toContain('needs the admin role');
  });

  it('an admin publishes; the scored stream then names the rule; the review page shows why', async () => {
    const control = await stack.consume(stack.topics.control);
    const scoredReader = await stack.consume(stack.topics.scored);
    const { page: admin } = await stack.newUserContext('ada');
    await admin.goto(`${stack.url}/rules`);
    // The admin backtests the proposed draft (the whole rule set it would put in force) first.
    await admin.click(`tr[data-draft="${draftId}"] [data-testid=backtest-draft]`);
    await admin.locator('[data-testid=backtest] h3', { hasText: `draft ${draftId}` }).waitFor({ timeout: 30_000 });
    expect(Number(await text(admin, 'bt-payments'))).toBe(10);
    await admin.click(`tr[data-draft="${draftId}"] [data-testid=publish-draft]`);
    await admin.locator('[data-testid=action-result]', { hasText: 'version 1 published' }).waitFor();
    expect(await text(admin, 'live-version')).toBe('version 1');
    await waitFor(() => control.messages.some((m) => m.key === CONTROL_KEYS.ruleSet), {
      timeoutMs: 15_000,
      what: 'the rule set on the control topic',
    });
    expect(control.messages.map((m) => m.key)).toEqual(expect.arrayContaining(['rule-set@1', 'rule-set']));

    // Payments sent after publication: the scorer applies the rule set at a batch boundary.
    // The scorer reads control beside the payments: a batch scored before it read the rule set is
    // correct without the rule, so fresh payments follow every few seconds until one names it.
    const decoded: ScoredTransaction[] = [];
    const ids: string[] = [];
    let sentAt = 0;
    const fired = await waitFor(
      async () => {
        if (Date.now() - sentAt > 5_000) {
          sentAt = Date.now();
          ids.push(...(await sendPayments(`after-${sentAt}`, 3, false)));
        }
        while (decoded.length < scoredReader.messages.length)
          decoded.push(await stack.codecs.scored.decode(scoredReader.messages[decoded.length]!.value));
        return decoded.find((s) => ids.includes(s.transaction.txId) && s.rulesFired.includes(RULE));
      },
      { timeoutMs: 60_000, intervalMs: 200, what: `a scored payment published after the rule set naming ${RULE}` },
    );
    expect(fired.decision).toBe('BLOCK');
    expect(fired.ruleSetVersion).toBe(1);

    // The review page says which rule fired and why.
    await waitFor(
      async () => {
        await admin.goto(`${stack.url}/review/${fired.transaction.txId}`);
        return (await admin.locator(`[data-testid=rules-fired] tr[data-rule="${RULE}"]`).count()) > 0;
      },
      { timeoutMs: 30_000, intervalMs: 500, what: 'the case with its fired rule' },
    );
    expect(await admin.locator(`[data-testid=rules-fired] tr[data-rule="${RULE}"]`).textContent()).toContain(
      "type = 'TRANSFER'",
    );
    await shot(admin, 'rules-review-case');

    // The rules table counts the rule's hits of the last 24 h once the warehouse has them.
    await waitFor(
      async () => {
        await admin.goto(`${stack.url}/rules`);
        const hits = admin.locator(`[data-testid=rules] tr[data-rule="${RULE}"] [data-testid=hits]`);
        await hits.waitFor({ timeout: 15_000 });
        return Number(await hits.textContent()) >= 1;
      },
      { timeoutMs: 60_000, intervalMs: 1_000, what: 'the rule hit count of the last 24 h' },
    );
    await shot(admin, 'rules-page');

    // Disable (version 2), then roll back to version 1.
    await admin.click(`[data-testid=rules] tr[data-rule="${RULE}"] [data-testid=toggle-rule]`);
    await admin.locator('[data-testid=action-result]', { hasText: 'version 2 published' }).waitFor();
    expect(await admin.locator(`[data-testid=rules] tr[data-rule="${RULE}"]`).textContent()).toContain('disabled');
    await admin.click('[data-testid=versions] tr[data-version="1"] [data-testid=rollback]');
    await admin.locator('[data-testid=action-result]', { hasText: 'version 1 is in force again' }).waitFor();
    expect(await text(admin, 'live-version')).toBe('version 1');
    const audit = (await admin.locator('[data-testid=rules-audit]').textContent()) ?? '';
    for (const a of ['rules.propose', 'rules.publish', 'rules.disable', 'rules.rollback']) expect(audit).toContain(a);
  }, 180_000);
});
