import { FraudError } from '@fraud/common';
import { app } from '$lib/server/context.ts';
import { requireRole } from '$lib/server/auth/roles.ts';
import { act } from '$lib/server/http/errors.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ url }) => {
  const ctx = app();
  const [models, history, champion] = await Promise.all([
    ctx.models.list(),
    ctx.models.history(20),
    ctx.models.champion(),
  ]);
  const selected = url.searchParams.get('v') ?? champion ?? models[0]?.version ?? null;
  return { models, history, champion, selected };
};

async function publishChampion(request: Request, user: App.Locals['user'], action: 'model.promote' | 'model.rollback') {
  const admin = requireRole(user, 'admin');
  const form = await request.formData();
  const version = String(form.get('version') ?? '');
  if (form.get('confirm') !== version) throw new FraudError('BAD_REQUEST', `type the version (${version}) to confirm`);
  await app().models.promote(version, admin.name, action);
  return { message: `${version} published as champion; scorers swap to it as they read model-updates` };
}

export const actions: Actions = {
  promote: ({ request, locals }) => act(() => publishChampion(request, locals.user, 'model.promote')),
  rollback: ({ request, locals }) => act(() => publishChampion(request, locals.user, 'model.rollback')),
};
