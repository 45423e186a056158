/** `cdp audience ...` end to end on a DuckDB file project. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileAudienceForCli } from '../../../src/audiences/index.js';
import { Project } from '../../../src/project/index.js';
import { loadDataSet } from './fixture.js';
import { runCli } from '../../helpers/cli.js';

const CONFIG = `export default {
  warehouse: { type: 'duckdb', path: '.cdp/warehouse.duckdb' },
  schema: 'cdp',
  identity: {
    sources: [
      { name: 'web_events', relation: 'cdp.web_events', key: 'event_id', timestamp: 'ts', ids: { anonymous_id: 'event_id' } },
      { name: 'app_events', relation: 'cdp.app_events', key: 'event_id', timestamp: 'ts', ids: { anonymous_id: 'event_id' } },
      { name: 'orders', relation: 'cdp.orders', key: 'order_id', timestamp: 'ordered_at', ids: { anonymous_id: 'customer' } },
    ],
    idTypes: { anonymous_id: { priority: 1 } },
  },
  events: [{ source: 'web_events', name: 'event' }, { source: 'app_events', name: 'event' }, { source: 'orders', name: "'order_completed'" }],
};
`;

const cdp = runCli;

describe('cdp audience', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cdp-aud-cli-'));
    writeFileSync(join(dir, 'cdp.config.mjs'), CONFIG);
    mkdirSync(join(dir, 'audiences'));
    writeFileSync(join(dir, 'audiences', 'us.yaml'), 'description: US profiles\nwhere: { trait: country, op: eq, value: US }\n');
    writeFileSync(
      join(dir, 'audiences', 'buyers.yaml'),
      'where:\n  all:\n    - event: order_completed\n    - trait: lifetime_value\n      op: gte\n      value: 100\n',
    );
    writeFileSync(join(dir, 'draft.yaml'), 'where: { trait: email, op: is_not_null }\n');
    const project = await Project.load(dir);
    await loadDataSet(await project.warehouse(), 'cdp', Date.now());
    await project.close();
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists audiences', async () => {
    const { code, out } = await cdp('audience', 'list', '--project', dir);
    expect(code).toBe(0);
    expect(out.split('\n').slice(0, 4)).toEqual([
      'name    origin  where                  description',
      '------  ------  ---------------------  -----------',
      'buyers  file    audiences/buyers.yaml',
      'us      file    audiences/us.yaml      US profiles',
    ]);
  });

  it('counts by name and from a file', async () => {
    expect(await cdp('audience', 'count', 'us', '--project', dir)).toMatchObject({ code: 0, out: '3\n' });
    expect(await cdp('audience', 'count', '--file', join(dir, 'draft.yaml'), '--project', dir)).toMatchObject({ code: 0, out: '7\n' });
  });

  it('previews as a table, CSV (escaped) and JSON', async () => {
    const table = await cdp('audience', 'preview', 'buyers', '--traits', 'email,lifetime_value', '--limit', '2', '--project', dir);
    expect(table.code).toBe(0);
    expect(table.out).toBe(
      [
        'buyers: 4 of 8 profiles (50.0%)',
        '',
        'step  members  condition',
        '----  -------  -----------------------------',
        '1     7        order_completed at least once',
        '2     4        lifetime_value ≥ 100',
        '',
        'profile_id  email        lifetime_value',
        '----------  -----------  --------------',
        'p1          a@corp.io    800',
        'p2          b@gmail.com  450',
        '',
      ].join('\n'),
    );
    const csv = await cdp('audience', 'preview', '--file', join(dir, 'draft.yaml'), '--traits', 'email,country', '--format', 'csv', '--limit', '100', '--project', dir);
    expect(csv.code).toBe(0);
    expect(csv.out.split('\r\n')).toEqual([
      'profile_id,email,country',
      'p1,a@corp.io,US',
      'p2,b@gmail.com,CA',
      'p3,c@corp.io,DE',
      'p4,d@yahoo.com,US',
      "p6,o'brien@corp.io,GB",
      'p7,x%_y@test.com,US',
      "p8,'; drop table profiles; --,FR",
      '',
    ]);
    const json = await cdp('audience', 'preview', 'us', '--format', 'json', '--traits', 'country', '--project', dir);
    expect(JSON.parse(json.out)).toMatchObject({ count: 3, total: 8, columns: ['profile_id', 'country'], sample: [{ profile_id: 'p1', country: 'US' }, {}, {}] });
  });

  it('shows overlaps and snapshots', async () => {
    const overlap = await cdp('audience', 'overlap', 'us', 'buyers', '--project', dir);
    expect(overlap.code).toBe(0);
    expect(overlap.out).toContain('us ∩ buyers  2         25.0%');
    const snapshot = await cdp('audience', 'snapshot', 'us', '--project', dir);
    expect(snapshot.out).toMatch(/^us: 3 members \(3 entered, 0 left\) in \d+ ms\n$/);
  });

  it('fails with one clear line', async () => {
    const unknown = await cdp('audience', 'count', 'uss', '--project', dir);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toBe('error: no audience named `uss` — did you mean `us`? (known: buyers, us)\n');
    writeFileSync(join(dir, 'bad.yaml'), 'where:\n  trait: lifetime_value\n  op: contains\n  value: "5"\n');
    const bad = await cdp('audience', 'preview', '--file', join(dir, 'bad.yaml'), '--project', dir);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('bad.yaml:3: operator `contains` does not fit trait `lifetime_value` of type number (at where.op)');
    expect((await cdp('audience', 'preview', 'us', '--format', 'xml', '--project', dir)).err).toContain('unknown --format xml');
  });

  it('compiles an audience for `cdp compile`', async () => {
    const project = await Project.load(dir);
    try {
      const sql = await compileAudienceForCli(project, 'buyers', 'postgres');
      expect(sql).toContain('SELECT p.*\nFROM "cdp"."profiles" AS p\nLEFT JOIN (');
      // Every order is an order_completed: resolved_records alone answers "did it", no join to orders.
      expect(sql).toContain(`FROM "cdp"."resolved_records" AS r\n  WHERE r."source" = 'orders' AND r."profile_id" IS NOT NULL\n  GROUP BY r."profile_id"\n) AS ev1`);
      expect(sql).not.toContain('"cdp"."orders"');
      expect(await compileAudienceForCli(project, 'draft.yaml')).toBe('SELECT p.*\nFROM "cdp"."profiles" AS p\nWHERE p."email" IS NOT NULL');
    } finally {
      await project.close();
    }
  });

  it('reads a saved priority list file by name; audience list shows it apart from the audiences', async () => {
    writeFileSync(join(dir, 'audiences', 'valuable.yaml'), 'where: { trait: lifetime_value, op: gte, value: 450 }\n');
    writeFileSync(join(dir, 'audiences', 'offers.yaml'), 'description: one offer each\npriority: [us, valuable]\n');
    const counts = await cdp('audience', 'priority', 'offers', '--format', 'json', '--project', dir);
    expect(counts.code).toBe(0);
    expect(JSON.parse(counts.out)).toEqual({ total: 8, slots: [{ audience: 'us', count: 3 }, { audience: 'valuable', count: 2 }] });
    const list = await cdp('audience', 'list', '--project', dir);
    const [audiences, lists] = list.out.split('\n\n');
    expect(audiences).not.toContain('offers');
    expect(lists).toMatch(/^priority list\s+origin/);
    expect(lists).toMatch(/^offers\s+file\s+audiences\/offers\.yaml\s+us > valuable$/m);
    const slot = await cdp('audience', 'priority', 'offers', '--slot', 'valuable', '--project', dir);
    expect(slot.out).toContain("'valuable'");
    const asAudience = await cdp('audience', 'count', 'offers', '--project', dir);
    expect(asAudience.code).not.toBe(0);
    expect(asAudience.err).toContain('is a priority list, not an audience');
  });
});
