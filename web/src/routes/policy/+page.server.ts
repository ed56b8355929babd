import { decisionPolicySchema } from '@fraud/schemas';
import { app } from '$lib/server/context.ts';
import { requireRole } from '$lib/server/auth/roles.ts';
import { act } from '$lib/server/http/errors.ts';
import { parsePolicyForm } from '$lib/server/policy/policy-form.ts';
import { parseRetrainPolicyText } from '$lib/server/policy/retrain-form.ts';
import { whatIf, DEFAULT_COSTS } from '$lib/what-if.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ url }) => {
  const ctx = app();
  const models = await ctx.models.list();
  const champion = await ctx.models.champion();
  const withEval = models.filter((m) => m.evaluation !== null);
  const chosen = url.searchParams.get('v');
  const model =
    withEval.find((m) => m.version === chosen) ?? withEval.find((m) => m.version === champion) ?? withEval[0] ?? null;
  const audit = (await ctx.audit.forSubject('policy:decision')).slice(-20).reverse();
  return {
    policy: ctx.control.decisionPolicy(),
    hasPolicy: ctx.control.hasDecisionPolicy(),
    retrainPolicy: ctx.control.retrainPolicy(),
    champion,
    evaluationModels: withEval.map((m) => m.version),
    model: model ? { version: model.version, thresholds: model.thresholds, evaluation: model.evaluation } : null,
    audit,
  };
};

export const actions: Actions = {
  apply: ({ request, locals }) =>
    act(async () => {
      const admin = requireRole(locals.user, 'admin');
      const ctx = app();
      const parsed = parsePolicyForm(await request.formData());
      const policy = decisionPolicySchema.parse({ ...parsed, updatedBy: admin.name, updatedAt: Date.now() });
      // Record the expected effect next to the change, from the same evaluation the page showed.
      const models = await ctx.models.list();
      const champion = await ctx.models.champion();
      const model = models.find((m) => m.version === champion && m.evaluation) ?? models.find((m) => m.evaluation);
      const expected =
        model?.evaluation && policy.reviewThreshold !== null && policy.blockThreshold !== null
          ? whatIf(model.evaluation, policy.reviewThreshold, policy.blockThreshold, DEFAULT_COSTS)
          : null;
      await ctx.publisher.decisionPolicy(policy);
      await ctx.audit.record(admin.name, 'policy.apply', 'policy:decision', {
        policy: { ...policy, allowList: policy.allowList.length, blockList: policy.blockList.length },
        expected,
        model: model?.version ?? null,
      });
      return { message: 'decision policy published: scorers apply it as they read the control topic' };
    }),
  retrain: ({ request, locals }) =>
    act(async () => {
      const admin = requireRole(locals.user, 'admin');
      const value = parseRetrainPolicyText(String((await request.formData()).get('json') ?? ''), admin.name);
      const ctx = app();
      await ctx.publisher.retrainPolicy(value);
      await ctx.audit.record(admin.name, 'policy.retrain', 'policy:retrain', { policy: value });
      return { message: 'retrain policy published' };
    }),
};
