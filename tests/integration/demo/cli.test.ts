import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Project } from '../../../src/project/index.js';
import { tempProject, type TempProject } from './project.js';
import { runCli } from '../../helpers/cli.js';

/** Runs the CLI in-process; returns the exit code and what it printed. */
const cdp = runCli;

let project: TempProject;
let demo: { code: number; out: string; err: string };

beforeAll(async () => {
  // The repository's own cdp.config.ts, models and audiences, in a throwaway directory.
  project = tempProject();
  demo = await cdp('demo', '--project', project.dir, '--people', '400', '--seed', '3');
});

afterAll(() => project.remove());

describe('cdp demo (end to end on the embedded DuckDB)', () => {
  it('generates the data, builds models, identity and profiles, and prints what it built', () => {
    expect(demo.err).toBe('');
    expect(demo.code).toBe(0);
    for (const table of ['raw.web_events', 'raw.demo_truth', 'cdp.stg_web_events', 'cdp.stg_consent_records', 'cdp.profiles', 'cdp.identity_graph']) {
      expect(demo.out).toMatch(new RegExp(`^${table.replace('.', '\\.')}\\s+\\S+.*\\s[\\d,]+`, 'm'));
    }
    expect(demo.out).toMatch(/identity: [\d,]+ profiles from [\d,]+ identifiers/);
    // A month of history for the dashboards: identity builds reconstructed, audience sizes simulated (this copy has no syncs/).
    expect(demo.out).toContain('identity history: 30 earlier daily builds reconstructed for the dashboards (mode backfill)');
    expect(demo.out).toMatch(/simulated history for the dashboards: 150 daily audience sizes, 0 sync runs \(marked simulated, trigger backfill\)/);
  });

  it('builds staging tables with the raw row counts and one profile per resolved person', async () => {
    const p = await Project.load(project.dir);
    try {
      const w = await p.warehouse();
      for (const table of ['web_events', 'app_events', 'crm_contacts', 'orders', 'support_tickets', 'email_engagement', 'consent_records']) {
        const [raw] = await w.query<{ n: number }>(`SELECT COUNT(*) AS n FROM raw.${table}`);
        const [stg] = await w.query<{ n: number }>(`SELECT COUNT(*) AS n FROM cdp.stg_${table}`);
        expect(stg!.n, table).toBe(raw!.n);
      }
      const [profiles] = await w.query<{ n: number }>('SELECT COUNT(*) AS n FROM cdp.profiles');
      expect(profiles!.n).toBeGreaterThan(300);
    } finally {
      await p.close();
    }
  });

  it('passes the data tests of models/schema.yml (cdp test)', async () => {
    const result = await cdp('test', '--project', project.dir);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/(\d{2,}) test\(s\): \1 passed, 0 failed/);
  });

  it('refuses a bad --people with one clear line', async () => {
    const result = await cdp('demo', '--project', project.dir, '--people', 'lots');
    expect(result.code).toBe(1);
    expect(result.err).toBe("error: --people must be a whole number from 1 to 10,000,000, got 'lots' (at --people) — e.g. cdp demo --people 100000\n");
  });
});
