import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { audienceMembersSql } from '../../../src/audiences/index.js';
import { runSync } from '../../../src/syncs/index.js';
import { startWebhook, type FakeWebhook } from '../../fixtures/vendors/webhook.js';
import { makeProject, type TestProject } from './helpers.js';

let t: TestProject;
let hook: FakeWebhook;
beforeAll(async () => {
  t = await makeProject();
  hook = await startWebhook({ keyColumn: 'profile_id' });
});
afterAll(async () => {
  await hook.close();
  await t.close();
});

async function loadProfiles(rows: Array<[string, string, number]>): Promise<void> {
  const w = await t.project.warehouse();
  await w.loadTable(
    { schema: 'cdp', name: 'profiles' },
    [
      { name: 'profile_id', kind: 'string' },
      { name: 'email', kind: 'string' },
      { name: 'lifetime_value', kind: 'number' },
    ],
    [rows],
  );
}

it('syncs the members of an audience, keyed by profile_id; leavers are removed in mirror mode', async () => {
  mkdirSync(join(t.dir, 'audiences'), { recursive: true });
  writeFileSync(join(t.dir, 'audiences', 'big_spenders.yaml'), 'name: big_spenders\nwhere: { trait: lifetime_value, op: gte, value: 500 }\n');
  t.writeSync(
    'spenders',
    `name: spenders\nfrom: { audience: big_spenders }\ndestination: { type: webhook, config: { url: "${hook.url}/in" } }\nmode: mirror\nfields: { email: email, ltv: lifetime_value }\n`,
  );
  await loadProfiles([
    ['a', 'a@example.com', 900],
    ['b', 'b@example.com', 100],
    ['c', 'c@example.com', 500],
  ]);
  const first = await runSync(t.project, 'spenders');
  expect(first.plan).toMatchObject({ current: 2, added: 2 });
  expect(hook.rowsSent('upsert')).toEqual([
    { profile_id: 'a', email: 'a@example.com', ltv: 900 },
    { profile_id: 'c', email: 'c@example.com', ltv: 500 },
  ]);
  await loadProfiles([
    ['a', 'a@example.com', 950],
    ['b', 'b@example.com', 700],
    ['c', 'c@example.com', 10],
  ]);
  hook.batches.length = 0;
  const second = await runSync(t.project, 'spenders');
  expect(second.plan).toMatchObject({ added: 1, changed: 1, removed: 1 });
  expect(hook.rowsSent('remove')).toEqual([{ profile_id: 'c', email: 'c@example.com', ltv: 500 }]);
  expect([...hook.state.keys()].sort()).toEqual(['a', 'b']);
  expect(hook.violations).toEqual([]);
});

it('sends one split group (`from: {audience, split}`): every member of that group, no one else', async () => {
  const ids = Array.from({ length: 200 }, (_, i) => `s${i}`);
  await loadProfiles(ids.map((id, i) => [id, `${id}@example.com`, i]));
  writeFileSync(
    join(t.dir, 'audiences', 'promo.yaml'),
    'name: promo\nwhere: { trait: lifetime_value, op: gte, value: 0 }\nsplits: { groups: [{ name: treatment, percent: 80 }, { name: holdout, percent: 20 }], salt: promo }\n',
  );
  t.writeSync('promo_hook', `name: promo_hook\nfrom: { audience: promo, split: treatment }\ndestination: { type: webhook, config: { url: "${hook.url}/promo" } }\nmode: upsert\nfields: { email: email, group: split }\n`);
  const w = await t.project.warehouse();
  const groups = await w.query<{ profile_id: string; split: string }>(`SELECT profile_id, split FROM (${await audienceMembersSql(t.project, 'promo')}) m`);
  const treatment = groups.filter((g) => g.split === 'treatment').map((g) => g.profile_id).sort();
  expect(treatment.length).toBeGreaterThan(120);
  expect(treatment.length).toBeLessThan(190);
  hook.batches.length = 0;
  const run = await runSync(t.project, 'promo_hook');
  expect(run.plan).toMatchObject({ current: treatment.length, added: treatment.length });
  const sent = hook.rowsSent('upsert');
  expect(sent.map((r) => r.profile_id).sort()).toEqual(treatment);
  expect(new Set(sent.map((r) => r.group))).toEqual(new Set(['treatment']));
});

it('sends one slot of a priority list (`from: {priority_list, slot}`): the profiles whose first audience is that slot', async () => {
  await loadProfiles([
    ['p1', 'p1@example.com', 900], // big and mid: first in big
    ['p2', 'p2@example.com', 300], // mid only
    ['p3', 'p3@example.com', 120], // mid only
    ['p4', 'p4@example.com', 50], // neither
  ]);
  writeFileSync(join(t.dir, 'audiences', 'big.yaml'), 'name: big\nwhere: { trait: lifetime_value, op: gte, value: 500 }\n');
  writeFileSync(join(t.dir, 'audiences', 'mid.yaml'), 'name: mid\nwhere: { trait: lifetime_value, op: gte, value: 100 }\n');
  writeFileSync(join(t.dir, 'audiences', 'tiers.yaml'), 'name: tiers\npriority: [big, mid]\n');
  t.writeSync('mid_hook', `name: mid_hook\nfrom: { priority_list: tiers, slot: mid }\ndestination: { type: webhook, config: { url: "${hook.url}/mid" } }\nmode: mirror\nfields: { email: email, slot: audience }\n`);
  hook.batches.length = 0;
  const first = await runSync(t.project, 'mid_hook');
  expect(first.plan).toMatchObject({ current: 2, added: 2 });
  expect(hook.rowsSent('upsert')).toEqual([
    { profile_id: 'p2', email: 'p2@example.com', slot: 'mid' },
    { profile_id: 'p3', email: 'p3@example.com', slot: 'mid' },
  ]);
  // p2 rises into `big`: it leaves the `mid` slot (a profile is in one slot only); p4 enters it.
  await loadProfiles([
    ['p1', 'p1@example.com', 900],
    ['p2', 'p2@example.com', 800],
    ['p3', 'p3@example.com', 120],
    ['p4', 'p4@example.com', 200],
  ]);
  hook.batches.length = 0;
  const second = await runSync(t.project, 'mid_hook');
  expect(second.plan).toMatchObject({ added: 1, removed: 1 });
  expect(hook.rowsSent('remove').map((r) => r.profile_id)).toEqual(['p2']);
  expect(hook.rowsSent('upsert').map((r) => r.profile_id)).toEqual(['p4']);
});

it('points at the sync line of an unknown slot or list', async () => {
  t.writeSync('bad_slot', `name: bad_slot\nfrom:\n  priority_list: tiers\n  slot: vip\ndestination: { type: webhook, config: { url: "${hook.url}/x" } }\nfields: { email: email }\n`);
  await expect(runSync(t.project, 'bad_slot')).rejects.toMatchObject({ code: 'SYNC_INVALID', message: expect.stringContaining('no audience `vip`'), location: { path: 'from.slot', line: 4 } });
  t.writeSync('bad_list', `name: bad_list\nfrom: { priority_list: tier, slot: mid }\ndestination: { type: webhook, config: { url: "${hook.url}/x" } }\nfields: { email: email }\n`);
  await expect(runSync(t.project, 'bad_list')).rejects.toMatchObject({ code: 'SYNC_INVALID', message: expect.stringContaining('no priority list named `tier`'), location: { path: 'from.priority_list' } });
});
