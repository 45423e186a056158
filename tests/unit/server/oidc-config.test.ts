import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { decideRole, type RoleRules } from '../../../src/auth/index.js';
import { parseConfig, type CdpConfigInput } from '../../../src/config/index.js';
import { CdpError } from '../../../src/errors.js';
import { safeReturnTo } from '../../../src/server/services/oidc.js';
import { tempProject, testApp } from './helpers.js';

const rules: RoleRules = {
  claim: 'groups',
  map: { 'cdp-admins': 'admin', 'data-team': 'editor', marketing: 'marketer' },
  domains: { 'example.com': 'viewer', 'partner.io': 'marketer' },
};

describe('SSO role mapping', () => {
  it('a mapped claim value decides; several: the most powerful role', () => {
    expect(decideRole({ groups: ['marketing', 'data-team', 'other'] }, 'a@example.com', true, rules, undefined)).toEqual({ role: 'editor', by: 'claim', matched: 'data-team' });
    expect(decideRole({ groups: 'cdp-admins' }, 'a@other.org', true, rules, undefined)).toMatchObject({ role: 'admin', by: 'claim' });
  });

  it('the claim decides over the domain, even for a less powerful role', () => {
    expect(decideRole({ groups: ['marketing'] }, 'a@partner.io', true, { ...rules, domains: { 'partner.io': 'admin' } }, undefined)).toMatchObject({ role: 'marketer', by: 'claim' });
  });

  it('nested claims by dotted path (Keycloak realm roles), and names holding dots as they are', () => {
    const keycloak = { ...rules, claim: 'realm_access.roles' };
    expect(decideRole({ realm_access: { roles: ['data-team'] } }, 'a@x.org', true, keycloak, undefined)).toMatchObject({ role: 'editor' });
    expect(decideRole({ 'realm_access.roles': ['cdp-admins'] }, 'a@x.org', true, keycloak, undefined)).toMatchObject({ role: 'admin' });
  });

  it('no mapped value: the verified email domain, case-insensitively; an unverified email is not trusted for it', () => {
    expect(decideRole({ groups: ['nope'] }, 'a@Partner.IO', true, rules, undefined)).toEqual({ role: 'marketer', by: 'domain', matched: 'partner.io' });
    expect(decideRole({}, 'a@partner.io', false, rules, undefined)).toMatchObject({ role: null });
    // A subdomain is another domain.
    expect(decideRole({}, 'a@evil.example.com', true, rules, undefined)).toMatchObject({ role: null });
  });

  it('then the default role; else a refusal that says what was looked at', () => {
    expect(decideRole({}, 'a@x.org', true, rules, 'viewer')).toEqual({ role: 'viewer', by: 'default', matched: '' });
    const refused = decideRole({ groups: ['sales', 42] }, 'a@x.org', true, rules, undefined);
    expect(refused).toEqual({ role: null, reason: 'no role is mapped to the "groups" claim (sales) or the email domain x.org' });
    expect(decideRole({}, 'a@x.org', true, { map: {}, domains: {} }, undefined)).toEqual({ role: null, reason: 'no role rules are configured' });
  });

  it('claim values that are object keys of every object are not roles', () => {
    expect(decideRole({ groups: ['constructor', 'toString', '__proto__'] }, 'a@x.org', true, rules, undefined)).toMatchObject({ role: null });
  });
});

/** The one-line error (message, path and hint) a bad config fails with. */
function configError(input: unknown): string {
  try {
    parseConfig(input as CdpConfigInput);
  } catch (error) {
    if (error instanceof CdpError) return error.oneLine();
    throw error;
  }
  throw new Error('the config was accepted');
}

describe('auth.oidc config', () => {
  const base = { issuer: 'https://login.example.com', clientId: 'cdp' };

  it('fills defaults an admin expects', () => {
    const config = parseConfig({ auth: { oidc: base } });
    expect(config.auth?.oidc).toMatchObject({ name: 'SSO', scopes: ['openid', 'email', 'profile'], clientAuth: 'client_secret_basic', roles: { map: {}, domains: {} } });
  });

  it('refuses plain http except to a provider on this machine', () => {
    expect(configError({ auth: { oidc: { ...base, issuer: 'http://login.example.com' } } })).toMatch(/https.*auth\.oidc\.issuer/);
    expect(parseConfig({ auth: { oidc: { ...base, issuer: 'http://127.0.0.1:9000' } } }).auth?.oidc?.issuer).toBe('http://127.0.0.1:9000');
  });

  it('refuses a role map without the claim it maps, an unknown role, a literal secret, and scopes without openid', () => {
    expect(configError({ auth: { oidc: { ...base, roles: { map: { admins: 'admin' } } } } })).toMatch(/roles\.map needs roles\.claim/);
    expect(configError({ auth: { oidc: { ...base, roles: { claim: 'groups', map: { admins: 'owner' } } } } })).toMatch(/admin.*auth\.oidc\.roles\.map\.admins/);
    expect(configError({ auth: { oidc: { ...base, clientSecret: 'plain-text' } } })).toMatch(/auth\.oidc\.clientSecret/);
    expect(configError({ auth: { oidc: { ...base, scopes: ['email'] } } })).toMatch(/openid/);
  });

  it('returnTo stays on the site', () => {
    expect(safeReturnTo('/syncs/a?b=1')).toBe('/syncs/a?b=1');
    for (const evil of ['//evil.example', '/\\evil.example', '/\t/evil.example', '/\n/evil.example', '/ /x', '/a\\b', 'https://evil.example', 'javascript:alert(1)', undefined]) {
      expect(safeReturnTo(evil), JSON.stringify(evil)).toBe('/');
    }
  });
});

describe('SSO routes when SSO is not configured', () => {
  it('the providers route says so and the login route sends the browser back to the login page with the reason', async () => {
    const { project, cleanup } = tempProject();
    try {
      const { app } = await testApp(project);
      expect((await request(app).get('/api/auth/providers')).body).toEqual({ password: true, oidc: null });
      const login = await request(app).get('/api/auth/oidc/login');
      expect(login.status).toBe(303);
      expect(login.headers.location).toBe('/login?sso_error=not_configured');
      const callback = await request(app).get('/api/auth/oidc/callback?code=x&state=y');
      expect(callback.headers.location).toBe('/login?sso_error=not_configured');
    } finally {
      await cleanup();
    }
  });
});

describe('SSO when the provider cannot be reached', () => {
  it('sends the browser back with "unavailable", records why, and tries again on the next sign-in', async () => {
    // A port nothing listens on: discovery fails fast.
    const { project, cleanup } = tempProject({ auth: { oidc: { issuer: 'http://127.0.0.1:9', clientId: 'cdp', clientSecret: { env: 'UNSET_OIDC_SECRET_FOR_TEST' } } } });
    try {
      const { app, ctx } = await testApp(project, { env: { UNSET_OIDC_SECRET_FOR_TEST: 'a-secret-value' } });
      expect((await request(app).get('/api/auth/providers')).body.oidc).toEqual({ name: 'SSO', loginUrl: '/api/auth/oidc/login' });
      for (let attempt = 0; attempt < 2; attempt++) {
        const res = await request(app).get('/api/auth/oidc/login');
        expect(res.status).toBe(303);
        expect(res.headers.location).toBe('/login?sso_error=unavailable');
      }
      const { entries } = await ctx.audit.query({ action: 'auth.login' });
      expect(entries).toHaveLength(2);
      expect(String(entries[0]!.details.message)).toContain('could not read the OpenID configuration of http://127.0.0.1:9');
    } finally {
      await cleanup();
    }
  });

  it('a client secret named by an unset environment variable is refused with its name', async () => {
    const { project, cleanup } = tempProject({ auth: { oidc: { issuer: 'http://127.0.0.1:9', clientId: 'cdp', clientSecret: { env: 'UNSET_OIDC_SECRET_FOR_TEST' } } } });
    try {
      const { app, ctx } = await testApp(project, { env: {} });
      expect((await request(app).get('/api/auth/oidc/login')).headers.location).toBe('/login?sso_error=unavailable');
      const { entries } = await ctx.audit.query({ action: 'auth.login' });
      expect(String(entries[0]!.details.message)).toContain('environment variable UNSET_OIDC_SECRET_FOR_TEST is not set');
    } finally {
      await cleanup();
    }
  });
});

