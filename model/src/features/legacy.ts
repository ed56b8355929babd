import { compileFeatureSpec, type CompiledFeatureSpec } from './engine/compile.ts';
import { loadFeatureSpec } from './spec/load.ts';

/**
 * The fs-v2 spec compiled with the feature options of the pre-spec API (retention, events per
 * account, payees). One compiled spec per distinct options, made on first use.
 */
export interface LegacyOptions {
  retentionMs: number;
  maxEventsPerAccount: number;
  maxPayees: number;
}

const compiled = new Map<string, CompiledFeatureSpec>();

export function fsV2(o: LegacyOptions): CompiledFeatureSpec {
  const key = `${o.retentionMs}/${o.maxEventsPerAccount}/${o.maxPayees}`;
  let c = compiled.get(key);
  if (c === undefined) {
    c = compileFeatureSpec(loadFeatureSpec('fs-v2'), {
      bounds: { retentionMs: o.retentionMs, maxEvents: o.maxEventsPerAccount, maxDistinct: o.maxPayees },
    });
    compiled.set(key, c);
  }
  return c;
}
