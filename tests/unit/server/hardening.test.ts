/**
 * Issue 14, finding 9: state.sqlite and warehouse.duckdb were 0644 (password hashes, PII); no
 * Content-Security-Policy; a six-field cron was accepted though the hint says five; POST /api/runs
 * with a malformed select answered 202 and failed later; names had no length limit.
 * (The UI under the policy is tested in Chromium: tests/e2e/csp.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/index.js';
import { Project } from '../../../src/project/index.js';
import { CONTENT_SECURITY_POLICY } from '../../../src/server/app.js';
import { prepareSyncObject } from '../../../src/syncs/index.js';
import { restrictUmask } from '../../../src/util/permissions.js';
import { servedFixture } from './fixture.js';
import type { TestApp } from './helpers.js';

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);
const repo = fileURLToPath(new URL('../../../', import.meta.url));

describe('files of the state store and the warehouse are private', () => {
  it('.cdp is 0700; state.sqlite, its WAL, warehouse.duckdb and its WAL are 0600', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdp-modes-'));
    // As an existing checkout might have it: a .cdp directory others can read.
    mkdirSync(join(dir, '.cdp'), { mode: 0o755 });
    const previous = process.umask(0o022);
    restrictUmask(); // what bin/cdp.js does first (checked below by spawning it)
    const project = new Project(dir, join(dir, 'cdp.config.ts'), parseConfig({}));
    try {
      const state = await project.state();
      await state.knex.raw('create table t (x integer)');
      await state.knex('t').insert({ x: 1 });
      const warehouse = await project.warehouse();
      await warehouse.execute('CREATE TABLE w AS SELECT 1 AS x');
      await warehouse.execute('INSERT INTO w VALUES (2)');
      const files = ['state.sqlite', 'state.sqlite-wal', 'warehouse.duckdb', 'warehouse.duckdb.wal'].filter((f) => existsSync(join(dir, '.cdp', f)));
      expect(files).toEqual(expect.arrayContaining(['state.sqlite', 'state.sqlite-wal', 'warehouse.duckdb']));
      expect(Object.fromEntries(files.map((f) => [f, mode(join(dir, '.cdp', f))]))).toEqual(Object.fromEntries(files.map((f) => [f, '600'])));
      expect(mode(join(dir, '.cdp'))).toBe('700');
    } finally {
      await project.close();
      process.umask(previous);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the cdp command narrows its umask before anything else', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdp-umask-'));
    try {
      const run = spawnSync(process.execPath, [join(repo, 'bin/cdp.js'), 'init', join(dir, 'p')], { encoding: 'utf8', env: { ...process.env, CDP_LOG_LEVEL: 'warn' } });
      expect(run.status, run.stderr).toBe(0);
      // Directories it makes are its user's alone (copied template files keep their own mode).
      expect(mode(join(dir, 'p'))).toBe('700');
      expect(mode(join(dir, 'p', 'models'))).toBe('700');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('policy and validation at the API', () => {
  const fixture = servedFixture();
  let t: TestApp;
  let admin: string;
  beforeAll(() => {
    t = fixture.app();
    admin = fixture.bearer('admin');
  });

  it('every response carries the Content-Security-Policy', async () => {
    for (const path of ['/', '/api/health', '/api/nope']) {
      const res = await request(t.app).get(path);
      expect(res.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    }
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
  });

  it('a six-field cron is refused, through the API and in a sync file', async () => {
    await request(t.app).put('/api/destinations/hook').set('Authorization', admin).send({ type: 'webhook', config: { url: 'https://example.com/hook' } });
    const body = (schedule: string) => ({ name: 'every_second', from: { audience: 'x' }, destination: 'hook', mode: 'mirror', fields: { email: 'email' }, schedule });
    const six = await request(t.app).post('/api/syncs').set('Authorization', admin).send(body('* * * * * *'));
    expect(six.status).toBe(400);
    expect(six.body.error.path).toBe('body.schedule');
    expect(six.body.error.message).toContain('6 fields, not 5');
    expect(six.body.error.hint).toContain('five fields');
    expect(() =>
      prepareSyncObject({ name: 's', from: { audience: 'x' }, destination: { type: 'file', config: { path: 'out' } }, mode: 'mirror', fields: { email: 'email' }, schedule: '*/5 * * * * *' }),
    ).toThrow(/five fields/);
    // Five fields still pass.
    expect(() => prepareSyncObject({ name: 's', from: { audience: 'x' }, destination: { type: 'file', config: { path: 'out' } }, mode: 'mirror', fields: { email: 'email' }, schedule: '*/5 * * * *' })).not.toThrow();
  });

  it('POST /api/runs with a malformed or unknown selector is a 400 at once, and no run starts', async () => {
    for (const [select, path] of [
      [['++a'], 'body.select[0]'],
      [['x+y'], 'body.select[0]'],
      [['+'], 'body.select[0]'],
    ] as const) {
      const res = await request(t.app).post('/api/runs').set('Authorization', admin).send({ select });
      expect({ select, status: res.status, path: res.body.error?.path }).toEqual({ select, status: 400, path });
    }
    const unknown = await request(t.app).post('/api/runs').set('Authorization', admin).send({ select: ['no_such_model'] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain('no model named no_such_model');
    const runs = await request(t.app).get('/api/runs').set('Authorization', admin);
    expect(runs.status).toBe(200);
    expect(JSON.stringify(runs.body)).not.toContain('no_such_model');
  });

  it('names are bounded: 400 naming the field', async () => {
    const long = `a${'b'.repeat(128)}`;
    const audience = await request(t.app).post('/api/audiences').set('Authorization', admin).send({ name: long, where: { trait: 'country', op: 'eq', value: 'DE' } });
    expect(audience.status).toBe(400);
    expect(audience.body.error.path).toBe('body.name');
    expect(audience.body.error.message).toContain('at most 128 characters');
    const sync = await request(t.app).post('/api/syncs').set('Authorization', admin).send({ name: long, from: { audience: 'x' }, destination: 'hook', mode: 'mirror', fields: { email: 'email' } });
    expect(sync.status).toBe(400);
    expect(sync.body.error.path).toBe('body.name');
    const checks: Array<[string, 'put' | 'post', Record<string, unknown>]> = [
      [`/api/destinations/${'d'.repeat(101)}`, 'put', { type: 'webhook', config: { url: 'https://example.com' } }],
      [`/api/secrets/${'s'.repeat(101)}`, 'put', { value: 'v' }],
      ['/api/users', 'post', { email: 'long@example.com', role: 'viewer', name: 'n'.repeat(201) }],
      ['/api/tokens', 'post', { name: 't'.repeat(201) }],
    ];
    for (const [path, method, payload] of checks) {
      const res = await request(t.app)[method](path).set('Authorization', admin).send(payload);
      expect({ path: path.slice(0, 20), status: res.status }).toEqual({ path: path.slice(0, 20), status: 400 });
    }
    const description = await request(t.app).post('/api/audiences').set('Authorization', admin).send({ name: 'described', description: 'x'.repeat(2001), where: { trait: 'country', op: 'eq', value: 'DE' } });
    expect(description.body.error.path).toBe('body.description');
  });
});
