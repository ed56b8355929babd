import { error } from '@sveltejs/kit';
import { errorMessage, FraudError } from '@fraud/common';
import { app } from '$lib/server/context.ts';
import { requireRole } from '$lib/server/auth/roles.ts';
import { act } from '$lib/server/http/errors.ts';
import { buildAnalystLabel } from '$lib/server/kafka/publisher.ts';
import { explainFired } from '$lib/server/rules/explain.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ params }) => {
  const ctx = app();
  const found = await ctx.cases.get(params.txId);
  if (!found) error(404, { message: `no review case for transaction ${params.txId}` });
  // The account history comes from the warehouse and is streamed: the case is usable before it arrives.
  const history = ctx.warehouse.accountHistory(found.originAccount, 30).then(
    (rows) => ({ rows, error: null as string | null }),
    (err: unknown) => ({ rows: [], error: errorMessage(err) }),
  );
  const fired = explainFired(ctx.rules.state, found.scored);
  return { case: found, audit: await ctx.audit.forSubject(params.txId), history, fired };
};

const NOTE_MAX = 2000;

export const actions: Actions = {
  assign: ({ params, locals }) =>
    act(async () => {
      const user = requireRole(locals.user, 'analyst');
      await app().cases.assign(params.txId, user.name, user.name);
      return { message: 'assigned to you' };
    }),
  unassign: ({ params, locals }) =>
    act(async () => {
      const user = requireRole(locals.user, 'analyst');
      await app().cases.assign(params.txId, user.name, null);
      return { message: 'returned to the queue' };
    }),
  verdict: ({ params, locals, request }) =>
    act(async () => {
      const user = requireRole(locals.user, 'analyst');
      const form = await request.formData();
      const verdict = form.get('verdict');
      if (verdict !== 'FRAUD' && verdict !== 'LEGIT')
        throw new FraudError('BAD_REQUEST', 'verdict must be FRAUD or LEGIT');
      const note = String(form.get('note') ?? '');
      if (note.length > NOTE_MAX) throw new FraudError('BAD_REQUEST', `note too long: at most ${NOTE_MAX} characters`);
      const ctx = app();
      const label = buildAnalystLabel({ txId: params.txId, isFraud: verdict === 'FRAUD', author: user.name, note });
      await ctx.cases.close(params.txId, user.name, label, ctx.publisher.label);
      return { message: `marked ${verdict === 'FRAUD' ? 'fraud' : 'legitimate'}; label published` };
    }),
};
