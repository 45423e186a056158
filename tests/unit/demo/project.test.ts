import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAudienceFile } from '../../../src/audiences/index.js';
import { loadConfig } from '../../../src/config/index.js';
import { SOURCE_TABLES } from '../../../src/demo/index.js';
import { loadModels, parseSchemaFile } from '../../../src/models/index.js';
import { Project } from '../../../src/project/index.js';

// The repository root is the demo project: cdp.config.ts, models/, audiences/.
const ROOT = resolve(import.meta.dirname, '../../..');

describe('the demo project (repository root)', () => {
  it('has a cdp.config.ts that validates, with the identity of contracts.md', async () => {
    const { config } = await loadConfig(ROOT);
    expect(config.warehouse).toEqual({ type: 'duckdb', path: '.cdp/warehouse.duckdb' });
    expect(config.schema).toBe('cdp');
    const identity = config.identity!;
    expect(identity.sources.map((s) => s.name)).toEqual(['web_events', 'app_events', 'crm_contacts', 'orders', 'support_tickets', 'email_engagement']);
    expect(identity.sources.map((s) => s.relation)).toEqual(identity.sources.map((s) => `stg_${s.name}`));
    expect(identity.idTypes).toEqual({
      user_id: { priority: 1, maxPerProfile: 1, normalize: 'trim' },
      crm_id: { priority: 2, maxPerProfile: 1, normalize: 'trim' },
      email: { priority: 3, normalize: 'email' },
      phone: { priority: 4, normalize: 'phone', defaultRegion: 'US' },
      device_id: { priority: 5, normalize: 'trim' },
      anonymous_id: { priority: 9, normalize: 'trim' },
    });
    expect(config.events).toEqual([
      { source: 'web_events', name: 'event' },
      { source: 'app_events', name: 'event' },
      { source: 'orders', name: "'order_completed'" },
      { source: 'email_engagement', name: "'email_' || event_type" },
    ]);
    expect(config.profiles.traits.lifetime_value).toEqual({ source: 'orders', sql: 'sum(amount)' });
    expect(config.profiles.traits.email).toEqual({ source: 'crm_contacts', column: 'email', rule: 'most_recent' });
  });

  it('declares identifier columns that exist in the demo tables', async () => {
    const { config } = await loadConfig(ROOT);
    for (const source of config.identity!.sources) {
      const table = SOURCE_TABLES.find((t) => t.name === source.name)!;
      const columns = table.columns.map((c) => c.name);
      for (const column of [source.key, source.timestamp, ...Object.values(source.ids)]) expect(columns, `${source.name}.${column}`).toContain(column);
      expect(source.key).toBe(table.columns[0]!.name);
    }
  });

  it('has one staging model per raw table, each reading its source', async () => {
    const project = await Project.load(ROOT);
    try {
      const { models } = loadModels(project);
      expect(models.map((m) => m.name).sort()).toEqual(SOURCE_TABLES.map((t) => `stg_${t.name}`).sort());
      for (const model of models) {
        expect(model.sources.map((s) => `${s.schema}.${s.table}`)).toEqual([`raw.${model.name.slice(4)}`]);
        expect(model.config.materialized).toBe('table');
      }
    } finally {
      await project.close();
    }
  });

  it('has a dbt-format schema.yml whose tests name real staging columns', () => {
    const file = join(ROOT, 'models', 'schema.yml');
    const tests = parseSchemaFile({ path: file, file: 'models/schema.yml', text: readFileSync(file, 'utf8') });
    expect(tests.length).toBeGreaterThan(40);
    for (const test of tests) {
      const table = SOURCE_TABLES.find((t) => `stg_${t.name}` === test.model);
      expect(table, test.model).toBeDefined();
      expect(table!.columns.map((c) => c.name), test.name).toContain(test.column);
    }
    const kinds = new Set(tests.map((t) => t.kind));
    expect(kinds).toEqual(new Set(['unique', 'not_null', 'accepted_values']));
  });

  it('has demo audiences in the audience definition format', () => {
    const dir = join(ROOT, 'audiences');
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    const names = files.map((f) => parseAudienceFile(readFileSync(join(dir, f), 'utf8'), `audiences/${f}`).name);
    expect(names.sort()).toEqual(['cart_abandoners', 'churn_risk', 'likely_buyers', 'newsletter_engaged', 'vip_recent_buyers']);
  });
});
