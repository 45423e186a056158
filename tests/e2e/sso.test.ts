/**
 * Single sign-on end to end in Debian's Chromium: the login page offers "Sign in with Test IdP",
 * the browser goes to a real OpenID Connect provider (oidc-provider, in this process), signs in at
 * its login form, comes back through the callback and lands in the UI with the role the groups
 * claim maps to; someone with no mapped role sees why they were refused. All of it under a strict
 * Content-Security-Policy (the service's own once it sends one), with no violation reported.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { Project } from '../../src/project/index.js';
import { parseSecretKey } from '../../src/secrets/index.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { startIdp, type TestIdp } from '../helpers/idp.js';
import { describeInChromium, launchChromium } from './fixture.js';
import { ensureWebBuilt, WEB_DIST } from './build.js';


describeInChromium('single sign-on in Chromium', { timeout: 180_000 }, () => {
  let idp: TestIdp;
  let service: RunningServer;
  let project: Project;
  let dir: string;
  let browser: Browser;

  beforeAll(async () => {
    await ensureWebBuilt();
    idp = await startIdp({
      ada: { email: 'ada@example.com', email_verified: true, name: 'Ada Lovelace', groups: ['growth'] },
      zed: { email: 'zed@elsewhere.org', email_verified: true, name: 'Zed', groups: ['contractors'] },
    });
    dir = mkdtempSync(join(tmpdir(), 'cdp-e2e-sso-'));
    const config = parseConfig({
      warehouse: { type: 'duckdb', path: ':memory:' },
      state: { client: 'better-sqlite3', filename: join(dir, 'state.sqlite') },
      auth: {
        oidc: {
          issuer: idp.issuer,
          clientId: idp.clientId,
          clientSecret: { env: 'E2E_OIDC_SECRET' },
          name: 'Test IdP',
          scopes: ['openid', 'email', 'profile', 'groups'],
          roles: { claim: 'groups', map: { growth: 'marketer', 'cdp-admins': 'admin' } },
        },
      },
    });
    project = new Project(dir, join(dir, 'cdp.config.ts'), config);
    [service, browser] = await Promise.all([
      startServer(project, { port: 0, startScheduler: false, webDir: WEB_DIST, secretKey: parseSecretKey('f'.repeat(64)), env: { E2E_OIDC_SECRET: idp.clientSecret } }),
      launchChromium(),
    ]);
    idp.register([`${service.url}/api/auth/oidc/callback`]);
  });

  afterAll(async () => {
    await browser?.close();
    await service?.close();
    await idp?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /**
   * The service's pages under a strict Content-Security-Policy: the service's own when it sends
   * one, else this one (no form posts or connections beyond this site).
   */
  async function underStrictCsp(context: BrowserContext): Promise<void> {
    await context.route(`${service.url}/**`, async (route) => {
      const response = await route.fetch({ maxRedirects: 0 });
      if (response.headers()['content-security-policy']) return route.fulfill({ response });
      const headers = response.headersArray().filter((h) => h.name.toLowerCase() !== 'set-cookie');
      const cookies = response.headersArray().filter((h) => h.name.toLowerCase() === 'set-cookie').map((h) => h.value);
      await route.fulfill({
        response,
        headers: {
          ...Object.fromEntries(headers.map((h) => [h.name, h.value])),
          ...(cookies.length ? { 'set-cookie': cookies.join('\n') } : {}),
          'content-security-policy': "default-src 'self'; img-src 'self' data:; form-action 'self'; connect-src 'self'; base-uri 'self'; frame-ancestors 'none'; object-src 'none'",
        },
      });
    });
  }

  async function signInAtProvider(page: Page, login: string): Promise<void> {
    await page.getByRole('link', { name: 'Sign in with Test IdP' }).click();
    // The provider's own login page, on its own origin.
    await page.waitForURL(`${idp.issuer}/**`);
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill('whatever-the-provider-checks');
    await page.getByRole('button', { name: 'Sign-in' }).click();
  }

  it('clicks "Sign in with Test IdP", signs in at the provider and lands in the UI as a marketer', async () => {
    const context = await browser.newContext({ baseURL: service.url });
    context.setDefaultTimeout(20_000);
    await underStrictCsp(context);
    const page = await context.newPage();
    // Whatever Content-Security-Policy the service sends, the sign-in must not trip it (docs/security.md).
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content[- ]Security[- ]Policy/i.test(message.text()) && page.url().startsWith(service.url)) violations.push(message.text());
    });
    await page.goto('/audiences');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await signInAtProvider(page, 'ada');
    // Back where the person started, signed in, with the role the "growth" group maps to.
    await page.waitForURL(`${service.url}/audiences`);
    await page.getByRole('heading', { level: 1, name: 'Audiences' }).waitFor();
    await expect.poll(() => page.getByTestId('role').textContent()).toBe('marketer');
    await page.getByText('Ada Lovelace').waitFor();
    const me = (await (await page.request.get('/api/auth/me')).json()) as { user: { email: string; role: string }; via: string };
    expect(me).toMatchObject({ user: { email: 'ada@example.com', role: 'marketer' }, via: 'session' });
    // A marketer's session: audiences may be written, destinations may not.
    expect((await page.request.post('/api/destinations', { data: {} })).status()).toBe(403);
    expect(violations).toEqual([]);
    await context.close();
  });

  it('someone no rule maps is sent back to the login page with the reason', async () => {
    const context = await browser.newContext({ baseURL: service.url });
    context.setDefaultTimeout(20_000);
    await underStrictCsp(context);
    const page = await context.newPage();
    await page.goto('/');
    await signInAtProvider(page, 'zed');
    await page.waitForURL(`${service.url}/login?sso_error=no_role`);
    await page.getByRole('alert').filter({ hasText: 'no CDP role is mapped to your groups' }).waitFor();
    expect((await page.request.get('/api/auth/me')).status()).toBe(401);
    expect(await service.context.users.findByEmail('zed@elsewhere.org')).toBeUndefined();
    await context.close();
  });
});
