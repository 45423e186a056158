/**
 * Priority lists (issue #17) on DuckDB and Postgres: each profile is assigned once, to the first
 * audience of the list that holds it; counts per slot agree with the members.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deleteAudience,
  deletePriorityList,
  listAudiences,
  listPriorityLists,
  loadAudience,
  loadPriorityList,
  parsePriorityList,
  previewPriorityList,
  priorityListCounts,
  priorityListSql,
  saveAudience,
  savePriorityList,
} from '../../../src/audiences/index.js';
import { createFixture, ENGINES, type Fixture } from './fixture.js';

describe.each(ENGINES)('priority lists on %s', (engine) => {
  let f: Fixture;
  beforeAll(async () => {
    f = await createFixture(engine);
    await saveAudience(f.project, { name: 'us', where: { trait: 'country', op: 'eq', value: 'US' } }); // p1 p4 p7
    await saveAudience(f.project, { name: 'valuable', where: { trait: 'lifetime_value', op: 'gte', value: 450 } }); // p1 p2 p3 p7
    await saveAudience(f.project, { name: 'subscribed', where: { trait: 'is_subscribed', op: 'eq', value: true } }); // p1 p3 p5 p7
  });
  afterAll(async () => {
    await f?.close();
  });

  const list = parsePriorityList({ name: 'offers', priority: ['us', 'valuable', 'subscribed'] });

  it('assigns each profile once, to the first audience holding it', async () => {
    const sql = await priorityListSql(f.project, list);
    const rows = await f.warehouse.query<{ profile_id: string; audience: string }>(`SELECT profile_id, audience FROM (${sql}) m ORDER BY profile_id`);
    expect(rows.map((r) => [r.profile_id, r.audience])).toEqual([
      ['p1', 'us'],
      ['p2', 'valuable'],
      ['p3', 'valuable'],
      ['p4', 'us'],
      ['p5', 'subscribed'],
      ['p7', 'us'],
    ]);
    // The same question written by hand.
    const s = f.schema;
    const hand = await f.warehouse.query<{ profile_id: string; audience: string }>(
      `SELECT profile_id, CASE WHEN country = 'US' THEN 'us' WHEN lifetime_value >= 450 THEN 'valuable' WHEN is_subscribed THEN 'subscribed' END AS audience
       FROM "${s}".profiles WHERE country = 'US' OR lifetime_value >= 450 OR is_subscribed ORDER BY profile_id`,
    );
    expect(rows).toEqual(hand);
  });

  it('counts per slot, reads one slot, and a reordered list moves profiles', async () => {
    expect(await priorityListCounts(f.project, list)).toEqual({
      total: 8,
      slots: [
        { audience: 'us', count: 3 },
        { audience: 'valuable', count: 2 },
        { audience: 'subscribed', count: 1 },
      ],
    });
    const slot = await priorityListSql(f.project, list, { slot: 'valuable' });
    expect((await f.warehouse.query<{ profile_id: string }>(`SELECT profile_id FROM (${slot}) m ORDER BY profile_id`)).map((r) => r.profile_id)).toEqual(['p2', 'p3']);
    const reordered = parsePriorityList({ name: 'offers', priority: ['subscribed', 'us'] });
    expect((await priorityListCounts(f.project, reordered)).slots).toEqual([
      { audience: 'subscribed', count: 4 },
      { audience: 'us', count: 1 },
    ]);
    const preview = await previewPriorityList(f.project, list, { limit: 2 });
    expect(preview.sample.map((r) => [r.profile_id, r.audience])).toEqual([
      ['p1', 'us'],
      ['p2', 'valuable'],
    ]);
  });

  it('refuses unknown audiences, duplicates and unknown slots, pointing at them', async () => {
    await expect(priorityListSql(f.project, parsePriorityList({ name: 'x', priority: ['us', 'vip'] }))).rejects.toMatchObject({ message: expect.stringContaining('unknown audience `vip`'), location: { path: 'priority[1]' } });
    expect(() => parsePriorityList({ name: 'x', priority: ['us', 'us'] })).toThrow(/listed twice/);
    await expect(priorityListSql(f.project, list, { slot: 'nobody' })).rejects.toThrow(/no audience `nobody`/);
  });

  it('saves lists in files and in the state store, sharing names with audiences', async () => {
    f.writeAudienceFile('file_offers', 'description: offers by file\npriority: [valuable, us]\n');
    await savePriorityList(f.project, { name: 'saved_offers', priority: ['subscribed', 'us'] }, { createdBy: 'tester' });
    expect((await listPriorityLists(f.project)).map((l) => [l.name, l.origin, l.priority])).toEqual([
      ['file_offers', 'file', ['valuable', 'us']],
      ['saved_offers', 'state', ['subscribed', 'us']],
    ]);
    // Lists are not audiences: not listed as such, and not usable as one.
    expect((await listAudiences(f.project)).map((a) => a.name)).not.toContain('saved_offers');
    await expect(loadAudience(f.project, 'file_offers')).rejects.toThrow(/is a priority list, not an audience/);
    await expect(saveAudience(f.project, { name: 'x', where: { audience: 'saved_offers' } })).rejects.toThrow(/is a priority list, not an audience/);
    expect((await priorityListCounts(f.project, await loadPriorityList(f.project, 'file_offers'))).slots).toEqual([
      { audience: 'valuable', count: 4 },
      { audience: 'us', count: 1 },
    ]);
    // One name space for both kinds, both ways.
    await expect(savePriorityList(f.project, { name: 'us', priority: ['valuable'] })).rejects.toThrow(/already the name of an audience/);
    await expect(saveAudience(f.project, { name: 'saved_offers', where: { trait: 'country', op: 'eq', value: 'US' } })).rejects.toThrow(/already the name of a priority list/);
    await expect(savePriorityList(f.project, { name: 'file_offers', priority: ['us'] })).rejects.toThrow(/defined in audiences\/file_offers.yaml/);
    await expect(savePriorityList(f.project, { name: 'bad', priority: ['us', 'nobody'] })).rejects.toMatchObject({ location: { path: 'priority[1]' } });
    // An audience a list uses cannot be deleted; the list can.
    await expect(deleteAudience(f.project, 'subscribed')).rejects.toThrow(/used by `saved_offers`/);
    await deletePriorityList(f.project, 'saved_offers');
    await expect(loadPriorityList(f.project, 'saved_offers')).rejects.toThrow(/no priority list named/);
  });

  it('names the file and field of a bad list file', async () => {
    f.writeAudienceFile('broken_list', 'name: broken_list\npriority:\n  - us\n  - us\n');
    const lists = await listPriorityLists(f.project);
    expect(lists.map((l) => l.name)).not.toContain('broken_list');
    await expect(loadPriorityList(f.project, 'broken_list')).rejects.toMatchObject({ message: expect.stringContaining('listed twice'), location: { file: 'audiences/broken_list.yaml', line: 4, path: 'priority[1]' } });
    rmSync(`${f.dir}/audiences/broken_list.yaml`);
  });
});
