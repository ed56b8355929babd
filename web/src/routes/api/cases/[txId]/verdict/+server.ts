import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { errorMessage } from '@fraud/common';
import { app } from '$lib/server/context.ts';
import { requireRole } from '$lib/server/auth/roles.ts';
import { statusOf } from '$lib/server/http/errors.ts';
import { buildAnalystLabel } from '$lib/server/kafka/publisher.ts';
import type { RequestHandler } from './$types';

const bodySchema = z.object({ verdict: z.enum(['FRAUD', 'LEGIT']), note: z.string().max(2000).default('') });

/** JSON form of the verdict action (scripts, integrations). Same-origin and role checks apply. */
export const POST: RequestHandler = async ({ params, locals, request }) => {
  try {
    const user = requireRole(locals.user, 'analyst');
    const parsed = bodySchema.safeParse(await request.json().catch(() => null));
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
      return json({ message: `bad body: ${problems.join('; ')}` }, { status: 400 });
    }
    const ctx = app();
    const label = buildAnalystLabel({
      txId: params.txId,
      isFraud: parsed.data.verdict === 'FRAUD',
      author: user.name,
      note: parsed.data.note,
    });
    await ctx.cases.close(params.txId, user.name, label, ctx.publisher.label);
    return json({ ok: true, label });
  } catch (err: unknown) {
    return json({ message: errorMessage(err) }, { status: statusOf(err) });
  }
};
