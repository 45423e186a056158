/**
 * Dashboards, the row debugger and keyboard/zoom behaviour in Debian's Chromium, over the demo
 * project with the history `cdp demo` gives itself (30 days of reconstructed identity builds,
 * simulated audience sizes and sync runs), two real identity builds, audience snapshots, a sync
 * that delivers and one whose receiver refuses every row. axe-core checks every page (WCAG 2.1 A/AA). Screenshots go to
 * tests/e2e/screenshots/ (gitignored) as dash-*.png.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { snapshotAudience } from '../../src/audiences/index.js';
import { backfillDemoHistory } from '../../src/demo/history.js';
import { runProject } from '../../src/pipeline/index.js';
import { ensureWebBuilt } from './build.js';
import { ACTIVE_OPTION_IN_VIEW, AXE_WCAG21, DANGLING_ARIA, FOCUS_IN_FIRST_CONDITION, FOCUS_RING_CONTRAST, FOCUS_STOP, FOCUSED_NAME, FOCUSED_TEXT, focusedInside, type FocusStop } from './browser-scripts.js';
import { ADMIN, type DemoService, describeInChromium, launchChromium, MARKETER, POLL, signIn, startDemoService, startWebhookReceiver, type WebhookReceiver } from './fixture.js';

const SCREENSHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const AUDIENCE = 'cart_abandoners';
const OK_SYNC = 'dash_ok';
const STRICT_SYNC = 'dash_strict';
/** Days of history the demo backfills, as `cdp demo` does. */
const HISTORY_DAYS = 30;


/** The status of a sync's latest run once it is no longer running (expect.poll works only inside tests). */
async function waitForRun(page: Page, sync: string): Promise<string | undefined> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const [run] = (await (await page.request.get(`/api/syncs/${sync}/runs`)).json()) as Array<{ status: string }>;
    if ((run && run.status !== 'running') || Date.now() > deadline) return run?.status;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

describeInChromium('dashboards, row debugger, keyboard and zoom in Chromium', { timeout: 240_000 }, () => {
  let service: DemoService;
  let webhook: WebhookReceiver;
  let browser: Browser;
  let admin: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await ensureWebBuilt();
    [service, webhook, browser] = await Promise.all([startDemoService(300), startWebhookReceiver(), launchChromium()]);
    // The demo's history (as `cdp demo` writes it), a second build and two more snapshots.
    await backfillDemoHistory(service.project, { days: HISTORY_DAYS, before: new Date(), seed: 7 });
    await runProject(service.project);
    await snapshotAudience(service.project, AUDIENCE);
    admin = await browser.newContext({ viewport: { width: 1280, height: 860 }, baseURL: service.url });
    admin.setDefaultTimeout(15_000);
    page = await admin.newPage();
    await signIn(page, ADMIN);
    for (const [name, url] of [
      ['dash-hook', webhook.url],
      ['dash-strict', webhook.rejectUrl],
    ] as const) {
      expect((await page.request.post('/api/destinations', { data: { name, type: 'webhook', config: { url } } })).status()).toBe(201);
    }
    for (const [sync, destination, expected] of [
      [OK_SYNC, 'dash-hook', 'success'],
      [STRICT_SYNC, 'dash-strict', 'partial'],
    ] as const) {
      const created = await page.request.post('/api/syncs', { data: { name: sync, from: { audience: AUDIENCE }, destination, mode: 'upsert', fields: { email: 'email' }, schedule: null } });
      expect(created.status()).toBe(201);
      expect((await page.request.post(`/api/syncs/${sync}/run`, { data: {} })).status()).toBe(202);
      expect(await waitForRun(page, sync)).toBe(expected);
    }
  });

  afterAll(async () => {
    await browser?.close();
    await webhook?.close();
    await service?.close();
  });

  async function shot(target: Page, name: string): Promise<void> {
    await target.evaluate('window.scrollTo(0, 0)');
    await target.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  }


  /** The canvas a uPlot chart draws into, inside one chart card. */
  const canvasOf = (target: Page, id: string) => target.getByTestId(`chart-${id}`).locator('canvas').first();

  it('dashboards: identity builds, records per source, sync runs per day, audience size, over a month of history', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboards' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dashboards' }).waitFor();
    for (const id of ['identity-size', 'identity-merges', 'source-records', 'sync-outcomes', 'sync-rows', 'sync-duration', 'sync-match-rate', `audience-${AUDIENCE}`]) await canvasOf(page, id).waitFor();
    // The figures behind the charts, as their tables show them: the reconstructed days, then the two real builds.
    const builds = page.getByRole('table', { name: 'Identity builds' }).first();
    await page.getByTestId('chart-identity-size').getByText('Show as table').click();
    expect(await builds.locator('tbody tr').count()).toBe(HISTORY_DAYS + 2);
    expect(await builds.locator('tbody tr').filter({ hasText: 'reconstructed (demo)' }).count()).toBe(HISTORY_DAYS);
    const stats = (await (await page.request.get('/api/identity/stats')).json()) as { profiles: number };
    await builds.locator('tbody tr').last().getByText(new Intl.NumberFormat('en-US').format(stats.profiles), { exact: true }).waitFor();
    // Splits are counted for the real builds (none in a rebuild of the same data), not for reconstructed ones.
    expect((await builds.locator('tbody tr').last().locator('td').allTextContents()).at(-1)).toBe('0');
    expect((await builds.locator('tbody tr').first().locator('td').allTextContents()).at(-1)).toBe('not counted');
    await page.getByTestId('chart-sync-outcomes').getByText('Show as table').click();
    const day = page.getByRole('table', { name: 'Sync runs per day' }).first().locator('tbody tr');
    // The simulated days of the demo's syncs still in the 30-day window (it includes today), then
    // today: two real runs, one succeeded, one partial, none simulated.
    expect(await day.count()).toBe(HISTORY_DAYS);
    const today = await day.last().locator('td').allTextContents();
    expect(today.slice(1, 5)).toEqual(['2', '1', '1', '0']);
    expect(today.at(-1)).toBe('0');
    expect(Number((await day.first().locator('td').allTextContents()).at(-1))).toBeGreaterThan(0);
    await page.getByTestId('chart-sync-outcomes').getByText(/runs were simulated by the demo/).waitFor();
    await page.getByTestId(`chart-audience-${AUDIENCE}`).getByText(`The first ${HISTORY_DAYS} points are simulated by the demo`, { exact: false }).waitFor();
    const sources = (await (await page.request.get('/api/history/sources', { params: { days: 90 } })).json()) as Array<{ day: string }>;
    expect(new Set(sources.map((p) => p.day)).size).toBeGreaterThan(30);
    await shot(page, 'dash-01-dashboards');
  });

  it('audience page: size over time with entered and left', async () => {
    await page.goto(`/audiences/${AUDIENCE}`);
    await canvasOf(page, `audience-${AUDIENCE}`).waitFor();
    await page.getByTestId(`chart-audience-${AUDIENCE}`).getByText('Show as table').click();
    const history = (await (await page.request.get(`/api/audiences/${AUDIENCE}/history`)).json()) as unknown[];
    expect(history.length).toBeGreaterThan(1);
    expect(await page.getByRole('table', { name: `Size history of ${AUDIENCE}` }).locator('tbody tr').count()).toBe(history.length);
    await shot(page, 'dash-02-audience-size');
    // The audience list's sparklines draw the demo's simulated sizes dashed and say so.
    await page.goto('/audiences');
    // (the list reads the last 30 points: the newest simulated days, then the real snapshots).
    await page.getByRole('img', { name: /the first \d+ points are simulated by the demo/ }).first().waitFor();
  });

  it('row debugger: a person by email, every run that planned them, the answer; errors by reason; masked for a marketer', async () => {
    const delivered = webhook.batches.find((b) => b.sync === OK_SYNC)!.rows[0]!;
    const email = String(delivered.email);
    await page.goto(`/syncs/${STRICT_SYNC}`);
    const debuggerSection = page.getByTestId('row-debugger');
    await debuggerSection.getByLabel('Look up', { exact: true }).selectOption('email');
    await debuggerSection.getByLabel('Value to look up').fill(email);
    await debuggerSection.getByRole('button', { name: 'Look up' }).click();
    const attempts = page.getByTestId('row-attempts');
    await attempts.waitFor();
    expect(await attempts.locator('tbody tr[data-status="rejected"]').count()).toBe(1);
    await expect.poll(() => attempts.textContent(), POLL).toContain('email domain not accepted');
    // The payload that run sent (refused, so nothing is delivered), unmasked for an admin.
    expect(await attempts.getByTestId('attempt-payload').first().textContent()).toContain(email);
    // Focus moved to the answer.
    expect(await page.evaluate<string | null>(FOCUSED_TEXT)).toContain(String(delivered.profile_id));
    const groups = page.getByTestId('error-groups');
    const runs = (await (await page.request.get(`/api/syncs/${STRICT_SYNC}/runs`)).json()) as Array<{ counts: { rejected: number } }>;
    await expect.poll(() => groups.locator('tbody tr').first().textContent(), POLL).toContain(String(runs[0]!.counts.rejected));
    await shot(page, 'dash-03-row-debugger');

    // The delivered sync, by row key: values as delivered; a marketer sees them masked.
    await page.goto(`/syncs/${OK_SYNC}`);
    await page.getByTestId('row-debugger').getByLabel('Value to look up').fill(String(delivered.profile_id));
    await page.getByTestId('row-debugger').getByRole('button', { name: 'Look up' }).click();
    await page.getByTestId('row-report').getByLabel('Values last delivered').getByText(email, { exact: true }).waitFor();
    expect(await page.getByTestId('row-attempts').getByTestId('attempt-payload').first().textContent()).toContain(email);
    const marketer = await (await browser.newContext({ viewport: { width: 1280, height: 860 }, baseURL: service.url })).newPage();
    await signIn(marketer, MARKETER);
    await marketer.goto(`/syncs/${OK_SYNC}`);
    await marketer.getByTestId('row-debugger').getByLabel('Value to look up').fill(String(delivered.profile_id));
    await marketer.getByTestId('row-debugger').getByRole('button', { name: 'Look up' }).click();
    const report = marketer.getByTestId('row-report');
    await report.getByText('Personal data is masked for your role.').waitFor();
    expect(await report.textContent()).not.toContain(email);
    expect(await report.textContent()).toContain('•••@');
    await marketer.context().close();
  });

  it('pickers keep the highlighted option in view; removing a condition keeps focus in the builder; saves are announced', async () => {
    const where = { all: [{ trait: 'email', op: 'is_not_null' }, { trait: 'order_count', op: 'gte', value: 1 }] };
    expect((await page.request.post('/api/audiences', { data: { name: 'dash_edit', where } })).status()).toBe(201);
    await page.goto('/audiences/dash_edit');
    await page.getByRole('button', { name: '+ Trait' }).first().click();
    const picker = page.getByRole('combobox', { name: 'Trait' }).last();
    await picker.click();
    const list = page.getByRole('listbox', { name: 'Trait' });
    await list.waitFor();
    const options = await list.getByRole('option').count();
    for (let i = 0; i < options - 1; i++) await picker.press('ArrowDown');
    const inView = await page.evaluate<boolean>(ACTIVE_OPTION_IN_VIEW);
    expect(options).toBeGreaterThan(8);
    expect(inView).toBe(true);
    await picker.press('Escape');

    // Remove the first condition: focus lands on the condition that took its place; remove every
    // condition and it lands on the first "add" button, never on the page.
    await page.getByRole('button', { name: 'Remove trait condition' }).first().click();
    expect(await page.evaluate<boolean>(FOCUS_IN_FIRST_CONDITION)).toBe(true);
    await page.getByRole('button', { name: 'Remove trait condition' }).last().click();
    expect(await page.evaluate<boolean>(focusedInside('fieldset.group'))).toBe(true);
    await page.goto('/audiences/dash_edit');
    await page.getByRole('button', { name: 'Remove trait condition' }).first().waitFor();

    // A save (after a real change) is announced in the status region, and focus goes there.
    await page.getByLabel('Profiles: how conditions combine').selectOption('any');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => page.getByTestId('save-status').textContent(), POLL).toBe('Saved.');
    expect(await page.evaluate<string | null>(FOCUSED_TEXT)).toBe('Saved.');
    await page.getByLabel('Profiles: how conditions combine').selectOption('all');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => page.getByTestId('save-status').textContent(), POLL).toBe('Saved.');

    // A destination's save too.
    await page.goto('/destinations/dash-hook');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => page.getByTestId('save-status').textContent(), POLL).toBe('Saved.');
    expect(await page.evaluate<string | null>(FOCUSED_TEXT)).toBe('Saved.');
  });

  it('buttons show a focus ring of at least 3:1; a failed sign-in puts focus back on the password', async () => {
    await page.goto('/syncs');
    await page.getByRole('heading', { level: 1, name: 'Syncs' }).waitFor();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    const button = page.getByRole('button', { name: 'Sign out' });
    await button.focus();
    const contrast = await page.evaluate<{ ratio: number; alpha: number }>(FOCUS_RING_CONTRAST);
    expect(contrast.alpha).toBe(1);
    expect(contrast.ratio).toBeGreaterThanOrEqual(3);

    const fresh = await (await browser.newContext({ baseURL: service.url })).newPage();
    await fresh.goto('/');
    await fresh.getByLabel('Email').fill(ADMIN.email);
    await fresh.getByLabel('Password').fill('not the password');
    await fresh.getByRole('button', { name: 'Sign in' }).click();
    await fresh.getByText('wrong email or password').waitFor();
    await expect.poll(() => fresh.evaluate<string | null>(FOCUSED_NAME), POLL).toBe('password');
    await fresh.context().close();
  });

  it('at 200% zoom the sticky header hides no focused control, and visual order follows focus order', async () => {
    // 200% zoom of a 1280×860 window: the page lays out in 640×430 CSS pixels.
    const zoomed = await (await browser.newContext({ viewport: { width: 640, height: 430 }, deviceScaleFactor: 2, baseURL: service.url })).newPage();
    await signIn(zoomed, ADMIN);
    await zoomed.goto(`/syncs/${OK_SYNC}`);
    await zoomed.getByTestId('row-debugger').waitFor();
    const hidden: string[] = [];
    let previous: { top: number; left: number; name: string } | null = null;
    const outOfOrder: string[] = [];
    const focusState = () => zoomed.evaluate<FocusStop | null>(FOCUS_STOP);
    for (let i = 0; i < 60; i++) {
      await zoomed.keyboard.press('Tab');
      const state = await focusState();
      if (!state) continue;
      // The skip link is positioned over the page, the first stop and not part of the layout; seeing
      // it again means focus went round the whole page.
      if (state.skipLink) {
        if (previous) break;
        continue;
      }
      if (state.covered) hidden.push(state.name);
      // In the header and the page alike, each next stop is below, or on the same line and to the right.
      if (previous && (state.top < previous.top - 4 || (Math.abs(state.top - previous.top) <= 4 && state.left < previous.left))) {
        outOfOrder.push(`${state.name} (${Math.round(state.left)},${Math.round(state.top)}) after ${previous.name} (${Math.round(previous.left)},${Math.round(previous.top)})`);
      }
      previous = { top: state.top, left: state.left, name: state.name };
    }
    // Backwards from the end of the page: each control scrolls into view from above, where the
    // sticky header is; scroll-padding-top keeps it clear.
    await zoomed.keyboard.press('Shift+Tab');
    for (let i = 0; i < 25; i++) {
      await zoomed.keyboard.press('Shift+Tab');
      const state = await focusState();
      if (state?.covered) hidden.push(`${state.name} (going back)`);
    }
    expect(hidden).toEqual([]);
    expect(outOfOrder).toEqual([]);
    await zoomed.screenshot({ path: join(SCREENSHOTS, 'dash-04-zoom-200.png') });
    await zoomed.context().close();
  });

  it('axe finds no WCAG 2.1 A/AA violation on any page, and no aria reference dangles', async () => {
    const pages = ['/', '/dashboards', '/audiences', `/audiences/${AUDIENCE}`, '/audiences/new', '/profiles', '/syncs', `/syncs/${STRICT_SYNC}`, '/syncs/new', '/destinations', '/destinations/new', '/sources', '/privacy'];
    const problems: string[] = [];
    // axe is injected as an inline script, which the app's CSP refuses (rightly): this context bypasses it.
    const axeContext = await browser.newContext({ viewport: { width: 1280, height: 860 }, baseURL: service.url, bypassCSP: true });
    const page = await axeContext.newPage();
    await signIn(page, ADMIN);
    for (const path of pages) {
      await page.goto(path);
      await page.getByRole('heading', { level: 1 }).waitFor();
      await page.waitForLoadState('networkidle');
      await page.addScriptTag({ content: AXE_SOURCE });
      const result = (await page.evaluate(AXE_WCAG21)) as {
        violations: Array<{ id: string; nodes: Array<{ target: string[] }> }>;
      };
      for (const v of result.violations) problems.push(`${path}: ${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
      const dangling = await page.evaluate<string[]>(DANGLING_ARIA);
      for (const d of dangling) problems.push(`${path}: dangling ${d}`);
    }
    await axeContext.close();
    expect(problems).toEqual([]);
  });
});
