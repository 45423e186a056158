/**
 * Single sign-on against a real OpenID Connect provider (oidc-provider) in this process, over real
 * HTTP: the authorization code flow with PKCE, state and nonce, role mapping by groups claim and
 * email domain, refusals, just-in-time users, and sessions that work like password sessions.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type CdpConfigInput, type OidcConfig } from '../../../src/config/index.js';
import { startServer, type RunningServer } from '../../../src/server/index.js';
import { OidcLogin, openPendingLogin, sealPendingLogin, OIDC_COOKIE } from '../../../src/server/services/oidc.js';
import { secretResolver } from '../../../src/secrets/index.js';
import { HttpBrowser, startIdp, type IdpAccount, type TestIdp } from '../../helpers/idp.js';
import { tempProject, TEST_KEY } from '../../unit/server/helpers.js';

const accounts: Record<string, IdpAccount> = {
  alice: { email: 'Alice@Example.com', email_verified: true, name: 'Alice Admin', groups: ['staff', 'cdp-admins'] },
  erin: { email: 'erin@example.com', email_verified: true, name: 'Erin', groups: ['data-team'] },
  bob: { email: 'bob@example.com', email_verified: true, name: 'Bob' },
  unverified: { email: 'mallory@example.com', email_verified: false, groups: [] },
  stringly: { email: 'trent@example.com', email_verified: 'false', groups: [] },
  carol: { email: 'carol@other.org', email_verified: true, groups: ['sales'] },
  nomail: { name: 'No Mail', groups: ['cdp-admins'] },
  dora: { email: 'dora@example.com', email_verified: true, groups: ['cdp-admins'] },
};

describe('OpenID Connect sign-in against a real provider', () => {
  let idp: TestIdp;
  let service: RunningServer;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    idp = await startIdp(accounts);
    const auth: CdpConfigInput['auth'] = {
      oidc: {
        issuer: idp.issuer,
        clientId: idp.clientId,
        clientSecret: { env: 'TEST_OIDC_CLIENT_SECRET' },
        name: 'Test IdP',
        scopes: ['openid', 'email', 'profile', 'groups'],
        roles: { claim: 'groups', map: { 'cdp-admins': 'admin', 'data-team': 'editor', staff: 'viewer' }, domains: { 'example.com': 'viewer' } },
      },
    };
    const temp = tempProject({ auth });
    cleanup = temp.cleanup;
    service = await startServer(temp.project, { port: 0, startScheduler: false, webDir: null, secretKey: TEST_KEY, env: { TEST_OIDC_CLIENT_SECRET: idp.clientSecret } });
    idp.register([`${service.url}/api/auth/oidc/callback`]);
  });

  afterAll(async () => {
    await service?.close();
    await idp?.close();
    await cleanup?.();
  });

  /** Starts a sign-in at CDP; returns the provider URL the browser is sent to. */
  async function start(browser: HttpBrowser, returnTo = '/'): Promise<URL> {
    const res = await browser.request(`${service.url}/api/auth/oidc/login?returnTo=${encodeURIComponent(returnTo)}`);
    expect(res.status).toBe(303);
    return new URL(res.headers.get('location')!);
  }

  /** Signs in at the provider as `login` and stops at the redirect back to CDP's callback (not followed). */
  async function atProvider(browser: HttpBrowser, authorizeUrl: URL, login: string): Promise<URL> {
    const page = await browser.follow(authorizeUrl.href);
    const isCallback = (url: URL) => url.pathname === '/api/auth/oidc/callback';
    const { url } = await browser.signInAtProvider(page.url, await page.res.text(), login, isCallback);
    expect(new URL(url).pathname).toBe('/api/auth/oidc/callback');
    return new URL(url);
  }

  /** The whole dance; returns where CDP finally sends the browser. */
  async function signIn(browser: HttpBrowser, login: string, returnTo = '/'): Promise<URL> {
    const callback = await atProvider(browser, await start(browser, returnTo), login);
    const res = await browser.request(callback.href);
    expect(res.status).toBe(303);
    return new URL(res.headers.get('location')!, service.url);
  }

  async function me(browser: HttpBrowser): Promise<{ status: number; body: { user?: { email: string; role: string; name: string | null }; via?: string } }> {
    const res = await browser.request(`${service.url}/api/auth/me`);
    return { status: res.status, body: (await res.json()) as { user?: { email: string; role: string; name: string | null } } };
  }

  async function lastLoginAudit(): Promise<{ outcome: string; details: Record<string, unknown> }> {
    const { entries } = await service.context.audit.query({ action: 'auth.login', limit: 1 });
    return entries[0]!;
  }

  it('the login page learns the provider from a public route', async () => {
    const res = await fetch(`${service.url}/api/auth/providers`);
    expect(await res.json()).toEqual({ password: true, oidc: { name: 'Test IdP', loginUrl: '/api/auth/oidc/login' } });
  });

  it('code flow with PKCE: a groups claim maps to admin, the user is created just in time, the session works like a password session', async () => {
    const browser = new HttpBrowser();
    const authorize = await start(browser, '/audiences');
    // The authorization request: code flow, S256 challenge of the verifier only the encrypted cookie holds, state, nonce.
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${idp.issuer}/auth`);
    const params = authorize.searchParams;
    expect(params.get('response_type')).toBe('code');
    expect(params.get('client_id')).toBe(idp.clientId);
    expect(params.get('redirect_uri')).toBe(`${service.url}/api/auth/oidc/callback`);
    expect(params.get('scope')).toBe('openid email profile groups');
    expect(params.get('code_challenge_method')).toBe('S256');
    const cookie = browser.cookies(service.url).get(OIDC_COOKIE)!;
    expect(cookie).toBeDefined();
    expect(cookie).not.toContain(params.get('state')!); // encrypted, not readable by the browser
    const pending = openPendingLogin(TEST_KEY, decodeURIComponent(cookie));
    expect(params.get('code_challenge')).toBe(createHash('sha256').update(pending.verifier).digest('base64url'));
    expect(params.get('state')).toBe(pending.state);
    expect(params.get('nonce')).toBe(pending.nonce);

    expect(await service.context.users.findByEmail('alice@example.com')).toBeUndefined();
    const callback = await atProvider(browser, authorize, 'alice');
    expect(callback.searchParams.get('code')).toBeTruthy();
    const res = await browser.request(callback.href);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/audiences');
    expect(browser.cookies(service.url).has(OIDC_COOKIE)).toBe(false);
    const cookieLine = res.headers.getSetCookie().find((line) => line.startsWith('cdp_session='))!;
    expect(cookieLine).toMatch(/HttpOnly/i);
    expect(cookieLine).toMatch(/SameSite=Lax/i);

    const who = await me(browser);
    expect(who.status).toBe(200);
    expect(who.body.user).toMatchObject({ email: 'alice@example.com', role: 'admin', name: 'Alice Admin' });
    expect(who.body.via).toBe('session');
    const user = (await service.context.users.findByEmail('alice@example.com'))!;
    expect(user.hasPassword).toBe(false);
    // An admin-only route answers: the session is a full session.
    expect((await browser.request(`${service.url}/api/audit`)).status).toBe(200);
    expect(await lastLoginAudit()).toMatchObject({ outcome: 'ok', details: { method: 'oidc', role: 'admin' } });
    // The code was spent: replaying the callback does not sign in a second browser.
    const thief = new HttpBrowser();
    for (const [name, value] of browser.cookies(service.url)) if (name !== 'cdp_session') thief.cookies(service.url).set(name, value);
    const replay = await thief.request(callback.href);
    expect(replay.headers.get('location')).toBe('/login?sso_error=expired');
  });

  it('the most powerful mapped group wins; with no mapped group the verified email domain decides', async () => {
    const erin = new HttpBrowser();
    await signIn(erin, 'erin');
    expect((await me(erin)).body.user?.role).toBe('editor');
    const bob = new HttpBrowser();
    await signIn(bob, 'bob');
    expect((await me(bob)).body.user?.role).toBe('viewer');
    expect((await service.context.users.findByEmail('bob@example.com'))!.role).toBe('viewer');
  });

  it('someone no rule maps is refused with a reason the login page explains, and no user is created', async () => {
    const browser = new HttpBrowser();
    const landed = await signIn(browser, 'carol');
    expect(`${landed.pathname}${landed.search}`).toBe('/login?sso_error=no_role');
    expect((await me(browser)).status).toBe(401);
    expect(await service.context.users.findByEmail('carol@other.org')).toBeUndefined();
    const audit = await lastLoginAudit();
    expect(audit.outcome).toBe('error');
    expect(String(audit.details.message)).toContain('carol@other.org may not use CDP: no role is mapped to the "groups" claim (sales) or the email domain other.org');
  });

  it('an email the provider has not verified is refused (users are matched by email)', async () => {
    const browser = new HttpBrowser();
    expect((await signIn(browser, 'unverified')).search).toBe('?sso_error=unverified_email');
    expect(await service.context.users.findByEmail('mallory@example.com')).toBeUndefined();
    expect((await signIn(new HttpBrowser(), 'stringly')).search).toBe('?sso_error=unverified_email');
    expect((await signIn(new HttpBrowser(), 'nomail')).search).toBe('?sso_error=no_email');
  });

  it('the role follows the provider at every sign-in; a disabled CDP user is refused', async () => {
    const browser = new HttpBrowser();
    await signIn(browser, 'dora');
    expect((await me(browser)).body.user?.role).toBe('admin');
    accounts.dora!.groups = ['data-team'];
    const again = new HttpBrowser();
    await signIn(again, 'dora');
    expect((await me(again)).body.user?.role).toBe('editor');
    // Sessions read the user on every request: the earlier session has the new role too.
    expect((await me(browser)).body.user?.role).toBe('editor');
    const dora = (await service.context.users.findByEmail('dora@example.com'))!;
    await service.context.users.update(dora.id, { disabled: true });
    expect((await signIn(new HttpBrowser(), 'dora')).search).toBe('?sso_error=disabled');
  });

  it('state: a callback whose state is not this browser’s is refused', async () => {
    const browser = new HttpBrowser();
    const callback = await atProvider(browser, await start(browser), 'alice');
    callback.searchParams.set('state', 'forged-state');
    const res = await browser.request(callback.href);
    expect(res.headers.get('location')).toBe('/login?sso_error=failed');
    expect((await me(browser)).status).toBe(401);
    expect(String((await lastLoginAudit()).details.message)).toMatch(/state/i);
  });

  it('login CSRF: a callback opened in a browser that never started the sign-in is refused', async () => {
    const attacker = new HttpBrowser();
    const callback = await atProvider(attacker, await start(attacker), 'carol');
    const victim = new HttpBrowser();
    const res = await victim.request(callback.href);
    expect(res.headers.get('location')).toBe('/login?sso_error=expired');
    expect(victim.cookies(service.url).has('cdp_session')).toBe(false);
  });

  it('nonce: an ID token minted for another sign-in is refused', async () => {
    const browser = new HttpBrowser();
    const callback = await atProvider(browser, await start(browser), 'alice');
    const jar = browser.cookies(service.url);
    const pending = openPendingLogin(TEST_KEY, decodeURIComponent(jar.get(OIDC_COOKIE)!));
    jar.set(OIDC_COOKIE, encodeURIComponent(sealPendingLogin(TEST_KEY, { ...pending, nonce: 'another-sign-ins-nonce' })));
    const res = await browser.request(callback.href);
    expect(res.headers.get('location')).toBe('/login?sso_error=failed');
    expect(String((await lastLoginAudit()).details.message)).toMatch(/nonce/i);
  });

  it('PKCE: the provider will not hand out tokens for the code without the matching verifier', async () => {
    const browser = new HttpBrowser();
    const callback = await atProvider(browser, await start(browser), 'alice');
    const jar = browser.cookies(service.url);
    const pending = openPendingLogin(TEST_KEY, decodeURIComponent(jar.get(OIDC_COOKIE)!));
    jar.set(OIDC_COOKIE, encodeURIComponent(sealPendingLogin(TEST_KEY, { ...pending, verifier: 'x'.repeat(64) })));
    const res = await browser.request(callback.href);
    expect(res.headers.get('location')).toBe('/login?sso_error=failed');
    expect(String((await lastLoginAudit()).details.message)).toMatch(/invalid_grant|PKCE/i);
    // A tampered cookie is not even decrypted.
    const tampered = new HttpBrowser();
    const cb2 = await atProvider(tampered, await start(tampered), 'alice');
    const value = decodeURIComponent(tampered.cookies(service.url).get(OIDC_COOKIE)!);
    tampered.cookies(service.url).set(OIDC_COOKIE, encodeURIComponent(`${value.slice(0, -4)}AAAA`));
    expect((await tampered.request(cb2.href)).headers.get('location')).toBe('/login?sso_error=expired');
  });

  it('the provider refusing (access_denied) comes back as a clear refusal', async () => {
    const browser = new HttpBrowser();
    const authorize = await start(browser);
    const res = await browser.request(`${service.url}/api/auth/oidc/callback?error=access_denied&error_description=user+cancelled&state=${authorize.searchParams.get('state')}&iss=${encodeURIComponent(idp.issuer)}`);
    expect(res.headers.get('location')).toBe('/login?sso_error=denied');
    expect(String((await lastLoginAudit()).details.message)).toContain('access_denied (user cancelled)');
  });

  it('returnTo never leaves the site', async () => {
    for (const evil of ['//evil.example/x', 'https://evil.example/', '/\\evil.example']) {
      const landed = await signIn(new HttpBrowser(), 'alice', evil);
      expect(landed.origin, evil).toBe(service.url);
      expect(landed.pathname, evil).toBe('/');
    }
  });

  it('a sign-in never demotes the last active admin; with another admin it does', async () => {
    // alice is the only active admin now (dora is disabled).
    accounts.alice!.groups = ['staff'];
    try {
      const kept = new HttpBrowser();
      await signIn(kept, 'alice');
      expect((await me(kept)).body.user?.role).toBe('admin');
      await service.context.users.create({ email: 'second-admin@example.com', role: 'admin', password: 'second-admin-password' });
      const demoted = new HttpBrowser();
      await signIn(demoted, 'alice');
      expect((await me(demoted)).body.user?.role).toBe('viewer');
      const { entries } = await service.context.audit.query({ action: 'user.update', limit: 1 });
      expect(entries[0]!.details).toMatchObject({ role: { from: 'admin', to: 'viewer' }, by: 'sso claim' });
    } finally {
      accounts.alice!.groups = ['staff', 'cdp-admins'];
    }
  });

  it('the secret in the form body, or no secret (a public client, PKCE only), work too; a wrong secret is refused', async () => {
    const direct = (clientId: string, extra: Partial<OidcConfig>, secret = idp.clientSecret) =>
      new OidcLogin(
        parseConfig({ auth: { oidc: { issuer: idp.issuer, clientId, scopes: ['openid', 'email', 'profile', 'groups'], roles: { claim: 'groups', map: { 'data-team': 'editor' } }, ...extra } } }).auth!.oidc!,
        { key: TEST_KEY, resolveSecret: secretResolver(service.context.secrets, { SECRET: secret }), users: service.context.users, audit: service.context.audit, log: service.context.log },
      );
    const cases = [
      direct(`${idp.clientId}-client_secret_post`, { clientSecret: { env: 'SECRET' }, clientAuth: 'client_secret_post' }),
      direct(`${idp.clientId}-none`, {}),
    ];
    for (const login of cases) {
      const { url, cookie } = await login.begin(service.url, '/syncs');
      const callback = await atProvider(new HttpBrowser(), url, 'erin');
      const { user, returnTo } = await login.complete(callback.searchParams, cookie);
      expect(user).toMatchObject({ email: 'erin@example.com', role: 'editor' });
      expect(returnTo).toBe('/syncs');
    }
    const wrong = direct(idp.clientId, { clientSecret: { env: 'SECRET' } }, 'not-the-client-secret');
    const { url, cookie } = await wrong.begin(service.url, '/');
    const callback = await atProvider(new HttpBrowser(), url, 'erin');
    const refusal = await wrong.complete(callback.searchParams, cookie).catch((error: unknown) => error);
    expect(refusal).toMatchObject({ reason: 'failed', message: expect.stringMatching(/invalid_client/) });
  });
});

