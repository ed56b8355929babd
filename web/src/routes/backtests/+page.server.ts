import { errorMessage, FraudError } from '@fraud/common';
import { app } from '$lib/server/context.ts';
import { requireRole } from '$lib/server/auth/roles.ts';
import { act } from '$lib/server/http/errors.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ url }) => {
  const ctx = app();
  const models = (await ctx.models.list()).map((m) => m.version);
  if (!ctx.retrainer.configured)
    return {
      available: false as const,
      reason: 'RETRAINER_API_URL is not set: backtests run in the retrainer, which this console is not connected to.',
      models,
      backtests: [],
      compare: [],
    };
  try {
    const backtests = await ctx.retrainer.listBacktests();
    const ids = url.searchParams.getAll('compare');
    return {
      available: true as const,
      reason: null,
      models,
      backtests,
      compare: backtests.filter((b) => ids.includes(b.id)),
    };
  } catch (err: unknown) {
    return { available: false as const, reason: errorMessage(err), models, backtests: [], compare: [] };
  }
};

export const actions: Actions = {
  start: ({ request, locals }) =>
    act(async () => {
      const user = requireRole(locals.user, 'analyst');
      const form = await request.formData();
      const modelVersion = String(form.get('modelVersion') ?? '');
      const from = String(form.get('from') ?? '');
      const to = String(form.get('to') ?? '');
      if (!modelVersion) throw new FraudError('BAD_REQUEST', 'choose a model version');
      const fromMs = Date.parse(from);
      const toMs = Date.parse(to);
      if (Number.isNaN(fromMs) || Number.isNaN(toMs) || fromMs >= toMs)
        throw new FraudError('BAD_REQUEST', 'give a time range with from before to');
      const ctx = app();
      const started = await ctx.retrainer.startBacktest({
        modelVersion,
        from: fromMs,
        to: toMs,
        requestedBy: user.name,
      });
      await ctx.audit.record(user.name, 'backtest.start', `backtest:${started.id}`, {
        modelVersion,
        from: fromMs,
        to: toMs,
      });
      return { message: `backtest ${started.id} started` };
    }),
};
