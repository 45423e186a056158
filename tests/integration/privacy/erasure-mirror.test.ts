import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteSubject, exportSubject } from '../../../src/privacy/requests/index.js';
import { runSync } from '../../../src/syncs/index.js';
import { membership, mirrorOnly, type Recorder } from './destinations.js';
import { privacyProject, profileSync, type PrivacyProject } from './fixture.js';

const actor = { type: 'cli' as const, id: 'dpo', email: null };

/**
 * An erasure must not write the person's data out again, nor leave it in the sync's own tables:
 * a plain mirror (file, webhook) gets the row key only; the last plan loses the person's values.
 */
describe('erasure at a plain mirror destination (duckdb)', () => {
  let p: PrivacyProject;
  let mirror: Recorder;
  let ads: Recorder;
  let alice: string;
  const rel = (name: string) => p.warehouse.dialect.relation({ schema: p.schema, name });
  const count = async (sql: string) => Number((await p.warehouse.query<{ n: number }>(sql))[0]!.n);

  beforeAll(async () => {
    p = await privacyProject('duckdb');
    mirror = mirrorOnly();
    ads = membership();
    p.writeSync('files', profileSync('files', mirror.type, p.schema, 'mirror'));
    p.writeSync('ads', profileSync('ads', ads.type, p.schema, 'mirror'));
    for (const name of ['files', 'ads']) expect((await runSync(p.project, name)).status).toBe('success');
    alice = String((await p.warehouse.query(`SELECT profile_id FROM ${rel('identity_graph')} WHERE id_value = 'u1'`))[0]!.profile_id);
  }, 120_000);
  afterAll(async () => p?.close());

  it('sends the mirror a removal by key only, keeps identifiers for membership removals, and purges the last plan', async () => {
    expect(await count(`SELECT COUNT(*) AS n FROM ${rel('sync_plan_files')} WHERE sync_key = '${alice}'`)).toBe(1);
    const dry = await deleteSubject(p.project, { idType: 'user_id', value: 'u1' }, { actor, dryRun: true });
    expect(dry.destinations.find((d) => d.sync === 'files')).toMatchObject({ action: 'removed', planRowsDeleted: 1 });

    const report = await deleteSubject(p.project, { idType: 'user_id', value: 'u1' }, { actor });
    expect(report.complete).toBe(true);
    const files = report.destinations.find((d) => d.sync === 'files')!;
    expect(files).toMatchObject({ action: 'removed', status: 'ok', stateRowsDeleted: 1, planRowsDeleted: 1 });
    expect(files.note).toMatch(/by row key only/);
    expect(mirror.calls.filter((c) => c.verb === 'remove').map((c) => c.rows)).toEqual([[{ key: alice, fields: {} }]]);
    // An ad audience matches by the (hashed) identifiers it was sent: those still go.
    expect(ads.calls.filter((c) => c.verb === 'remove').map((c) => c.rows)).toEqual([[{ key: alice, fields: { first_name: 'Alicia' } }]]);
    for (const sync of ['files', 'ads']) expect(await count(`SELECT COUNT(*) AS n FROM ${rel(`sync_plan_${sync}`)} WHERE sync_key = '${alice}'`)).toBe(0);
    // Everyone else's plan rows stay.
    expect(await count(`SELECT COUNT(*) AS n FROM ${rel('sync_plan_files')}`)).toBeGreaterThan(0);
  });

  it('refuses an empty value, and an export or a deletion of a value that is not a valid identifier', async () => {
    await expect(deleteSubject(p.project, { idType: 'email', value: 'not-an-email' }, { actor, dryRun: true })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/not a valid email/),
    });
    await expect(deleteSubject(p.project, { idType: 'email', value: '  ' }, { actor, dryRun: true })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/empty/) });
    await expect(exportSubject(p.project, { idType: 'email', value: '' }, { actor })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(exportSubject(p.project, { idType: 'email', value: 'not-an-email' }, { actor })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/not a valid email/),
    });
  });
});
