import { FraudError, errorMessage } from '@fraud/common';
import type { BacktestReport, RuleProblem } from '@fraud/model/rules';

/** A rule's hits over a window, from the rulesFired the scorer stored on each decision. */
export interface RuleHitCount {
  payments: number;
  amount: number;
  fraud: number;
}

export interface BacktestInput {
  /** A draft rule set as JSON; the warehouse checks it before compiling it. */
  ruleSet: unknown;
  from: number;
  to: number;
  featureSet: string | null;
  featureNames: string[];
  examples?: number;
}

/** A backtest answer: the report, or the problems the warehouse's check found (400 RULE_INVALID). */
export type BacktestAnswer = { ok: true; report: BacktestReport } | { ok: false; problems: RuleProblem[] };

/**
 * The rule questions the console asks the warehouse sink's API: hit counts per rule (question
 * rule-hits) and backtests (POST /api/backtest, which checks the rule set and binds every string).
 */
export function createRuleWarehouse(opts: { baseUrl: string; fetch?: typeof fetch; timeoutMs?: number }) {
  const doFetch = opts.fetch ?? fetch;
  const base = opts.baseUrl.replace(/\/$/, '');
  const call = async (path: string, init: RequestInit, timeoutMs: number): Promise<Response> => {
    try {
      return await doFetch(base + path, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (err: unknown) {
      throw new FraudError(
        'WAREHOUSE_FAILED',
        `the warehouse API at ${base} did not answer (${errorMessage(err)}); is the warehouse sink running ` +
          `(fraud sinks run warehouse)?`,
        { cause: err, retriable: true },
      );
    }
  };
  const failed = async (res: Response, what: string) =>
    new FraudError(
      'WAREHOUSE_FAILED',
      `${what}: the warehouse answered ${res.status}: ${(await res.text()).slice(0, 300)}`,
      {
        retriable: res.status >= 500,
      },
    );
  return {
    /** Per rule name: payments (and their amount, labelled fraud) on which it fired in [from, to). */
    async hits(from: number, to: number): Promise<Map<string, RuleHitCount>> {
      const res = await call(
        `/api/questions/rule-hits?from=${from}&to=${to}`,
        { headers: { accept: 'application/json' } },
        opts.timeoutMs ?? 5_000,
      );
      if (!res.ok) throw await failed(res, 'rule hit counts');
      const body = (await res.json()) as { rows?: Record<string, unknown>[] };
      return perRule(body.rows ?? []);
    },
    async backtest(input: BacktestInput): Promise<BacktestAnswer> {
      const res = await call(
        '/api/backtest',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ examples: 10, ...input }),
        },
        opts.timeoutMs ?? 60_000,
      );
      if (res.status === 400) {
        const body = (await res.json()) as { message?: string; problems?: RuleProblem[] };
        if (Array.isArray(body.problems)) return { ok: false, problems: body.problems };
        throw new FraudError('BAD_REQUEST', `backtest refused: ${body.message ?? 'bad request'}`);
      }
      if (!res.ok) throw await failed(res, 'backtest');
      return { ok: true, report: (await res.json()) as BacktestReport };
    },
  };
}
export type RuleWarehouse = ReturnType<typeof createRuleWarehouse>;

/** Splits the rule-hits rows (one per combination of rules fired) into counts per rule. */
export function perRule(rows: readonly Record<string, unknown>[]): Map<string, RuleHitCount> {
  const out = new Map<string, RuleHitCount>();
  for (const row of rows) {
    const payments = Number(row.payments ?? 0);
    const amount = Number(row.amount ?? 0);
    const fraud = Number(row.fraud ?? 0);
    for (const name of String(row.rules ?? '').split(',')) {
      if (name === '') continue;
      const h = out.get(name) ?? { payments: 0, amount: 0, fraud: 0 };
      out.set(name, { payments: h.payments + payments, amount: h.amount + amount, fraud: h.fraud + fraud });
    }
  }
  return out;
}
