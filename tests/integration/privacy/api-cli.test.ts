import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { testApp, type TestApp } from '../../unit/server/helpers.js';
import { runSync } from '../../../src/syncs/index.js';
import { forgettable, type Recorder } from './destinations.js';
import { privacyProject, profileSync, type PrivacyProject } from './fixture.js';

describe('privacy API', () => {
  let p: PrivacyProject;
  let t: TestApp;
  let crm: Recorder;
  const auth = (role: 'admin' | 'editor' | 'marketer' | 'viewer') => `Bearer ${t.tokens[role]}`;
  beforeAll(async () => {
    p = await privacyProject('duckdb');
    crm = forgettable();
    p.writeSync('crm', profileSync('crm', crm.type, p.schema));
    expect((await runSync(p.project, 'crm')).status).toBe('success');
    t = await testApp(p.project);
  }, 120_000);
  afterAll(async () => p?.close());

  it('is for admins only', async () => {
    for (const role of ['editor', 'marketer', 'viewer'] as const) {
      const deletion = await request(t.app).post('/api/privacy/deletions').set('Authorization', auth(role)).send({ idType: 'email', value: 'alice@gmail.com' });
      expect(deletion.status, role).toBe(403);
      expect((await request(t.app).post('/api/privacy/exports').set('Authorization', auth(role)).send({ idType: 'email', value: 'alice@gmail.com' })).status).toBe(403);
      expect((await request(t.app).get('/api/privacy/requests').set('Authorization', auth(role))).status).toBe(403);
    }
    expect(crm.calls.filter((c) => c.verb === 'forget')).toEqual([]);
    expect((await request(t.app).post('/api/privacy/deletions').send({ idType: 'email', value: 'x@y.com' })).status).toBe(401);
  });

  it('validates the body and the id type', async () => {
    const bad = await request(t.app).post('/api/privacy/deletions').set('Authorization', auth('admin')).send({ idType: 'email' });
    expect(bad.status).toBe(400);
    const unknown = await request(t.app).post('/api/privacy/deletions').set('Authorization', auth('admin')).send({ idType: 'emial', value: 'x@y.com' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.hint).toBe("did you mean 'email'?");
  });

  it('exports, deletes and lists requests for an admin', async () => {
    const exported = await request(t.app).post('/api/privacy/exports').set('Authorization', auth('admin')).send({ idType: 'email', value: 'ALICE@gmail.com' });
    expect(exported.status).toBe(200);
    expect(exported.body.identifiers).toHaveLength(4);

    const dry = await request(t.app).post('/api/privacy/deletions').set('Authorization', auth('admin')).send({ idType: 'email', value: 'alice@gmail.com', dryRun: true });
    expect(dry.status, JSON.stringify(dry.body)).toBe(201);
    expect(dry.body).toMatchObject({ dryRun: true, profilesFound: 1, destinations: [{ sync: 'crm', action: 'deleted', status: 'dry_run' }] });

    const done = await request(t.app).post('/api/privacy/deletions').set('Authorization', auth('admin')).send({ idType: 'email', value: 'alice@gmail.com' });
    expect(done.status).toBe(201);
    expect(done.body).toMatchObject({ complete: true, requestedBy: 'admin@example.com', destinations: [{ sync: 'crm', action: 'deleted', status: 'ok', rows: 1 }] });
    expect(crm.calls.filter((c) => c.verb === 'forget')).toHaveLength(1);

    const list = await request(t.app).get('/api/privacy/requests').set('Authorization', auth('admin'));
    expect(list.body.map((r: { kind: string; status: string }) => `${r.kind}:${r.status}`)).toEqual(['delete:completed', 'export:completed']);
    expect(JSON.stringify(list.body)).not.toContain('alice');
    const one = await request(t.app).get(`/api/privacy/requests/${done.body.requestId}`).set('Authorization', auth('admin'));
    expect(one.body.report).toMatchObject({ requestId: done.body.requestId, profilesFound: 1 });
    expect((await request(t.app).get('/api/privacy/requests/nope').set('Authorization', auth('admin'))).status).toBe(404);

    const audit = await request(t.app).get('/api/audit').query({ action: 'privacy.' }).set('Authorization', auth('admin'));
    expect(audit.body.entries.map((e: { action: string }) => e.action)).toEqual(['privacy.delete', 'privacy.export']);
    expect(JSON.stringify(audit.body)).not.toContain('alice');
  });
});

describe('cdp privacy', () => {
  let p: PrivacyProject;
  beforeAll(async () => {
    p = await privacyProject('duckdb');
    const crm = forgettable();
    p.writeSync('crm', profileSync('crm', crm.type, p.schema));
    expect((await runSync(p.project, 'crm')).status).toBe('success');
    await p.project.close(); // the CLI opens the project itself
  }, 120_000);
  afterAll(async () => p?.close());

  it('delete --dry-run, refusal without --yes, delete --yes, requests, report, export --out', async () => {
    const dry = await runCli('privacy', 'delete', 'email', 'Alice@Gmail.com', '--dry-run', '--project', p.dir);
    expect(dry.err).toBe('');
    expect(dry.code).toBe(0);
    expect(dry.out).toContain('dry run (nothing changed)');
    expect(dry.out).toContain('profiles found: 1');
    expect(dry.out).toMatch(/identifiers suppressed: 4 \(/);
    expect(dry.out).toMatch(/crm\s+privacy_crm_\S+\s+deleted\s+1\s+dry_run/);
    expect(dry.out).toContain('crm_contacts (raw.crm_contacts): 2 row(s)');

    const refused = await runCli('privacy', 'delete', 'email', 'alice@gmail.com', '--project', p.dir);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('pass --yes');

    const typo = await runCli('privacy', 'delete', 'emial', 'alice@gmail.com', '--yes', '--project', p.dir);
    expect(typo.code).toBe(1);
    expect(typo.err).toContain("did you mean 'email'?");

    const exported = join(p.dir, 'alice.json');
    const exp = await runCli('privacy', 'export', 'email', 'alice@gmail.com', '--out', exported, '--project', p.dir);
    expect(exp.code).toBe(0);
    expect(existsSync(exported)).toBe(true);
    expect(statSync(exported).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(exported, 'utf8')).identifiers).toHaveLength(4);

    const stdout = await runCli('privacy', 'export', 'email', 'alice@gmail.com', '--project', p.dir);
    expect(JSON.parse(stdout.out).profiles).toHaveLength(1);

    const del = await runCli('privacy', 'delete', 'email', 'alice@gmail.com', '--yes', '--json', '--project', p.dir);
    expect(del.code).toBe(0);
    const report = JSON.parse(del.out);
    expect(report).toMatchObject({ complete: true, profilesFound: 1, destinations: [{ sync: 'crm', action: 'deleted', status: 'ok' }] });

    const requests = await runCli('privacy', 'requests', '--project', p.dir);
    expect(requests.out.split('\n').filter((l) => / (delete|export) /.test(l))).toHaveLength(3);
    expect(requests.out).not.toContain('alice');
    const shown = await runCli('privacy', 'report', report.requestId, '--json', '--project', p.dir);
    expect(JSON.parse(shown.out).report.requestId).toBe(report.requestId);
    const readable = await runCli('privacy', 'report', report.requestId, '--project', p.dir);
    expect(readable.out).toMatch(new RegExp(`^delete request ${report.requestId}: completed, by `));
    expect(readable.out).toMatch(/profiles found: 1\n/);
    expect(readable.out).not.toContain('alice');

    // Explain says why the value links nothing (not "never seen").
    const explained = await runCli('identity', 'explain', 'email', 'alice@gmail.com', '--project', p.dir);
    expect(explained.code).toBe(0);
    expect(explained.out).toMatch(
      new RegExp(`^email alice@gmail\\.com: suppressed by privacy request ${report.requestId} on \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2} \\(right to erasure\\): source rows carrying it are left out of every identity build\n$`),
    );

    // Gone: exporting again finds nobody.
    const after = await runCli('privacy', 'export', 'email', 'alice@gmail.com', '--project', p.dir);
    expect(JSON.parse(after.out).profiles).toEqual([]);
  });
});
