/**
 * The audiences shipped in the repository's audiences/ folder validate and compile against the
 * demo config, over tables shaped like the demo's (contracts.md) and a few rows of them.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileAudience, countAudience, listAudiences } from '../../../src/audiences/index.js';
import { loadConfig } from '../../../src/config/index.js';
import { Project } from '../../../src/project/index.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const FILES = existsSync(join(ROOT, 'audiences')) ? readdirSync(join(ROOT, 'audiences')).filter((f) => /\.ya?ml$/.test(f)) : [];

describe.skipIf(FILES.length === 0 || !existsSync(join(ROOT, 'cdp.config.ts')))('demo audiences', () => {
  let project: Project;
  let stateDir: string;
  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), 'cdp-aud-demo-'));
    const { config, file } = await loadConfig(ROOT);
    project = new Project(ROOT, file, {
      ...config,
      warehouse: { type: 'duckdb', path: ':memory:' },
      state: { client: 'better-sqlite3', filename: join(stateDir, 'state.sqlite') },
    });
    const w = await project.warehouse();
    const schema = project.schema;
    await w.createSchema(schema);
    const kindOf = (trait: string) =>
      /_at$/.test(trait) ? 'TIMESTAMP' : /value$/.test(trait) ? 'DOUBLE' : /(count|orders|opens|clicks)$/.test(trait) ? 'BIGINT' : 'VARCHAR';
    const traits = Object.keys(config.profiles.traits).map((t) => `"${t}" ${kindOf(t)}`);
    // Predictions become a score and a percentile column of profiles (written by `cdp run`).
    traits.push(...Object.keys(config.predictions).flatMap((name) => [`"${name}" DOUBLE`, `"${name}_percentile" INTEGER`]));
    const ts = "TIMESTAMP '2024-06-01 00:00:00'";
    for (const sql of [
      `CREATE TABLE ${schema}.profiles (profile_id VARCHAR, ${traits.join(', ')})`,
      `CREATE TABLE ${schema}.resolved_records (source VARCHAR, record_key VARCHAR, profile_id VARCHAR)`,
      `CREATE TABLE ${schema}.stg_web_events AS SELECT * FROM (VALUES ('w1', 'a1', 'u1', 'x@y.z', 'page_view', '/', ${ts}), ('w2', 'a1', 'u1', NULL, 'add_to_cart', '/p', ${ts})) t(event_id, anonymous_id, user_id, email, event, page_url, ts)`,
      `CREATE TABLE ${schema}.stg_app_events AS SELECT * FROM (VALUES ('e1', 'd1', 'u1', 'add_to_cart', 'ios', ${ts})) t(event_id, device_id, user_id, event, platform, ts)`,
      `CREATE TABLE ${schema}.stg_orders AS SELECT * FROM (VALUES ('o1', 'u1', 'x@y.z', NULL, 60.0, 'USD', 'web', NULL, ${ts})) t(order_id, user_id, email, phone, amount, currency, channel, store_id, ordered_at)`,
      `CREATE TABLE ${schema}.stg_email_engagement AS SELECT * FROM (VALUES ('m1', 'x@y.z', 'c1', 'open', ${ts}), ('m2', 'x@y.z', 'c1', 'click', ${ts})) t(event_id, email, campaign_id, event_type, ts)`,
    ]) {
      await w.execute(sql);
    }
  });
  afterAll(async () => {
    await project?.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('lists every file without errors', async () => {
    const listed = await listAudiences(project);
    expect(listed.filter((a) => a.error)).toEqual([]);
    expect(listed.map((a) => a.file).sort()).toEqual(FILES.map((f) => `audiences/${f}`).sort());
  });

  it.each(FILES.map((f) => f.replace(/\.ya?ml$/, '')))('%s validates, compiles for every dialect and runs', async (name) => {
    for (const dialect of ['duckdb', 'postgres'] as const) {
      expect((await compileAudience(project, name, dialect)).sql).toMatch(/^(WITH [\s\S]*\n)?SELECT p\.\*\nFROM "cdp"\."profiles" AS p/);
    }
    expect(await countAudience(project, name)).toBe(0);
  });
});
