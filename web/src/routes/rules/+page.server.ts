import { fail } from '@sveltejs/kit';
import { errorMessage, FraudError } from '@fraud/common';
import { formatProblem, type RuleProblem } from '@fraud/model/rules';
import { app } from '$lib/server/context.ts';
import { requireRole } from '$lib/server/auth/roles.ts';
import { act } from '$lib/server/http/errors.ts';
import { RULES_SUBJECT } from '$lib/server/rules/drafts.ts';
import {
  aloneWith,
  checkDraft,
  draftWith,
  parseEditedRule,
  parseWindow,
  WINDOWS,
} from '$lib/server/rules/rule-form.ts';
import type { RuleHitCount } from '$lib/server/rules/rule-warehouse.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async () => {
  const ctx = app();
  const { state, drafts } = ctx.rules;
  const now = Date.now();
  // Hit counts come from the warehouse and are streamed: the rules and the editor work without it.
  const hits = ctx.rules.warehouse.hits(now - WINDOWS['24h'], now).then(
    (m) => ({ byRule: Object.fromEntries(m) as Record<string, RuleHitCount>, error: null as string | null }),
    (err: unknown) => ({ byRule: {} as Record<string, RuleHitCount>, error: errorMessage(err) }),
  );
  const features = await ctx.rules.features();
  return {
    current: state.current(),
    versions: state.versions().map((v) => ({
      version: v.version,
      publishedBy: v.publishedBy,
      publishedAt: v.publishedAt,
      rules: v.rules.map((r) => `${r.name}${r.enabled ? '' : ' (disabled)'}`),
    })),
    drafts: await drafts.list(),
    audit: (await ctx.audit.forSubject(RULES_SUBJECT)).slice(-30).reverse(),
    features: {
      names: features.catalogue.features === 'any' ? [] : [...features.catalogue.features],
      model: features.model,
    },
    hits,
  };
};

/** A refused rule set: 400 with every problem, shown at its line:column in the editor. */
type AppContext = ReturnType<typeof app>;
type BacktestRequest = Parameters<AppContext['rules']['warehouse']['backtest']>[0];

/** A rule set backtested over a window, on the features of the model in force. */
async function backtestOver(
  ctx: AppContext,
  ruleSet: BacktestRequest['ruleSet'],
  window: { from: number; to: number },
) {
  const f = await ctx.rules.features();
  return ctx.rules.warehouse.backtest({
    ruleSet,
    from: window.from,
    to: window.to,
    featureSet: f.catalogue.featureSet,
    featureNames: f.featureNames,
  });
}

function refused(kind: string, problems: RuleProblem[]) {
  return fail(400, { kind, code: 'RULE_INVALID', message: problems.map(formatProblem).join('\n'), problems });
}

export const actions: Actions = {
  check: ({ request, locals }) =>
    act(async () => {
      requireRole(locals.user, 'analyst');
      const ctx = app();
      const edited = parseEditedRule(await request.formData());
      const checked = checkDraft(draftWith(ctx.rules.state.current(), edited), (await ctx.rules.features()).catalogue);
      if (!checked.ok) return refused('check', checked.problems);
      return { kind: 'check', message: `rule ${edited.name} checks: no problems` };
    }),
  backtest: ({ request, locals }) =>
    act(async () => {
      requireRole(locals.user, 'analyst');
      const ctx = app();
      const form = await request.formData();
      const edited = parseEditedRule(form);
      const window = parseWindow(form, Date.now());
      const answer = await backtestOver(ctx, aloneWith(ctx.rules.state.current(), edited), window);
      if (!answer.ok) return refused('backtest', answer.problems);
      return {
        kind: 'backtest',
        message: `backtest of ${edited.name} over the ${window.label}`,
        report: answer.report,
      };
    }),
  /** A proposed draft (the whole rule set it would put in force) over the last 24 h or 7 days. */
  backtestDraft: ({ request, locals }) =>
    act(async () => {
      requireRole(locals.user, 'analyst');
      const ctx = app();
      const form = await request.formData();
      const draft = await ctx.rules.drafts.get(String(form.get('draft') ?? ''));
      const window = parseWindow(form, Date.now());
      const answer = await backtestOver(ctx, draft.ruleSet, window);
      if (!answer.ok) return refused('backtest', answer.problems);
      return {
        kind: 'backtest',
        message: `backtest of draft ${draft.id} (${draft.ruleSet.rules.length} rules) over the ${window.label}`,
        report: answer.report,
      };
    }),
  propose: ({ request, locals }) =>
    act(async () => {
      const user = requireRole(locals.user, 'analyst');
      const ctx = app();
      const form = await request.formData();
      const edited = parseEditedRule(form);
      const checked = checkDraft(draftWith(ctx.rules.state.current(), edited), (await ctx.rules.features()).catalogue);
      if (!checked.ok) return refused('propose', checked.problems);
      const draft = await ctx.rules.drafts.propose(
        user.name,
        checked.ruleSet,
        String(form.get('note') ?? ''),
        {
          rule: edited.name,
          action: edited.action,
          expression: edited.expression,
        },
        ctx.rules.state.current()?.version ?? null,
      );
      return { kind: 'propose', message: `draft ${draft.id} proposed: an admin publishes it` };
    }),
  publish: ({ request, locals }) =>
    act(async () => {
      const admin = requireRole(locals.user, 'admin');
      const id = String((await request.formData()).get('draft') ?? '');
      const set = await app().rules.publishing.publishDraft(admin.name, id);
      return {
        kind: 'publish',
        message: `rule set version ${set.version} published: scorers apply it at their next batch`,
      };
    }),
  disable: ({ request, locals }) => toggle(request, locals.user, false),
  enable: ({ request, locals }) => toggle(request, locals.user, true),
  rollback: ({ request, locals }) =>
    act(async () => {
      const admin = requireRole(locals.user, 'admin');
      const n = Number((await request.formData()).get('version'));
      if (!Number.isInteger(n) || n < 1) throw new FraudError('BAD_REQUEST', 'choose a version to roll back to');
      const set = await app().rules.publishing.rollback(admin.name, n);
      return { kind: 'rollback', message: `rolled back: version ${set.version} is in force again` };
    }),
};

function toggle(request: Request, user: App.Locals['user'], enabled: boolean) {
  return act(async () => {
    const admin = requireRole(user, 'admin');
    const name = String((await request.formData()).get('rule') ?? '');
    const set = await app().rules.publishing.setEnabled(admin.name, name, enabled);
    return {
      kind: enabled ? 'enable' : 'disable',
      message: `rule ${name} ${enabled ? 'enabled' : 'disabled'}: version ${set.version} published`,
    };
  });
}
