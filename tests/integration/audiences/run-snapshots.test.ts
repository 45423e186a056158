/**
 * Membership snapshots taken by the pipeline (after identity and profiles are built) and by audience
 * syncs, on DuckDB and Postgres. The identity build is stubbed: it records a build in
 * `_identity_runs` (as the real one does) and leaves the fixture's known `profiles` alone, so the
 * members of each audience are exact.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type * as Identity from '../../../src/identity/index.js';
import type { Project } from '../../../src/project/index.js';

const fakeBuild = vi.hoisted(() => ({
  async build(project: Project) {
    const warehouse = await project.warehouse();
    const d = warehouse.dialect;
    const runs = d.relation({ schema: project.schema, name: '_identity_runs' });
    await warehouse.execute(`CREATE TABLE IF NOT EXISTS ${runs} (finished_at ${d.typeName('timestamp')})`);
    await warehouse.execute(`INSERT INTO ${runs} (finished_at) VALUES (${d.currentTimestampUtc()})`);
    return { profiles: 8, identifiers: 8, rounds: 1, seconds: 0, mode: 'full', rowsRead: 0, quarantined: 0, limited: 0, conflictRounds: 0, merges: 0, warnings: [] };
  },
}));
vi.mock('../../../src/identity/index.js', async (importOriginal) => ({
  ...(await importOriginal<typeof Identity>()),
  buildIdentity: (project: Project) => fakeBuild.build(project),
}));

const { audienceSizeHistory, countAudience, membershipTables, saveAudience, snapshotAudiences } = await import('../../../src/audiences/index.js');
const { runProject } = await import('../../../src/pipeline/index.js');
const { prepareSyncObject, runSync } = await import('../../../src/syncs/index.js');
const { audienceLine } = await import('../../../src/cli/commands/run.js');
const { createFixture, ENGINES } = await import('./fixture.js');
type Fixture = Awaited<ReturnType<typeof createFixture>>;

describe.each(ENGINES)('snapshots per run and per sync on %s', (engine) => {
  let f: Fixture;
  const sizeRows = async (audience: string) => (await audienceSizeHistory(f.project, audience)).length;
  const profiles = () => f.warehouse.dialect.relation({ schema: f.schema, name: 'profiles' });

  beforeAll(async () => {
    f = await createFixture(engine);
    f.writeAudienceFile('us', 'where: { trait: country, op: eq, value: US }\n');
    f.writeAudienceFile('subscribed', 'where: { trait: is_subscribed, op: is_true }\n');
    f.writeAudienceFile('broken', 'where: { trait: no_such_trait, op: eq, value: 1 }\n');
    // Made in the UI: lives in the state store.
    await saveAudience(f.project, { name: 'big', where: { trait: 'lifetime_value', op: 'gte', value: 500 } });
  });
  afterAll(async () => {
    await f?.close();
  });

  it('snapshots every audience after the build; the next run records who entered and left; a broken audience is named', async () => {
    const progress: string[] = [];
    const first = await runProject(f.project, { onProgress: (line) => progress.push(line) });
    expect(first.audiences?.snapshots.map((s) => [s.audience, s.size, s.entered, s.left])).toEqual([
      ['big', 3, 3, 0], // p1 p3 p7
      ['subscribed', 4, 4, 0], // p1 p3 p5 p7
      ['us', 3, 3, 0], // p1 p4 p7
    ]);
    expect(first.audiences?.failed).toEqual([{ audience: 'broken', error: expect.stringContaining('no_such_trait') }]);
    expect(progress).toContain('audiences: snapshotting the membership of 3 audience(s)');
    expect(progress.find((line) => line.startsWith('audiences: warning: broken not snapshotted:'))).toContain('no_such_trait');

    await f.warehouse.execute(`UPDATE ${profiles()} SET country = 'US' WHERE profile_id = 'p2'`);
    await f.warehouse.execute(`UPDATE ${profiles()} SET country = 'MX' WHERE profile_id IN ('p4', 'p7')`);
    const second = await runProject(f.project);
    expect(second.audiences?.snapshots.map((s) => [s.audience, s.size, s.entered, s.left])).toEqual([
      ['big', 3, 0, 0],
      ['subscribed', 4, 0, 0],
      ['us', 2, 1, 2],
    ]);
    const line = audienceLine(second)!;
    expect(line).toMatch(/^audiences: 3 snapshotted in [\d.]+s \(\+1 entered, -2 left\): us 2 \(\+1 -2\), big 3, subscribed 4; not snapshotted: broken$/);

    // One size row per audience and run, in the table the UI's sparklines read.
    for (const audience of ['big', 'subscribed', 'us']) expect(await sizeRows(audience)).toBe(2);
    expect((await audienceSizeHistory(f.project, 'us')).map((p) => [p.size, p.entered, p.left])).toEqual([
      [2, 1, 2],
      [3, 3, 0],
    ]);
    const d = f.warehouse.dialect;
    const { membership, events } = membershipTables(f.project);
    expect(await f.warehouse.query(`SELECT profile_id FROM ${d.relation(membership)} WHERE audience = 'us' ORDER BY profile_id`)).toEqual([
      { profile_id: 'p1' },
      { profile_id: 'p2' },
    ]);
    const changes = await f.warehouse.query<{ audience: string; change: string; n: number }>(
      `SELECT audience, change, COUNT(*) AS n FROM ${d.relation(events)} GROUP BY audience, change ORDER BY audience, change`,
    );
    expect(changes.map((r) => [r.audience, r.change, Number(r.n)])).toEqual([
      ['big', 'entered', 3],
      ['subscribed', 'entered', 4],
      ['us', 'entered', 4],
      ['us', 'left', 2],
    ]);
    const leftovers = (await f.warehouse.listRelations(f.schema)).filter((r) => r.name.startsWith('audience_snapshot__'));
    expect(leftovers).toEqual([]);
  });

  it('takes no snapshot with snapshots: false, nor for a --select run', async () => {
    const off = await runProject(f.project, { snapshots: false });
    expect(off.identity).toBeDefined();
    expect(off.audiences).toBeUndefined();
    const selected = await runProject(f.project, { select: ['nothing_matches_this'] }).catch(() => undefined);
    expect(selected?.audiences).toBeUndefined();
    expect(await sizeRows('us')).toBe(2);
  });

  it('an audience sync snapshots its audience once per profiles build, and never on a dry run', async () => {
    const prepared = prepareSyncObject({
      name: 'us_file',
      from: { audience: 'us' },
      destination: { type: 'file', config: { path: 'out' } },
      mode: 'mirror',
      fields: { email: 'email' },
    });
    // The last build (snapshots: false above) has no snapshot yet: the sync takes it.
    expect((await runSync(f.project, prepared, { dryRun: true })).audienceSnapshot).toBeUndefined();
    expect(await sizeRows('us')).toBe(2);
    const first = await runSync(f.project, prepared);
    expect(first.status).toBe('success');
    expect(first.audienceSnapshot).toMatchObject({ audience: 'us', size: 2, entered: 0, left: 0 });
    expect(await sizeRows('us')).toBe(3);
    // Same data: the second sync does not snapshot again.
    const second = await runSync(f.project, prepared);
    expect(second.status).toBe('success');
    expect(second.audienceSnapshot).toBeUndefined();
    expect(await sizeRows('us')).toBe(3);
    // A run that snapshots leaves nothing for the sync to do either.
    await runProject(f.project);
    expect(await sizeRows('us')).toBe(4);
    expect((await runSync(f.project, prepared)).audienceSnapshot).toBeUndefined();
    expect(await sizeRows('us')).toBe(4);
    // Other audiences are not snapshotted by this sync.
    expect(await sizeRows('big')).toBe(3);
  });

  it('an audience whose query fails in the warehouse is left out; the others are still recorded', async () => {
    // `email` is known to the (cached) catalog but gone from the table: the definition resolves,
    // the combined query fails, and each audience is retried on its own.
    f.writeAudienceFile('corp', 'where: { trait: email, op: ends_with, value: "@corp.io" }\n');
    expect(await countAudience(f.project, 'corp')).toBe(3);
    await f.warehouse.execute(`ALTER TABLE ${profiles()} RENAME COLUMN email TO email_moved`);
    try {
      const run = await snapshotAudiences(f.project);
      expect(run.snapshots.map((s) => s.audience)).toEqual(['big', 'subscribed', 'us']);
      expect(run.failed.map((x) => x.audience)).toEqual(['broken', 'corp']);
      expect(await sizeRows('corp')).toBe(0);
      expect(await sizeRows('us')).toBe(5);
    } finally {
      await f.warehouse.execute(`ALTER TABLE ${profiles()} RENAME COLUMN email_moved TO email`);
    }
  });
});
