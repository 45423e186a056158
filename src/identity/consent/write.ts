import type { IdentityPlan } from '../plan.js';
import type { SqlRunner } from '../runner.js';
import type { RelationRef } from '../../warehouse/index.js';
import { CONSENT_TABLE, type ConsentPlan } from './plan.js';
import { consentSelect } from './sql.js';

export function consentTable(schema: string): RelationRef {
  return { schema, name: CONSENT_TABLE };
}

/**
 * Rebuilds `<schema>.consent` in full from the consent sources and the graph's nodes (called
 * inside the identity build's commit, before `profiles`). Without consent sources the table is
 * dropped: a stale one must not look like decisions still in force.
 */
export async function writeConsent(sql: SqlRunner, identity: IdentityPlan, plan: ConsentPlan | null, nodes: RelationRef): Promise<void> {
  const target = consentTable(identity.schema);
  if (!plan) {
    if (await sql.exists(target)) await sql.exec(sql.d.dropRelation(target, 'table'));
    return;
  }
  for (const statement of sql.d.createOrReplaceTableAs(target, consentSelect(sql.d, identity, plan, nodes))) await sql.exec(statement);
  const analyze = sql.d.analyzeTable(target);
  if (analyze) await sql.exec(analyze);
}
