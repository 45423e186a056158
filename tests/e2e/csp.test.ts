/**
 * The Content-Security-Policy the service sends, in Debian's Chromium: the UI loads, signs in and
 * renders its pages (the audience builder with a live count, syncs, destinations, profiles) with
 * no violation reported; and the policy is really enforced (an injected inline script and a
 * foreign image are blocked and reported).
 */

import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../src/server/app.js';
import { ensureWebBuilt } from './build.js';
import { ADMIN, type DemoService, describeInChromium, launchChromium, startDemoService } from './fixture.js';


interface Violation {
  directive: string;
  blocked: string;
}

describeInChromium('Content-Security-Policy in Chromium', { timeout: 180_000 }, () => {
  let service: DemoService;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    await ensureWebBuilt();
    [service, browser] = await Promise.all([startDemoService(120), launchChromium()]);
    const context = await browser.newContext({ baseURL: service.url });
    context.setDefaultTimeout(15_000);
    // Every violation the page reports, kept on window before any script of the page runs.
    await context.addInitScript(
      "window.cspViolations = []; document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push({ directive: e.effectiveDirective, blocked: e.blockedURI }));",
    );
    page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
  });

  afterAll(async () => {
    await browser?.close();
    await service?.close();
  });

  const violations = (): Promise<Violation[]> => page.evaluate<Violation[]>('window.cspViolations');

  it('the UI loads, signs in and renders its pages with no violation', async () => {
    const response = await page.goto('/');
    expect(response?.headers()['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    expect(await violations()).toEqual([]);

    // Client-side navigation keeps the document (and its violation list): walk the main pages.
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Audiences' }).click();
    await page.getByRole('link', { name: 'vip_recent_buyers' }).first().click();
    // The builder renders the definition and its live count from the warehouse.
    await expect.poll(() => page.getByTestId('live-count').getAttribute('data-state'), { timeout: 20_000 }).toBe('fresh');
    expect(await page.getByTestId('live-count').textContent()).toMatch(/\d/);
    for (const name of ['Syncs', 'Destinations', 'Profiles']) {
      await nav.getByRole('link', { name }).click();
      await page.getByRole('heading', { level: 1, name }).waitFor();
    }
    expect(await violations()).toEqual([]);

    // Every other page, loaded afresh (each load starts a new violation list).
    for (const [path, heading] of [
      ['/audiences/new', /audience/i],
      ['/syncs/new', /sync/i],
      ['/destinations/new', /destination/i],
      ['/privacy', /privacy/i],
      ['/syncs/vip_to_webhook', /.+/],
      ['/dashboards', /dashboards/i],
    ] as const) {
      await page.goto(path);
      await page.getByRole('heading', { level: 1, name: heading }).first().waitFor();
      expect({ path, violations: await violations() }).toEqual({ path, violations: [] });
    }
    expect(consoleErrors.filter((text) => /Content Security Policy/i.test(text))).toEqual([]);
  });

  it('the policy is enforced: an injected inline script and a foreign image are blocked', async () => {
    await page.evaluate(`
      const script = document.createElement('script');
      script.textContent = 'window.injected = true';
      document.body.append(script);
      const image = document.createElement('img');
      image.src = 'https://attacker.example/pixel.png';
      document.body.append(image);
    `);
    await expect.poll(async () => (await violations()).map((v) => v.directive).sort()).toEqual(['img-src', 'script-src-elem']);
    expect(await page.evaluate<boolean>('window.injected === undefined')).toBe(true);
  });
});
