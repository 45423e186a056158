/**
 * @segment/analytics-next (analytics.js 2.0), unchanged, in Debian's Chromium on a customer's
 * page (another origin): it loads its settings from cdp (`cdnURL`), posts to cdp's /v1 short
 * paths across origins (CORS), and every event lands once with its properties intact.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { collectServer, richProperties, WRITE_KEYS, type CollectServer } from '../integration/collect/helpers.js';
import { describeInChromium, launchChromium } from './fixture.js';
import { ensureWebBuilt, WEB_DIST } from './build.js';

const AJS = fileURLToPath(new URL('../../node_modules/@segment/analytics-next/dist/umd/', import.meta.url));

/** The customer's site: a page with the analytics.js bundle, on its own origin. */
async function startSite(cdpUrl: string, writeKey: string): Promise<Server> {
  const page = `<!doctype html><html><head><title>shop</title><script src="/ajs/index.js"></script></head><body><h1>Shop</h1>
<script>
  window.loaded = AnalyticsNext.AnalyticsBrowser.load({ writeKey: ${JSON.stringify(writeKey)}, cdnURL: ${JSON.stringify(cdpUrl)} }).then(([analytics]) => { window.analytics = analytics; return true; });
</script></body></html>`;
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path.startsWith('/ajs/')) {
      const file = join(AJS, path.slice(5).replace(/[^A-Za-z0-9._-]/g, ''));
      if (!existsSync(file)) return void res.writeHead(404).end();
      return void res.writeHead(200, { 'content-type': 'application/javascript' }).end(readFileSync(file));
    }
    res.writeHead(200, { 'content-type': 'text/html' }).end(page);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

describeInChromium('analytics.js in Chromium against cdp', { timeout: 120_000 }, () => {
  let cdp: CollectServer;
  let site: Server;
  let browser: Browser;
  beforeAll(async () => {
    cdp = await collectServer('duckdb');
    site = await startSite(cdp.url, WRITE_KEYS.web);
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => site?.close(resolve));
    await cdp?.stop();
  });

  it('loads its settings from cdp and every call lands once, payload intact', async () => {
    const page = await browser.newPage();
    const siteUrl = `http://localhost:${(site.address() as AddressInfo).port}/`;
    const settingsRequests: string[] = [];
    const offsite: string[] = [];
    page.on('request', (req) => {
      if (req.url().includes('/v1/projects/')) settingsRequests.push(req.url());
      if (!req.url().startsWith(cdp.url) && !req.url().startsWith(siteUrl)) offsite.push(req.url());
    });
    await page.goto(siteUrl);
    await page.waitForFunction(() => (globalThis as unknown as { loaded?: Promise<boolean> }).loaded !== undefined);
    expect(await page.evaluate(() => (globalThis as unknown as { loaded: Promise<boolean> }).loaded)).toBe(true);
    expect(settingsRequests).toEqual([`${cdp.url}/v1/projects/${WRITE_KEYS.web}/settings`]);

    const props = richProperties(7);
    const ids = await page.evaluate(async (properties) => {
      type Ctx = { event: { messageId: string } };
      const a = (globalThis as unknown as { analytics: Record<string, (...args: unknown[]) => Promise<Ctx>> }).analytics;
      const calls = [
        await a.page!('Docs', 'Pricing', { path: '/pricing' }),
        await a.track!('Signup Clicked', properties),
        await a.identify!('browser-user-1', { email: 'zoë@example.com', plan: 'pro' }),
        await a.group!('acme', { name: 'Acme' }),
        await a.alias!('browser-user-2'),
      ];
      return calls.map((ctx) => ctx.event.messageId);
    }, props);
    expect(offsite).toEqual([]);

    const rows = await cdp.rows(`message_id IN (${ids.map((id) => `'${id}'`).join(', ')})`);
    expect(rows.map((r) => r.message_id).sort()).toEqual([...ids].sort());
    const byType = new Map(rows.map((r) => [r.type as string, r]));
    expect(byType.get('track')).toMatchObject({ event: 'Signup Clicked', source: 'web', properties: props });
    expect((byType.get('track')!.context as { library: { name: string } }).library.name).toBe('analytics.js');
    expect(byType.get('page')).toMatchObject({ name: 'Pricing' });
    expect(byType.get('identify')).toMatchObject({ user_id: 'browser-user-1', traits: { email: 'zoë@example.com', plan: 'pro' } });
    expect(byType.get('group')).toMatchObject({ group_id: 'acme' });
    // analytics.js sends the identified user as previousId (and, as it does, as userId too).
    expect(byType.get('alias')).toMatchObject({ previous_id: 'browser-user-1' });
    // The browser's anonymous id is stitched: the same on every call.
    const anonymous = new Set(rows.map((r) => r.anonymous_id));
    expect(anonymous.size).toBe(1);
    expect([...anonymous][0]).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describeInChromium('the Sources page in Chromium', { timeout: 240_000 }, () => {
  let cdp: CollectServer;
  let browser: Browser;
  const admin = { email: 'sources-admin@example.com', password: 'sources-admin-password' };
  beforeAll(async () => {
    await ensureWebBuilt();
    cdp = await collectServer('duckdb', {}, {}, undefined, WEB_DIST);
    await cdp.server.context.users.create({ email: admin.email, password: admin.password, role: 'admin', name: null });
    browser = await launchChromium();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await cdp?.stop();
  });

  it('an admin creates a source, its key works, the event shows in the live debugger and a bad key under rejections', async () => {
    const context = await browser.newContext({ baseURL: cdp.url });
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    await page.goto('/');
    await page.getByLabel('Email').fill(admin.email);
    await page.getByLabel('Password').fill(admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Sources' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sources' }).waitFor();
    await expect.poll(() => page.getByRole('table', { name: 'Sources' }).textContent()).toContain('CDP_TEST_WK_WEB');

    await page.getByLabel('New source').fill('app');
    await page.getByRole('button', { name: 'Create source' }).click();
    const key = (await page.getByTestId('write-key').locator('code').textContent())!;
    expect(key).toMatch(/^[A-Za-z0-9_-]{32}$/);

    const auth = (k: string) => `Basic ${Buffer.from(`${k}:`).toString('base64')}`;
    const sent = await fetch(`${cdp.url}/v1/track`, { method: 'POST', headers: { authorization: auth(key) }, body: JSON.stringify({ userId: 'ui-user', event: 'Debugger Check', properties: { plan: 'pro' } }) });
    expect(sent.status).toBe(200);
    const refused = await fetch(`${cdp.url}/v1/track`, { method: 'POST', headers: { authorization: auth('wrong-key') }, body: '{}' });
    expect(refused.status).toBe(401);

    const live = page.getByRole('list', { name: 'Live events' });
    await expect.poll(() => live.textContent(), { timeout: 20_000 }).toContain('Debugger Check');
    await live.locator('summary', { hasText: 'Debugger Check' }).first().click();
    await expect.poll(() => live.locator('pre').first().textContent()).toContain('"plan": "pro"');
    await expect.poll(() => page.getByRole('table', { name: 'Rejected requests' }).textContent(), { timeout: 20_000 }).toContain('unauthorized');
    await expect.poll(() => page.getByRole('table', { name: 'Sources' }).textContent()).toContain('created here');
    await context.close();
  });
});
