import type { SpecView } from '../../model-view.ts';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

const TIME_OPS = new Set(['hourOfDay', 'dayOfWeek', 'weekend', 'night']);
const LABEL_OPS = new Set(['fraudCount', 'fraudRate']);

/** The kind a spec feature is listed under: what it reads (docs/features.md). */
function kindOf(f: Json, entities: Map<string, string>): string {
  const op = String(f.op);
  const entity = str(f.entity);
  if (LABEL_OPS.has(op)) return `labels of ${entity ?? '?'} (${entities.get(entity ?? '') ?? '?'})`;
  if (entity !== null) return `history of ${entity} (${entities.get(entity) ?? '?'})`;
  if (TIME_OPS.has(op)) return 'time';
  return 'transaction';
}

/** One line per spec feature: its op and what parameterises it (window, field, values, filter). */
function detailOf(f: Json): string {
  const parts = [String(f.op)];
  for (const k of ['of', 'field', 'balance', 'window', 'direction', 'transform', 'prefix'] as const) {
    const v = str(f[k]);
    if (v !== null) parts.push(`${k === 'window' ? '' : `${k} `}${v}`);
  }
  if (Array.isArray(f.values)) parts.push(`[${f.values.map(String).join(', ')}]`);
  if (isObj(f.filter) && Array.isArray(f.filter.in))
    parts.push(`where ${String(f.filter.field)} in ${f.filter.in.map(String).join('/')}`);
  return parts.join(' ');
}

/**
 * The Models page's view of the feature spec in a model's metadata (featureSpec, featureSpecId,
 * featureSpecHash, written by the model pipeline), or null when the metadata has none.
 */
export function specViewFromMetadata(meta: Json): SpecView | null {
  const spec = meta.featureSpec;
  if (!isObj(spec) || !Array.isArray(spec.features)) return null;
  const entities = new Map<string, string>(
    isObj(spec.entities) ? Object.entries(spec.entities).map(([k, v]) => [k, String(v)]) : [],
  );
  const groups: SpecView['groups'] = [];
  for (const f of spec.features.filter(isObj)) {
    const kind = kindOf(f, entities);
    let group = groups.find((g) => g.kind === kind);
    if (group === undefined) groups.push((group = { kind, features: [] }));
    group.features.push({ name: String(f.name), detail: detailOf(f) });
  }
  const id = str(meta.featureSpecId) ?? `${String(spec.name)}@${String(spec.version)}`;
  return {
    id,
    hash: str(meta.featureSpecHash),
    entities: [...entities].map(([name, field]) => ({ name, field })),
    groups,
  };
}
