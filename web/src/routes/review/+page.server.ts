import { app } from '$lib/server/context.ts';
import { CASE_STATUSES, type CaseFilter } from '$lib/server/cases/case-store.ts';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ url, locals }) => {
  const ctx = app();
  const statusParam = url.searchParams.get('status') ?? 'ACTIVE';
  const status =
    statusParam === 'ACTIVE' || (CASE_STATUSES as readonly string[]).includes(statusParam)
      ? (statusParam as CaseFilter['status'])
      : 'ACTIVE';
  const d = url.searchParams.get('decision');
  const decision = d === 'REVIEW' || d === 'BLOCK' ? d : undefined;
  const mine = url.searchParams.get('mine') === '1';
  const [cases, counts] = await Promise.all([
    ctx.cases.list({ status, decision, assignedTo: mine ? locals.user!.name : undefined, limit: 200 }),
    ctx.cases.counts(),
  ]);
  return { cases, counts, filter: { status, decision: decision ?? '', mine } };
};
