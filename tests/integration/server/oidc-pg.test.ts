/**
 * SSO behind a load balancer: two service instances on one Postgres state store. A sign-in started
 * on one instance finishes on the other (the pending sign-in travels in the encrypted cookie, not in
 * process memory), the user is created once in Postgres, and the session works on both.
 */
import { randomBytes } from 'node:crypto';
import knexFactory from 'knex';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/index.js';
import { Project } from '../../../src/project/index.js';
import { startServer, type RunningServer } from '../../../src/server/index.js';
import { openStateStore, type StateStore } from '../../../src/state/index.js';
import { HttpBrowser, startIdp, type TestIdp } from '../../helpers/idp.js';
import { tempProject, TEST_KEY } from '../../unit/server/helpers.js';

const PG = process.env.CDP_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `t_sso_${randomBytes(4).toString('hex')}`;

describe('SSO across two instances on one Postgres state store', () => {
  let idp: TestIdp;
  const stores: StateStore[] = [];
  const services: RunningServer[] = [];
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    idp = await startIdp({ grace: { email: 'grace@example.com', email_verified: true, name: 'Grace', groups: ['data-team'] } });
    const temp = tempProject();
    cleanup = temp.cleanup;
    // Both instances answer on one public address (the load balancer's); nothing listens on it here,
    // the test delivers the provider's redirect to an instance itself.
    const publicCallback = 'http://localhost:8443/api/auth/oidc/callback';
    const config = parseConfig({
      warehouse: { type: 'duckdb', path: ':memory:' },
      state: { client: 'pg', connection: PG, schema },
      auth: {
        oidc: {
          issuer: idp.issuer,
          clientId: idp.clientId,
          clientSecret: { env: 'PG_OIDC_SECRET' },
          redirectUri: publicCallback,
          scopes: ['openid', 'email', 'profile', 'groups'],
          roles: { claim: 'groups', map: { 'data-team': 'editor' } },
        },
      },
    });
    const project = new Project(temp.project.dir, temp.project.configFile, config);
    for (let i = 0; i < 2; i++) {
      const store = await openStateStore(config.state, project.dir);
      stores.push(store);
      services.push(
        await startServer(project, {
          port: 0,
          store,
          startScheduler: false,
          webDir: null,
          secretKey: TEST_KEY,
          logger: pino({ level: 'silent' }),
          env: { PG_OIDC_SECRET: idp.clientSecret },
        }),
      );
    }
    idp.register([publicCallback]);
  });

  afterAll(async () => {
    // Both share one project object: close the HTTP servers, then the stores, then drop the schema.
    for (const service of services) await new Promise<void>((resolve) => service.server.close(() => resolve()));
    for (const store of stores) await store.close();
    await idp?.close();
    const admin = knexFactory({ client: 'pg', connection: PG });
    await admin.raw(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.destroy();
    await cleanup?.();
  });

  it('starts on instance A, finishes on instance B; the session works on both', async () => {
    const [a, b] = services as [RunningServer, RunningServer];
    const browser = new HttpBrowser();
    const start = await browser.request(`${a.url}/api/auth/oidc/login`);
    expect(start.status).toBe(303);
    const page = await browser.follow(start.headers.get('location')!);
    const { url } = await browser.signInAtProvider(page.url, await page.res.text(), 'grace', (next) => next.pathname === '/api/auth/oidc/callback');
    // The load balancer sends the callback to B: same public host, so the same cookies.
    for (const [name, value] of browser.cookies(a.url)) browser.cookies(b.url).set(name, value);
    const callback = new URL(url);
    const finished = await browser.request(`${b.url}${callback.pathname}${callback.search}`);
    expect(finished.status).toBe(303);
    expect(finished.headers.get('location')).toBe('/');
    const session = browser.cookies(b.url).get('cdp_session')!;
    expect(session).toBeDefined();
    for (const service of [a, b]) {
      const me = await fetch(`${service.url}/api/auth/me`, { headers: { cookie: `cdp_session=${session}` } });
      expect(me.status).toBe(200);
      expect(await me.json()).toMatchObject({ user: { email: 'grace@example.com', role: 'editor' }, via: 'session' });
    }
    const rows = await stores[0]!.knex('users').where({ email: 'grace@example.com' }).select('role', 'password_hash');
    expect(rows).toEqual([{ role: 'editor', password_hash: null }]);
  });
});
