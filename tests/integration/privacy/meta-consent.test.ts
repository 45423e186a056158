import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runProject } from '../../../src/pipeline/index.js';
import { Project } from '../../../src/project/index.js';
import { listSyncRuns, runSync, type RunSyncOptions } from '../../../src/syncs/index.js';
import type { ColumnDef, Warehouse } from '../../../src/warehouse/index.js';
import { startMeta, type FakeMeta } from '../../fixtures/vendors/meta.js';
import { runCli } from '../../helpers/cli.js';

/**
 * The acceptance test of consent enforcement: a person who revokes advertising consent is
 * removed from the Meta custom audience by the next run, and the plan and run history say why.
 */
const TOKEN = 'EAAB-consent-token';
const AUDIENCE = '23850000000000042';
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const at = (day: number) => new Date(Date.UTC(2025, 0, day));
const fast: RunSyncOptions = { http: { baseDelayMs: 5, maxDelayMs: 20 } };

let dir: string;
let project: Project;
let meta: FakeMeta;

const CONFIG = `export default {
  warehouse: { type: 'duckdb', path: '.cdp/warehouse.duckdb' },
  schema: 'cdp',
  identity: {
    sources: [{ name: 'customers', relation: 'raw.customers', key: 'id', timestamp: 'updated_at', ids: { email: 'email' } }],
    idTypes: { email: { priority: 1, normalize: 'email' } },
  },
  profiles: { traits: {
    email: { source: 'customers', column: 'email', rule: 'most_recent' },
    first_name: { source: 'customers', column: 'first_name', rule: 'most_recent' },
  } },
  privacy: {
    consent: { sources: [{ name: 'preferences', relation: 'raw.consent', ids: { email: 'email' }, purpose: 'purpose', status: 'status', timestamp: 'ts' }] },
  },
  state: { client: 'better-sqlite3', filename: '.cdp/state.sqlite' },
};
`;

const AUDIENCE_YAML = `name: everyone
description: every profile with an email
where:
  all:
    - { trait: email, op: is_not_null }
`;

const SYNC_YAML = (url: string) => `name: everyone_to_meta
from: { audience: everyone }
destination:
  type: meta_custom_audiences
  config: { audience_id: "${AUDIENCE}", access_token: { env: CDP_TEST_META_CONSENT_TOKEN }, base_url: "${url}/v25.0" }
mode: mirror
fields: { EMAIL: email, FN: first_name }
`;

const str = (name: string): ColumnDef => ({ name, kind: 'string' });
const CONSENT_COLUMNS: ColumnDef[] = [str('email'), str('purpose'), str('status'), { name: 'ts', kind: 'timestamp' }];

async function loadConsent(w: Warehouse, rows: unknown[][]): Promise<void> {
  await w.loadTable({ schema: 'raw', name: 'consent' }, CONSENT_COLUMNS, [rows]);
}

const INITIAL_CONSENT = [
  ['ann@shop.co', 'advertising', 'granted', at(2)],
  [' Ben@Shop.co ', 'advertising', 'granted', at(2)],
  // cat never decided: unknown, and advertising requires a grant.
  ['cat@shop.co', 'email_marketing', 'granted', at(2)],
];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cdp-consent-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  writeFileSync(join(dir, 'cdp.config.ts'), CONFIG);
  for (const sub of ['models', 'audiences', 'syncs']) mkdirSync(join(dir, sub));
  writeFileSync(join(dir, 'audiences', 'everyone.yaml'), AUDIENCE_YAML);
  meta = await startMeta({ audienceId: AUDIENCE, token: TOKEN });
  process.env.CDP_TEST_META_CONSENT_TOKEN = TOKEN;
  writeFileSync(join(dir, 'syncs', 'everyone_to_meta.yaml'), SYNC_YAML(meta.url));
  project = await Project.load(dir);
  const w = await project.warehouse();
  await w.createSchema('raw');
  await w.loadTable({ schema: 'raw', name: 'customers' }, [str('id'), str('email'), str('first_name'), { name: 'updated_at', kind: 'timestamp' }], [
    [
      ['1', 'ann@shop.co', 'Ann', at(1)],
      ['2', 'ben@shop.co', 'Ben', at(1)],
      ['3', 'cat@shop.co', 'Cat', at(1)],
    ],
  ]);
  await loadConsent(w, INITIAL_CONSENT);
  await runProject(project);
});

afterAll(async () => {
  await project?.close();
  await meta?.close();
  delete process.env.CDP_TEST_META_CONSENT_TOKEN;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const member = (email: string, name: string) => JSON.stringify([sha(email), sha(name)]);

it('removes a profile that revokes advertising consent from the Meta audience on the next run', async () => {
  // Run 1: ann and ben granted advertising; cat is unknown and held back.
  const first = await runSync(project, 'everyone_to_meta', fast);
  expect(first.status).toBe('success');
  expect(first.plan).toMatchObject({ current: 2, added: 2, removed: 0, heldBack: { 'consent:advertising': 1 } });
  expect([...meta.members].sort()).toEqual([member('ann@shop.co', 'ann'), member('ben@shop.co', 'ben')].sort());

  // Ben revokes (a newer row in the consent source); the next build resolves it.
  const w = await project.warehouse();
  await loadConsent(w, [...INITIAL_CONSENT, ['ben@shop.co', 'advertising', 'revoked', at(3)]]);
  const build = await runProject(project);
  expect(build.identity?.mode).toBe('incremental');
  const [ben] = await w.query<{ consent_advertising: string }>(`SELECT consent_advertising FROM cdp.profiles WHERE email = 'ben@shop.co'`);
  expect(ben!.consent_advertising).toBe('denied');

  // Run 2: ben's hashed email reaches Meta in a DELETE /{audience}/users.
  meta.uploads.length = 0;
  const requestsBefore = meta.requests.length;
  const second = await runSync(project, 'everyone_to_meta', fast);
  expect(second.status).toBe('success');
  expect(second.plan).toMatchObject({ current: 1, added: 0, removed: 1, total: 1, heldBack: { 'consent:advertising': 2 } });
  expect(meta.uploads.map((u) => [u.method, u.data])).toEqual([['DELETE', [[sha('ben@shop.co'), sha('ben')]]]]);
  const deletes = meta.requests.slice(requestsBefore).filter((r) => r.method === 'DELETE');
  expect(deletes.map((r) => r.path)).toEqual([`/v25.0/${AUDIENCE}/users`]);
  expect([...meta.members]).toEqual([member('ann@shop.co', 'ann')]);
  expect(meta.violations).toEqual([]);

  // The run history keeps the held-back count.
  const [last] = await listSyncRuns(project, 'everyone_to_meta', { limit: 1 });
  expect(last!.heldBack).toEqual({ 'consent:advertising': 2 });
});

it('shows held-back rows in `cdp sync run` and `cdp sync status`', async () => {
  await project.close();
  const run = await runCli('sync', 'run', 'everyone_to_meta', '--project', dir);
  expect(run.err).toBe('');
  expect(run.code).toBe(0);
  expect(run.out).toMatch(/plan: 0 ops: .* 1 rows eligible, held back: consent:advertising 2/);
  const status = await runCli('sync', 'status', 'everyone_to_meta', '--project', dir);
  expect(status.code).toBe(0);
  expect(status.out).toMatch(/last run held back: consent:advertising 2/);
  project = await Project.load(dir);
});

it('removes a revoked profile in add mode too, where nothing else is ever removed', async () => {
  const second = await startMeta({ audienceId: AUDIENCE, token: TOKEN });
  try {
    writeFileSync(join(dir, 'syncs', 'everyone_to_meta_add.yaml'), SYNC_YAML(second.url).replace('everyone_to_meta', 'everyone_to_meta_add').replace('mode: mirror', 'mode: add'));
    // Only ann allows advertising now (ben revoked in the test above).
    const first = await runSync(project, 'everyone_to_meta_add', fast);
    expect(first.plan).toMatchObject({ added: 1, removed: 0 });
    expect([...second.members]).toEqual([member('ann@shop.co', 'ann')]);

    const w = await project.warehouse();
    await loadConsent(w, [...INITIAL_CONSENT, ['ben@shop.co', 'advertising', 'revoked', at(3)], ['ann@shop.co', 'advertising', 'revoked', at(4)]]);
    await runProject(project);
    const next = await runSync(project, 'everyone_to_meta_add', fast);
    expect(next.status).toBe('success');
    expect(next.plan).toMatchObject({ current: 0, removed: 1, total: 1, heldBack: { 'consent:advertising': 3 } });
    expect([...second.members]).toEqual([]);

    // Nothing left to remove: the run after plans nothing.
    const quiet = await runSync(project, 'everyone_to_meta_add', fast);
    expect(quiet.plan).toMatchObject({ removed: 0, total: 0 });
  } finally {
    await second.close();
  }
});

it('require_granted holds back a profile whose consent is unknown; allow_unknown lets the same profile through', async () => {
  const fresh = await startMeta({ audienceId: AUDIENCE, token: TOKEN });
  const name = 'everyone_to_meta_unknown';
  try {
    writeFileSync(join(dir, 'syncs', `${name}.yaml`), SYNC_YAML(fresh.url).replace('everyone_to_meta', name));
    const w = await project.warehouse();
    // cat never decided about advertising (she only granted email marketing).
    const [cat] = await w.query<{ consent_advertising: string }>(`SELECT consent_advertising FROM cdp.profiles WHERE email = 'cat@shop.co'`);
    expect(cat!.consent_advertising).toBe('unknown');

    // advertising is require_granted by default: unknown is held back, nothing about cat leaves.
    const held = await runSync(project, name, fast);
    expect(held.status).toBe('success');
    expect(held.plan).toMatchObject({ current: 0, total: 0, heldBack: { 'consent:advertising': 3 } });
    expect(fresh.uploads.flatMap((u) => u.data)).toEqual([]);
    expect([...fresh.members]).toEqual([]);

    // The same profile, the same data, the purpose declared allow_unknown: cat goes out, the two
    // who revoked stay held back.
    await project.close();
    writeFileSync(join(dir, 'cdp.config.ts'), CONFIG.replace("timestamp: 'ts' }] },", "timestamp: 'ts' }], purposes: { advertising: { policy: 'allow_unknown' } } },"));
    project = await Project.load(dir);
    const allowed = await runSync(project, name, fast);
    expect(allowed.plan).toMatchObject({ current: 1, added: 1, heldBack: { 'consent:advertising': 2 } });
    expect([...fresh.members]).toEqual([member('cat@shop.co', 'cat')]);
  } finally {
    await project.close();
    writeFileSync(join(dir, 'cdp.config.ts'), CONFIG);
    project = await Project.load(dir);
    await fresh.close();
  }
});
