import { z } from 'zod';

/**
 * A rule set on the `control` topic (JSON, like the decision policy). Two kinds of key:
 * - "rule-set": the version in force; every scorer applies the latest record at a chunk boundary.
 *   A tombstone clears it (no rules).
 * - "rule-set@N": version N as published, never overwritten, so compaction keeps every version and a
 *   rollback republishes one of them under "rule-set".
 * The expressions are checked by @fraud/model's rules module before anything is written; this
 * schema checks only the shape.
 */
export const RULE_ACTIONS = ['BLOCK', 'REVIEW', 'APPROVE', 'TAG'] as const;
export type RuleAction = (typeof RULE_ACTIONS)[number];

export const RULE_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
export const LIST_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export const ruleSchema = z.object({
  name: z.string().regex(RULE_NAME, 'a letter, then letters, digits, . _ or -, at most 64'),
  expression: z.string().min(1).max(4000),
  action: z.enum(RULE_ACTIONS),
  /** Higher first; among the rules that fire, the highest-priority deciding rule decides. */
  priority: z.number().int().min(-1_000_000).max(1_000_000).default(0),
  enabled: z.boolean().default(true),
  description: z.string().max(1000).default(''),
});
export type Rule = z.infer<typeof ruleSchema>;

const listValues = z.union([z.array(z.string().max(256)).max(100_000), z.array(z.number()).max(100_000)]);

export const ruleSetSchema = z.object({
  /** Assigned at publish time (1, 2, ...); a draft has 0. */
  version: z.number().int().nonnegative().default(0),
  rules: z.array(ruleSchema).max(1000),
  /** Named lists for `in`, e.g. { "mules": ["C123", "C456"] }. */
  lists: z.record(z.string().regex(LIST_NAME, 'a list name is an identifier'), listValues).default({}),
  publishedBy: z.string().max(128).default(''),
  publishedAt: z.number().int().nonnegative().default(0),
  /** Set when this record restores an older version: the version it replaced. */
  rolledBackFrom: z.number().int().positive().nullable().default(null),
});
export type RuleSet = z.infer<typeof ruleSetSchema>;

/** The control-topic key that keeps version N for rollback. */
export function ruleSetVersionKey(version: number): string {
  return `rule-set@${version}`;
}

/** The version a "rule-set@N" key holds, or null for any other key. */
export function versionOfRuleSetKey(key: string): number | null {
  const m = /^rule-set@([1-9][0-9]*)$/.exec(key);
  return m ? Number(m[1]) : null;
}
