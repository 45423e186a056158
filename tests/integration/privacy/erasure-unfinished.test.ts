import { z } from 'zod';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { defineDestination, registerDestination, type Row } from '../../../src/destinations/index.js';
import { deleteSubject } from '../../../src/privacy/requests/index.js';
import { runSync } from '../../../src/syncs/index.js';
import { privacyProject, profileSync, type PrivacyProject } from './fixture.js';

/**
 * A run interrupted half-way leaves a plan the next run resumes as it is. A deletion in between
 * must not let that plan send the person: it discards the plan, and the next run plans afresh,
 * sending everyone else.
 */
const actor = { type: 'cli' as const, id: 'dpo', email: null };
let p: PrivacyProject;
const sent: Row[] = [];
let stopAfterFirstBatch: AbortController | null = null;
const type = `privacy_interrupted_${process.pid}`;

beforeAll(async () => {
  registerDestination(
    defineDestination<Record<string, never>>({
      type,
      config: z.object({}).strict(),
      modes: ['upsert'],
      batchSize: 1,
      rateLimit: { requests: 1000, perSeconds: 1 },
      check: async () => undefined,
      upsert: async (rows) => {
        sent.push(...rows);
        stopAfterFirstBatch?.abort();
        return rows.map(() => ({ status: 'ok' as const }));
      },
    }),
  );
  p = await privacyProject('duckdb');
  p.writeSync('crm', profileSync('crm', type, p.schema));
}, 120_000);
afterAll(async () => p?.close());

it('a deletion discards an unfinished plan that still holds the person; the next run sends everyone else', async () => {
  stopAfterFirstBatch = new AbortController();
  const first = await runSync(p.project, 'crm', { signal: stopAfterFirstBatch.signal, concurrency: 1 });
  expect(first.status).toBe('interrupted');
  stopAfterFirstBatch = null;
  const d = p.warehouse.dialect;
  const plan = d.relation({ schema: p.schema, name: 'sync_plan_crm' });
  const unsent = await p.warehouse.query<{ sync_key: string }>(
    `SELECT sync_key FROM ${plan} WHERE sync_key NOT IN (${sent.map((r) => d.literal(r.key)).join(', ')}) ORDER BY seq`,
  );
  expect(unsent.length).toBeGreaterThan(1);
  const target = unsent[unsent.length - 1]!.sync_key;
  const [identifier] = await p.warehouse.query<{ id_type: string; id_value: string }>(
    `SELECT id_type, id_value FROM ${d.relation({ schema: p.schema, name: 'identity_graph' })} WHERE profile_id = ${d.literal(target)} ORDER BY id_type ${d.limit(1)}`,
  );

  const report = await deleteSubject(p.project, { idType: identifier!.id_type, value: identifier!.id_value }, { actor });
  expect(report.destinations.find((x) => x.sync === 'crm')?.note).toMatch(/unfinished run .* discarded/);
  expect(await p.warehouse.relationExists({ schema: p.schema, name: 'sync_plan_crm' })).toBe(false);

  const before = sent.length;
  const next = await runSync(p.project, 'crm');
  expect(next.status).toBe('success');
  const keys = sent.slice(before).map((r) => r.key);
  expect(keys).not.toContain(target);
  expect(new Set(keys)).toEqual(new Set(unsent.map((r) => r.sync_key).filter((k) => k !== target)));
});
