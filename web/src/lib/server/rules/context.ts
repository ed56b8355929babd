import type { AuditLog } from '../db/audit.ts';
import type { Database } from '../db/database.ts';
import type { Publisher } from '../kafka/publisher.ts';
import type { ModelRegistry } from '../models/registry.ts';
import { championFeatures, type RuleFeatures } from './catalogue.ts';
import { createDraftStore, type DraftStore } from './drafts.ts';
import { createRulePublishing, type RulePublishing } from './publish.ts';
import { createRuleState, type RuleState } from './rule-state.ts';
import { createRuleWarehouse, type RuleWarehouse } from './rule-warehouse.ts';

/** The Rules page's server side: the rule sets on control, drafts, publishing, warehouse questions. */
export interface RulesContext {
  state: RuleState;
  drafts: DraftStore;
  publishing: RulePublishing;
  warehouse: RuleWarehouse;
  features(): Promise<RuleFeatures>;
}

export function createRulesContext(deps: {
  db: Database;
  audit: AuditLog;
  publisher: Publisher;
  models: ModelRegistry;
  warehouseUrl: string;
}): RulesContext {
  const state = createRuleState();
  const drafts = createDraftStore(deps.db, deps.audit);
  const features = () => championFeatures(deps.models);
  return {
    state,
    drafts,
    publishing: createRulePublishing({ state, publisher: deps.publisher, audit: deps.audit, drafts, features }),
    warehouse: createRuleWarehouse({ baseUrl: deps.warehouseUrl }),
    features,
  };
}
